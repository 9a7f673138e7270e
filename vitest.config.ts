import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The simulator binds real sockets; forks keep suites isolated and leave the 2-core CI machine room.
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
  },
});

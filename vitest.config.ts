import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The simulator binds real sockets; forks keep suites isolated and leave the 2-core CI machine room.
    pool: 'forks',
    // Two at a time even on a 2-core machine (vitest's default there is one): most of a test's time is spent
    // waiting on the simulator's tasks, not computing, so the suite takes about half as long.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});

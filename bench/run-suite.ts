// Runs one benchmark suite in this process: `node dist/bench/run-suite.js <name>` (bench/run.ts calls it).
const name = process.argv[2];
if (!name || !/^[a-z]+$/.test(name)) {
  console.error('usage: run-suite.js <suite>, e.g. sim, client, select, ops, faults, schedule, mcp, tui');
  process.exit(2);
}
const mod = (await import(`./${name}.js`)) as { run(): Promise<void> };
await mod.run();
process.exit(0);

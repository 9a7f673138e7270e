// `npm run bench`: labelled figures, one per line, from every room that has a benchmark.
// Each module prints its own lines; a missing module (a capability not built yet) is skipped.
const suites = ['./sim.js', './client.js', './select.js', './ops.js', './schedule.js', './mcp.js', './tui.js'];

for (const suite of suites) {
  let mod: { run(): Promise<void> };
  try {
    mod = await import(suite);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') continue;
    throw err;
  }
  await mod.run();
}
process.exit(0);

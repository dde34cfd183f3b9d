// Shared by benchmarks: the process helpers the tests use, re-exported so benches and tests spawn the CLI the same way.
export { freePort, spawnCli, waitHealthy } from '../helpers/process';
export { tempDir } from '../helpers/runtime';

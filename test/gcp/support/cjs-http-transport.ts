// Jest-only: swaps teeny-request 10 (which loads node-fetch 3 with a dynamic import() that Jest's CommonJS sandbox refuses
// without --experimental-vm-modules) for teeny-request 9, same API over node-fetch 2; requests still go over real HTTP.
// Import this module before any @google-cloud/bigquery import.
import path from 'node:path';

// @google-cloud/storage 7 depends on teeny-request 9; resolve it the way Storage does.
const teeny9 = require.resolve('teeny-request', { paths: [path.dirname(require.resolve('@google-cloud/storage'))] });

jest.mock('teeny-request', () => jest.requireActual(teeny9));

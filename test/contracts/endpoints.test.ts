// The Endpoints contract against both adapters: journal files on disk, and Vertex AI endpoints through an in-process gRPC server (+ fake GCS).
import { promises as fsp, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createJournalEndpoints } from '../../functions/src/adapters/embedded/journal-endpoints';
import { endpointsContract } from './endpoints.contract';

endpointsContract('embedded journal files', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-endpoints-'));
  const make = (healthy?: boolean) => createJournalEndpoints({ dir: path.join(dir, 'endpoints'), ...(healthy === undefined ? {} : { healthy: async () => healthy }) });
  return {
    endpoints: make(),
    another: () => make(),
    withHealth: (healthy) => make(healthy),
    registerVersions: async () => undefined,
    cleanup: () => fsp.rm(dir, { recursive: true, force: true }),
  };
});

// Test helpers: a runtime in a temp data dir, the shared fixtures, and a free port.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig, type RawConfig } from '../../functions/src/core/config';
import { silentLogger } from '../../functions/src/core/log';
import { startRuntime, type Runtime } from '../../functions/src/runtime/local-runtime';
import type { WarehouseFaults } from '../../functions/src/adapters/embedded/duckdb-warehouse';

export const SECRET = 'test-secret-hush';
import { SHARED, FIXTURES } from './shared';

export { SHARED, FIXTURES };

export function fixture(name: string): Buffer {
  return readFileSync(path.join(FIXTURES, name));
}

export function hasShared(): boolean {
  return existsSync(FIXTURES);
}

export function tempDir(prefix = 'shop-mlops-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export async function startTestRuntime(overrides: Partial<RawConfig> = {}, faults?: WarehouseFaults): Promise<Runtime & { dataDir: string }> {
  const dataDir = overrides.dataDir ?? tempDir();
  const config = loadConfig({}, { shopifyApiSecret: SECRET, port: 0, dataDir, logLevel: 'ERROR', ...overrides });
  const rt = await startRuntime({ config, logger: silentLogger, ...(faults ? { faults } : {}) });
  return Object.assign(rt, { dataDir });
}

// The MonitoringStore contract against both adapters: DuckDB (the embedded warehouse on a real file) and BigQuery (through an in-process REST API that runs the statements).
import { mkdtempSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { createDuckDbMonitoringStore } from '../../functions/src/adapters/embedded/duckdb-monitoring-store';
import { decision, monitoringStoreContract } from './monitoring-store.contract';

monitoringStoreContract('embedded DuckDB', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-monitoring-'));
  const warehouse: DuckDbWarehouse = await openDuckDbWarehouse({ path: path.join(dir, 'warehouse.duckdb') });
  return {
    store: createDuckDbMonitoringStore(warehouse),
    another: () => createDuckDbMonitoringStore(warehouse),
    cleanup: async () => {
      await warehouse.close();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
});

test('DuckDB: the warehouse\'s shop/redact deletes the shop\'s monitoring rows too (one path for every table with a shop column)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-mlops-monitoring-'));
  const warehouse = await openDuckDbWarehouse({ path: path.join(dir, 'warehouse.duckdb') });
  try {
    const store = createDuckDbMonitoringStore(warehouse);
    await store.recordDecision(decision());
    await store.recordDecision(decision({ shop: 'other-store.myshopify.com' }));
    const r = await warehouse.redactShop('contract-store.myshopify.com');
    expect(r.tables['shop_monitoring.decisions']).toEqual({ deleted: 1, scrubbed: 0 });
    expect((await store.decisions()).map((d) => d.shop)).toEqual(['other-store.myshopify.com']);
  } finally {
    await warehouse.close();
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

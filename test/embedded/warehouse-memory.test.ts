// The runtime's DuckDB memory limit: SHOP_MLOPS_WAREHOUSE_MEMORY_LIMIT reaches the database (fixed at open); a malformed size is a configuration error.
import { loadConfig } from '../../functions/src/core/config';
import { startTestRuntime } from '../helpers/runtime';

test('the configured memory limit is DuckDB\'s', async () => {
  const rt = await startTestRuntime({ warehouseMemoryLimit: '1GB' });
  try {
    const [row] = await rt.warehouse.query("SELECT current_setting('memory_limit') AS m");
    expect(String(row!['m'])).toBe('953.6 MiB'); // DuckDB reports 10^9 bytes in MiB
  } finally {
    await rt.close();
  }
});

test('a size that is not one is refused with the variable named', () => {
  expect(() => loadConfig({ SHOP_MLOPS_WAREHOUSE_MEMORY_LIMIT: 'lots' })).toThrow(/warehouseMemoryLimit \(SHOP_MLOPS_WAREHOUSE_MEMORY_LIMIT\): must be a size like 4GB/);
});

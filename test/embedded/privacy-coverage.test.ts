// Every warehouse table with a customer, email or phone column must be covered by the redaction path (core/privacy.ts).
import { CUSTOMER_DATA_TABLES } from '../../functions/src/core/privacy';
import { startTestRuntime } from '../helpers/runtime';

test('no table holding customer data escapes the redaction path', async () => {
  const rt = await startTestRuntime();
  try {
    const cols = await rt.warehouse.query(`
      SELECT table_schema || '.' || table_name AS t, column_name AS c
      FROM information_schema.columns
      WHERE table_catalog = current_database() AND table_schema NOT IN ('information_schema', 'pg_catalog')
        AND (column_name ILIKE '%customer%' OR column_name ILIKE '%email%' OR column_name ILIKE '%phone%'
             OR column_name IN ('payload', 'body'))`);
    const tables = [...new Set(cols.map((r) => String(r['t'])))].sort();
    expect(tables.length).toBeGreaterThan(0);
    const uncovered = tables.filter((t) => !(t in CUSTOMER_DATA_TABLES));
    expect(uncovered).toEqual([]);
  } finally {
    await rt.close();
  }
});

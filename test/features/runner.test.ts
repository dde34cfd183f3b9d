// The local feature runner on a fixture project: real Dataform compile, DuckDB execution, incremental merge, gates.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { runFeatures, type RunReport } from '../../functions/src/features/runner';
import { planDuckdb, toDuckdbNames } from '../../functions/src/features/plan';
import { compileProject } from '../../functions/src/features/compile';

const PROJECT = path.join(__dirname, 'runner-project');
const event = (webhookId: string, id: string, total: string, receivedAt: string) => ({
  shop: 's.myshopify.com', topic: 'orders/updated' as const, webhook_id: webhookId, event_id: webhookId, api_version: '2026-10', triggered_at: null, received_at: receivedAt,
  payload: `{"id": ${id}, "total_price": "${total}"}`,
});

let w: DuckDbWarehouse;
beforeEach(async () => {
  w = await openDuckDbWarehouse({ path: ':memory:' });
});
afterEach(async () => w.close());

test('names are rewritten for DuckDB', () => {
  expect(toDuckdbNames('SELECT * FROM `demo-shop-mlops.shop_raw.events` JOIN `shop_staging.orders` USING (x)')).toBe('SELECT * FROM "shop_raw"."events" JOIN "shop_staging"."orders" USING (x)');
});

test('plans every action after its dependencies, and dependents of a table after its assertions', async () => {
  const plan = planDuckdb(await compileProject({ projectDir: PROJECT, dialect: 'duckdb' }));
  const order = plan.map((a) => a.key);
  const idx = (k: string) => order.indexOf(k);
  expect(idx('shop_staging.orders')).toBeLessThan(idx('shop_features.big_orders'));
  expect(idx('shop_features.big_orders')).toBeLessThan(idx('shop_features.after_big'));
  const bigAssertion = plan.find((a) => a.kind === 'assertion' && a.checks === 'shop_features.big_orders')!;
  expect(idx(bigAssertion.key)).toBeLessThan(idx('shop_features.after_big'));
  expect(plan.find((a) => a.key === 'shop_staging.orders')!.incremental!.join('\n')).toMatch(/DELETE FROM "shop_staging"."orders" AS t USING "__new_shop_staging__orders"/);
});

test('full build, then an incremental run merges by unique key; a failing assertion stops its dependents and names the rows', async () => {
  await w.landEvents([event('a', '820982911946154508', '10.00', '2026-01-01T00:00:00Z'), event('b', '2', '20.00', '2026-01-01T01:00:00Z')]);
  const first = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2026-01-01' });
  expect(first.ok).toBe(true);
  expect(first.actions.find((a) => a.name === 'shop_staging.orders')).toMatchObject({ status: 'ok', mode: 'full', rows: 2 });
  expect(await w.query('SELECT order_id, total FROM shop_staging.orders ORDER BY order_id')).toEqual([{ order_id: '2', total: 20 }, { order_id: '820982911946154508', total: 10 }]);

  await w.landEvents([event('c', '2', '2500.00', '2026-01-02T00:00:00Z'), event('d', '3', '30.00', '2026-01-02T00:00:00Z')]);
  const second = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2026-01-02' });
  expect(second.actions.find((a) => a.name === 'shop_staging.orders')).toMatchObject({ status: 'ok', mode: 'incremental', rows: 3 });
  expect(await w.query('SELECT order_id, total FROM shop_staging.orders ORDER BY order_id')).toEqual([{ order_id: '2', total: 2500 }, { order_id: '3', total: 30 }, { order_id: '820982911946154508', total: 10 }]);
  const failedAssertion = second.actions.find((a) => a.type === 'assertion' && a.status === 'failed')!;
  expect(failedAssertion.error).toMatch(/assertion failed: 1 row/);
  expect(JSON.stringify(failedAssertion.failingRows)).toContain('2500');
  expect(second.actions.find((a) => a.name === 'shop_features.after_big')).toMatchObject({ status: 'skipped' });
  expect(second.actions.find((a) => a.name === 'shop_features.order_totals')).toMatchObject({ status: 'ok' });
  expect(second.ok).toBe(false);
});

test('a table that became a view (or a view that became a table) is replaced, as Dataform does in BigQuery', async () => {
  await w.landEvents([event('k1', '11', '10.00', '2026-02-01T00:00:00Z')]);
  // order_totals (a view now) was a table; orders (incremental) was a view
  await w.execute('CREATE SCHEMA shop_features; CREATE SCHEMA shop_staging');
  await w.execute('CREATE TABLE shop_features.order_totals AS SELECT 1 AS stale');
  await w.execute("CREATE VIEW shop_staging.orders AS SELECT 's.myshopify.com' AS shop, '99' AS order_id, 1.0 AS total, TIMESTAMPTZ '2000-01-01 00:00:00+00' AS updated_at");
  const r = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2026-02-01' });
  expect(r.ok).toBe(true);
  expect(r.actions.find((a) => a.name === 'shop_staging.orders')).toMatchObject({ status: 'ok', mode: 'full', rows: 1 });
  const kinds = await w.query("SELECT table_schema || '.' || table_name AS t, table_type FROM information_schema.tables WHERE table_name IN ('orders', 'order_totals') ORDER BY 1");
  expect(kinds).toEqual([{ t: 'shop_features.order_totals', table_type: 'VIEW' }, { t: 'shop_staging.orders', table_type: 'BASE TABLE' }]);
  expect(await w.query('SELECT shop, orders::INTEGER AS orders FROM shop_features.order_totals')).toEqual([{ shop: 's.myshopify.com', orders: 1 }]);
  expect(r.actions.find((a) => a.name === 'shop_features.order_totals')!.rows).toBeUndefined();
});

test('on incremental runs built-in assertions check the rows written, unless their last check failed', async () => {
  await w.landEvents([event('s1', '11', '10.00', '2026-02-01T00:00:00Z')]);
  const full = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2026-02-01', fullRefresh: true });
  const checksOf = (r: RunReport) => r.actions.filter((a) => a.type === 'assertion' && a.name.startsWith('shop_assertions.shop_staging_orders_'));
  expect(checksOf(full).map((a) => [a.status, a.mode])).toEqual([['ok', 'full'], ['ok', 'full']]);

  // A bad row that did not come from this run (written behind the runner's back) is not seen by a scoped check...
  await w.execute(`INSERT INTO shop_staging.orders VALUES ('shop.myshopify.com', NULL, 1, TIMESTAMPTZ '2026-01-15 00:00:00+00')`);
  await w.landEvents([event('s2', '12', '12.00', '2026-02-02T00:00:00Z')]);
  const scoped = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2026-02-02' });
  expect(checksOf(scoped).map((a) => [a.status, a.mode])).toEqual([['ok', 'incremental'], ['ok', 'incremental']]);

  // ...but a bad row this run writes is: an order event without an id gives a NULL key.
  await w.landEvents([event('s3', 'null', '13.00', '2026-02-03T00:00:00Z')]);
  const caught = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2026-02-03' });
  const caughtCheck = checksOf(caught).find((a) => a.name.endsWith('rowConditions'))!;
  expect(caughtCheck).toMatchObject({ status: 'failed', mode: 'incremental' });
  expect(caughtCheck.failingRows).toEqual([expect.objectContaining({ failing_row_condition: 'order_id IS NOT NULL', total: 13 })]);

  // After a failed check the next run checks the whole table again, and also finds the row written behind its back.
  await w.landEvents([event('s5', '15', '15.00', '2026-02-04T00:00:00Z')]);
  const again = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2026-02-04' });
  const rowCheck = checksOf(again).find((a) => a.name.endsWith('rowConditions'))!;
  expect(rowCheck).toMatchObject({ status: 'failed', mode: 'full' });
  expect(rowCheck.failingRows!.map((r) => r['total']).sort()).toEqual([1, 13]);
  expect(checksOf(again).find((a) => a.name.includes('uniqueKey'))).toMatchObject({ status: 'ok', mode: 'incremental' });
  // No temp table of new rows outlives the run.
  expect(await w.query(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name LIKE '__new_%'`)).toEqual([{ n: 0 }]);
});

test('a scoped unique-key check reads the key box of the new rows when it is selective, else semi-joins the new keys', async () => {
  await w.landEvents(Array.from({ length: 10 }, (_, i) => event(`k${i}`, String(20 + i), '1.00', '2026-05-01T00:00:00Z')));
  await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2026-05-01' });
  const uniqueCheck = (r: RunReport) => r.actions.find((a) => a.name === 'shop_assertions.shop_staging_orders_assertions_uniqueKey_0')!;
  // a duplicate key written behind the runner's back, between order ids 13 and 14 (keys are strings)
  await w.execute(`INSERT INTO shop_staging.orders VALUES ('s.myshopify.com', '13x', 1, TIMESTAMPTZ '2026-04-01 00:00:00+00'), ('s.myshopify.com', '13x', 2, TIMESTAMPTZ '2026-04-01 00:00:00+00')`);

  // new keys 10 and 99: their box holds every row, so the check semi-joins the two new keys and does not see 13x
  await w.landEvents([event('k10', '10', '1.00', '2026-05-02T00:00:00Z'), event('k11', '99', '1.00', '2026-05-02T00:00:00Z')]);
  expect(uniqueCheck(await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2026-05-02' }))).toMatchObject({ status: 'ok', mode: 'incremental' });

  // new keys 13 and 14: the box ['13', '14'] holds four rows, so every key group in it is checked, 13x included
  await w.landEvents([event('k12', '13', '1.00', '2026-05-03T00:00:00Z'), event('k13', '14', '1.00', '2026-05-03T00:00:00Z')]);
  const boxed = uniqueCheck(await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2026-05-03' }));
  expect(boxed).toMatchObject({ status: 'failed', mode: 'incremental' });
  expect(boxed.failingRows).toEqual([{ shop: 's.myshopify.com', order_id: '13x', index_row_count: '2' }]);
  expect(boxed.sql).toContain(`WHERE "order_id" BETWEEN CAST('13' AS VARCHAR) AND CAST('14' AS VARCHAR)`);
});

test('an edited check runs on the whole table before it is scoped again', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'runner-project-'));
  cpSync(PROJECT, dir, { recursive: true });
  const checks = (r: RunReport) => r.actions.find((a) => a.name === 'shop_assertions.shop_staging_orders_assertions_rowConditions')!;
  await w.landEvents([event('e1', '21', '500.00', '2026-03-01T00:00:00Z')]);
  expect(checks(await runFeatures({ warehouse: w, projectDir: dir, snapshotDate: '2026-03-01', compileCacheDir: path.join(dir, '.cache') }))).toMatchObject({ status: 'ok', mode: 'full' });
  await w.landEvents([event('e2', '22', '5.00', '2026-03-02T00:00:00Z')]);
  expect(checks(await runFeatures({ warehouse: w, projectDir: dir, snapshotDate: '2026-03-02', compileCacheDir: path.join(dir, '.cache') }))).toMatchObject({ status: 'ok', mode: 'incremental' });

  // A new row condition: the old 500.00 order breaks it, and it is found although this run wrote only a small order.
  const f = path.join(dir, 'definitions', 'orders.sqlx');
  writeFileSync(f, readFileSync(f, 'utf8').replace('nonNull: ["order_id"],', 'nonNull: ["order_id"], rowConditions: ["total < 100"],'));
  await w.landEvents([event('e3', '23', '7.00', '2026-03-03T00:00:00Z')]);
  const edited = checks(await runFeatures({ warehouse: w, projectDir: dir, snapshotDate: '2026-03-03', compileCacheDir: path.join(dir, '.cache') }));
  expect(edited).toMatchObject({ status: 'failed', mode: 'full' });
  expect(edited.failingRows).toEqual([expect.objectContaining({ failing_row_condition: 'total < 100', order_id: '21' })]);
  rmSync(dir, { recursive: true, force: true });
});

/** A copy of the fixture project with the real scope helper and `files` (definitions/NAME.sqlx → text) added. */
function projectWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'runner-project-'));
  cpSync(PROJECT, dir, { recursive: true });
  mkdirSync(path.join(dir, 'includes'));
  cpSync(path.join(__dirname, '../../dataform/includes/scope.js'), path.join(dir, 'includes', 'scope.js'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, 'definitions', `${name}.sqlx`), text);
  return dir;
}

test('a standalone assertion using scope.changed_rows checks the rows of the keys a run wrote, and the whole table after a failure or a redaction', async () => {
  const dir = projectWith({
    no_huge_orders: `config { type: "assertion" }
SELECT o.order_id, o.total FROM \${scope.changed_rows(ref("orders"), ["shop", "order_id"])} AS o WHERE o.total >= 1000`,
  });
  const run = (date: string) => runFeatures({ warehouse: w, projectDir: dir, snapshotDate: date, compileCacheDir: path.join(dir, '.cache') });
  const check = (r: RunReport) => r.actions.find((a) => a.name === 'shop_assertions.no_huge_orders')!;
  await w.landEvents([event('h1', '31', '10.00', '2026-04-01T00:00:00Z')]);
  expect(check(await run('2026-04-01'))).toMatchObject({ status: 'ok', mode: 'full' });

  // A huge order written behind the runner's back is outside the scope of the next run's check...
  await w.execute(`INSERT INTO shop_staging.orders VALUES ('s.myshopify.com', '99', 5000, TIMESTAMPTZ '2026-03-15 00:00:00+00')`);
  await w.landEvents([event('h2', '32', '20.00', '2026-04-02T00:00:00Z')]);
  expect(check(await run('2026-04-02'))).toMatchObject({ status: 'ok', mode: 'incremental' });

  // ...an order this run writes is inside it, also when it was fine before (order 31 becomes huge)...
  await w.landEvents([event('h3', '31', '2000.00', '2026-04-03T00:00:00Z')]);
  const caught = check(await run('2026-04-03'));
  expect(caught).toMatchObject({ status: 'failed', mode: 'incremental' });
  expect(caught.failingRows).toEqual([{ order_id: '31', total: 2000 }]);
  expect(caught.sql).toMatch(/SEMI JOIN \(SELECT "shop", "order_id" FROM "__new_shop_staging__orders"\)/);

  // ...and after the failure the whole table is checked again: both huge orders are named.
  await w.landEvents([event('h4', '33', '30.00', '2026-04-04T00:00:00Z')]);
  const whole = check(await run('2026-04-04'));
  expect(whole).toMatchObject({ status: 'failed', mode: 'full' });
  expect(whole.failingRows!.map((r) => r['order_id']).sort()).toEqual(['31', '99']);

  // Fixed: passes whole, then scoped; a redaction rewrites tables outside a run, so the run after it checks whole.
  await w.execute(`UPDATE shop_staging.orders SET total = 1 WHERE total >= 1000`);
  await w.landEvents([event('h5', '34', '40.00', '2026-04-05T00:00:00Z')]);
  expect(check(await run('2026-04-05'))).toMatchObject({ status: 'ok', mode: 'full' });
  await w.landEvents([event('h6', '35', '50.00', '2026-04-06T00:00:00Z')]);
  expect(check(await run('2026-04-06'))).toMatchObject({ status: 'ok', mode: 'incremental' });
  await w.redactShop('another-shop.myshopify.com');
  await w.landEvents([event('h7', '36', '60.00', '2026-04-07T00:00:00Z')]);
  expect(check(await run('2026-04-07'))).toMatchObject({ status: 'ok', mode: 'full' });
  rmSync(dir, { recursive: true, force: true });
});

test('a standalone assertion using scope.written_rows checks exactly the rows a run wrote, and the whole table after a failure', async () => {
  const dir = projectWith({
    no_free_orders: `config { type: "assertion" }
SELECT o.order_id, o.total FROM \${scope.written_rows(ref("orders"))} AS o WHERE o.total <= 0`,
  });
  const run = (date: string) => runFeatures({ warehouse: w, projectDir: dir, snapshotDate: date, compileCacheDir: path.join(dir, '.cache') });
  const check = (r: RunReport) => r.actions.find((a) => a.name === 'shop_assertions.no_free_orders')!;
  await w.landEvents([event('f1', '41', '10.00', '2026-05-01T00:00:00Z')]);
  expect(check(await run('2026-05-01'))).toMatchObject({ status: 'ok', mode: 'full' });
  // a free order written behind the runner's back is not among the rows the next run wrote...
  await w.execute(`INSERT INTO shop_staging.orders VALUES ('s.myshopify.com', '98', 0, TIMESTAMPTZ '2026-04-15 00:00:00+00')`);
  await w.landEvents([event('f2', '42', '20.00', '2026-05-02T00:00:00Z')]);
  const scoped = check(await run('2026-05-02'));
  expect(scoped).toMatchObject({ status: 'ok', mode: 'incremental' });
  // ...one the run writes is (order 41 becomes free), and only it is read: no lookup in the table
  await w.landEvents([event('f3', '41', '0.00', '2026-05-03T00:00:00Z')]);
  const caught = check(await run('2026-05-03'));
  expect(caught).toMatchObject({ status: 'failed', mode: 'incremental' });
  expect(caught.failingRows).toEqual([{ order_id: '41', total: 0 }]);
  expect(caught.sql).toMatch(/FROM \(SELECT \* FROM "__new_shop_staging__orders"\) AS o/);
  expect(caught.sql).not.toContain('"shop_staging"."orders"');
  // after the failure the whole table is checked: both free orders are named
  await w.landEvents([event('f4', '43', '30.00', '2026-05-04T00:00:00Z')]);
  const whole = check(await run('2026-05-04'));
  expect(whole).toMatchObject({ status: 'failed', mode: 'full' });
  expect(whole.failingRows!.map((r) => r['order_id']).sort()).toEqual(['41', '98']);
  rmSync(dir, { recursive: true, force: true });
});

test('scope.changed_rows over a table that is not incremental is a planning error naming both', async () => {
  const dir = projectWith({
    big_orders_small: `config { type: "assertion" }
SELECT * FROM \${scope.changed_rows(ref("big_orders"), ["shop", "order_id"])} AS b WHERE b.total < 0`,
  });
  await expect(runFeatures({ warehouse: w, projectDir: dir, snapshotDate: '2026-01-01', compileCacheDir: path.join(dir, '.cache') })).rejects.toThrow(
    /shop_assertions\.big_orders_small: scope\.changed_rows\/written_rows reads shop_features\.big_orders, which is not an incremental table/,
  );
  rmSync(dir, { recursive: true, force: true });
});

test('a SQL error names the failing action and its statement, and stops its dependents', async () => {
  await w.execute('CREATE SCHEMA IF NOT EXISTS shop_raw');
  await w.execute('DROP TABLE shop_raw.events');
  await w.execute('CREATE TABLE shop_raw.events (shop VARCHAR)'); // a schema drift: columns missing
  const r = await runFeatures({ warehouse: w, projectDir: PROJECT, snapshotDate: '2026-01-01' });
  const orders = r.actions.find((a) => a.name === 'shop_staging.orders')!;
  expect(orders.status).toBe('failed');
  expect(orders.error).toMatch(/payload|topic/);
  expect(orders.sql).toMatch(/CREATE OR REPLACE TABLE "shop_staging"."orders"/);
  expect(r.actions.filter((a) => a.status === 'skipped').map((a) => a.name)).toEqual(expect.arrayContaining(['shop_features.big_orders', 'shop_features.after_big', 'shop_features.order_totals']));
});

test('an incremental table whose query now yields other columns is rebuilt in full, not appended to in its old shape', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'runner-project-'));
  cpSync(PROJECT, dir, { recursive: true });
  const orders = (r: RunReport) => r.actions.find((a) => a.name === 'shop_staging.orders')!;
  const run = (day: string) => runFeatures({ warehouse: w, projectDir: dir, snapshotDate: day, compileCacheDir: path.join(dir, '.cache') });
  await w.landEvents([event('e1', '21', '5.00', '2026-03-01T00:00:00Z')]);
  expect(orders(await run('2026-03-01'))).toMatchObject({ status: 'ok', mode: 'full' });
  await w.landEvents([event('e2', '22', '6.00', '2026-03-02T00:00:00Z')]);
  expect(orders(await run('2026-03-02'))).toMatchObject({ status: 'ok', mode: 'incremental' });

  // A new column (as when events_dedup's body STRUCT gains a field): the next run rebuilds the table with it.
  const f = path.join(dir, 'definitions', 'orders.sqlx');
  writeFileSync(f, readFileSync(f, 'utf8').replace('SELECT shop, order_id, total, updated_at FROM (', "SELECT shop, order_id, total, updated_at, 'new' AS added FROM ("));
  await w.landEvents([event('e3', '23', '7.00', '2026-03-03T00:00:00Z')]);
  const report = await run('2026-03-03');
  expect(report.actions.filter((a) => a.status !== 'ok')).toEqual([]);
  expect(orders(report)).toMatchObject({ status: 'ok', mode: 'full', rows: 3 });
  expect(await w.query('SELECT order_id, added FROM shop_staging.orders ORDER BY order_id')).toEqual([21, 22, 23].map((id) => ({ order_id: String(id), added: 'new' })));
  // Same shape again: incremental.
  await w.landEvents([event('e4', '24', '8.00', '2026-03-04T00:00:00Z')]);
  expect(orders(await run('2026-03-04'))).toMatchObject({ status: 'ok', mode: 'incremental' });
  rmSync(dir, { recursive: true, force: true });
});

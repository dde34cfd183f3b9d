// Admin SQL is a local tool, not a door: no file or network access, read-only unless --write, a timeout, landing goes on beside it.
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { forgeWebhook, postWebhook } from '../../functions/src/testing/forge';
import { SECRET, fixture, startTestRuntime, tempDir } from '../helpers/runtime';
import { runCli } from '../helpers/process';

type Rt = Awaited<ReturnType<typeof startTestRuntime>>;
type Answer = { status: number; rows?: Record<string, string>[]; error?: { code: string; message: string } };

async function adminSql(rt: Rt, sql: string, extra: { write?: boolean; timeoutMs?: number } = {}): Promise<Answer> {
  const res = await fetch(`${rt.url}/admin/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rt.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql, ...extra }),
  });
  return { status: res.status, ...((await res.json()) as Omit<Answer, 'status'>) };
}

async function land(rt: Rt, webhookId: string): Promise<void> {
  const d = forgeWebhook({ secret: SECRET, topic: 'orders/create', body: fixture('orders_create.json'), webhookId });
  expect((await postWebhook(`${rt.url}/webhooks`, d)).status).toBe(200);
}

/** Runs for many minutes on one thread unless interrupted (1e12 pairs; the right side is 8 MB). */
const SLOW = 'SELECT count(*) AS n FROM range(1000000) a, range(1000000) b WHERE a.range + b.range = -1';

test('the DuckDB admin SQL runs on cannot reach files, the network or extensions, and nothing can turn that back on', async () => {
  const rt = await startTestRuntime();
  const dir = tempDir();
  const csv = path.join(dir, 'secrets.csv');
  writeFileSync(csv, 'a,b\n1,2\n');
  try {
    const denied = /file system operations are disabled by configuration|external extensions is disabled/;
    for (const sql of [`SELECT * FROM read_csv('${csv}')`, `SELECT * FROM '${csv}'`, `SELECT * FROM read_text('${path.join(dir, 'secrets.csv')}')`]) {
      const r = await adminSql(rt, sql);
      expect([sql, r.status, r.error?.message]).toEqual([sql, 400, expect.stringMatching(denied)]);
    }
    // Even with --write: no COPY to a file, no other database file, no extension.
    for (const [sql, file] of [
      [`COPY (SELECT 1 AS a) TO '${path.join(dir, 'out.csv')}'`, path.join(dir, 'out.csv')],
      [`ATTACH '${path.join(dir, 'other.duckdb')}' AS other`, path.join(dir, 'other.duckdb')],
      [`EXPORT DATABASE '${path.join(dir, 'export')}'`, path.join(dir, 'export')],
      ['INSTALL httpfs', null],
      ['LOAD httpfs', null],
    ] as const) {
      const r = await adminSql(rt, sql, { write: true });
      expect([sql, r.status, r.error?.message]).toEqual([sql, 400, expect.stringMatching(denied)]);
      if (file) expect(existsSync(file)).toBe(false);
    }
    // Nor can it detach the store from the runtime's instance (it is attached, see duckdb-warehouse.ts).
    const detach = await adminSql(rt, 'DETACH warehouse', { write: true });
    expect([detach.status, detach.error?.message]).toEqual([400, expect.stringMatching(/cannot DETACH databases: the store stays attached/)]);
    expect((await adminSql(rt, "SELECT current_database() AS db")).rows).toEqual([{ db: 'warehouse' }]);
    for (const sql of ['SET enable_external_access = true', 'SET autoload_known_extensions = true', 'SET autoinstall_known_extensions = true', 'SET lock_configuration = false', 'RESET enable_external_access']) {
      const r = await adminSql(rt, sql, { write: true });
      expect([sql, r.status, r.error?.message]).toEqual([sql, 400, expect.stringMatching(/the configuration has been locked/)]);
    }
    const settings = await adminSql(rt, "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', 'autoload_known_extensions', 'autoinstall_known_extensions', 'lock_configuration', 'TimeZone') ORDER BY name");
    expect(settings.rows).toEqual([
      { name: 'TimeZone', value: 'UTC' },
      { name: 'autoinstall_known_extensions', value: 'false' },
      { name: 'autoload_known_extensions', value: 'false' },
      { name: 'enable_external_access', value: 'false' },
      { name: 'lock_configuration', value: 'true' },
    ]);
    // The runtime's own work still runs on the locked instance: a delivery lands and its JSON reads back exactly.
    await land(rt, 'locked-1');
    expect(await rt.loader.drain(10_000)).toBe(true);
    expect((await adminSql(rt, "SELECT json_extract_string(payload, '$.id') AS id FROM shop_raw.events")).rows).toEqual([{ id: '820982911946154508' }]);
  } finally {
    await rt.close();
  }
});

test('admin SQL is read-only unless write is asked for, judged by DuckDB itself, also for several statements in one text', async () => {
  const rt = await startTestRuntime();
  const dir = tempDir();
  try {
    await land(rt, 'ro-1');
    expect(await rt.loader.drain(10_000)).toBe(true);
    expect((await adminSql(rt, 'CREATE SEQUENCE main.seq', { write: true })).status).toBe(200);
    const refused: [string, RegExp][] = [
      ['INSERT INTO shop_raw.events SELECT * FROM shop_raw.events', /read-only: INSERT statement refused/],
      ["UPDATE shop_raw.events SET topic = 'x'", /read-only: UPDATE/],
      ['DELETE FROM shop_raw.events', /read-only: DELETE/],
      ['CREATE TABLE main.t AS SELECT 1 AS a', /read-only: CREATE/],
      ['CREATE TEMP TABLE t AS SELECT 1 AS a', /read-only: CREATE/],
      ['DROP TABLE shop_raw.events', /read-only: DROP/],
      ['ALTER TABLE shop_raw.events ADD COLUMN z INTEGER', /read-only: ALTER/],
      [`COPY shop_raw.events TO '${path.join(dir, 'e.csv')}'`, /read-only: COPY|disabled by configuration/],
      ["ATTACH ':memory:' AS m", /read-only: ATTACH/],
      ['SET threads = 4', /read-only: SET/],
      ['PRAGMA enable_profiling', /read-only: PRAGMA/],
      ['CHECKPOINT', /read-only: CALL/],
      ['VACUUM', /read-only: VACUUM/],
      ['BEGIN TRANSACTION', /read-only: TRANSACTION/],
      // a read first does not open the door for what follows it, even after the text commits the read-only transaction
      ['SELECT 1; COMMIT; DELETE FROM shop_raw.events', /read-only: TRANSACTION, DELETE statements refused/],
      ['SELECT 1 AS a; INSERT INTO shop_raw.events SELECT * FROM shop_raw.events', /read-only: INSERT/],
      // a write hidden in a SELECT: DuckDB's read-only transaction refuses it
      ["SELECT nextval('main.seq') AS v", /read-only mode/],
      ['EXPLAIN ANALYZE DELETE FROM shop_raw.events', /read-only mode/],
    ];
    for (const [sql, message] of refused) {
      const r = await adminSql(rt, sql);
      expect([sql, r.status, r.error?.message]).toEqual([sql, 400, expect.stringMatching(message)]);
    }
    expect(existsSync(path.join(dir, 'e.csv'))).toBe(false);
    // Nothing changed: the row, the table's columns, no new table; the sequence never advanced.
    expect((await adminSql(rt, 'SELECT count(*) AS n, min(topic) AS topic FROM shop_raw.events')).rows).toEqual([{ n: '1', topic: 'orders/create' }]);
    expect((await adminSql(rt, "SELECT count(*) AS n FROM information_schema.columns WHERE table_schema = 'shop_raw' AND table_name = 'events' AND column_name = 'z'")).rows).toEqual([{ n: '0' }]);
    expect((await adminSql(rt, "SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('t', 'm')")).rows).toEqual([{ n: '0' }]);
    // Reads of every shape pass: several statements (the last one's rows), SHOW, DESCRIBE, SUMMARIZE, PRAGMA table_info, EXPLAIN.
    expect((await adminSql(rt, 'SELECT 1 AS a; SELECT 2 AS b')).rows).toEqual([{ b: 2 }]);
    for (const sql of ['SHOW TABLES', 'DESCRIBE shop_raw.events', 'SUMMARIZE shop_raw.events', "PRAGMA table_info('shop_raw.events')", 'EXPLAIN SELECT * FROM shop_raw.events', 'FROM shop_raw.events']) {
      expect([sql, (await adminSql(rt, sql)).status]).toEqual([sql, 200]);
    }
    // With write: each statement autocommits; later statements see what earlier ones created.
    const w = await adminSql(rt, "SELECT nextval('main.seq') AS v; CREATE TABLE main.notes AS SELECT 1 AS a; INSERT INTO main.notes VALUES (2); SELECT sum(a) AS s FROM main.notes", { write: true });
    expect(w).toEqual({ status: 200, rows: [{ s: '3' }] });
    expect((await adminSql(rt, "SELECT currval('main.seq') AS v")).rows).toEqual([{ v: '1' }]);
    // A transaction the text leaves open is rolled back, not left for the next request.
    expect((await adminSql(rt, 'BEGIN; INSERT INTO main.notes VALUES (40)', { write: true })).status).toBe(200);
    expect((await adminSql(rt, 'SELECT sum(a) AS s FROM main.notes')).rows).toEqual([{ s: '3' }]);
  } finally {
    await rt.close();
  }
});

test('a statement timeout interrupts DuckDB with a clear error, and landing goes on while a slow admin query runs', async () => {
  const rt = await startTestRuntime({ adminSqlTimeoutMs: 8_000 });
  try {
    const started = Date.now();
    let settledAt = 0;
    const slow = adminSql(rt, SLOW).finally(() => (settledAt = Date.now()));
    await new Promise((r) => setTimeout(r, 500));
    // A signed delivery lands while the read runs: reads do not take the warehouse's lock.
    const sent = Date.now();
    await land(rt, 'beside-slow-read');
    expect(await rt.loader.drain(5_000)).toBe(true);
    const landedAfterMs = Date.now() - sent;
    expect(settledAt).toBe(0); // the slow query was still running when the delivery landed
    const r = await slow;
    expect(r.status).toBe(422);
    expect(r.error?.message).toMatch(/statement timed out after 8 s and was interrupted \(raise the limit with `sql --timeout SECONDS` or SHOP_MLOPS_ADMIN_SQL_TIMEOUT_MS\)/);
    expect(settledAt - started).toBeGreaterThanOrEqual(7_900);
    expect(settledAt - started).toBeLessThan(20_000); // interrupted, not run to its end
    // A write holds the lock (no conflict with landing), for at most its timeout: the next delivery waits no longer.
    const writeStarted = Date.now();
    const slowWrite = adminSql(rt, `CREATE TABLE main.big AS ${SLOW}`, { write: true, timeoutMs: 1_500 });
    await new Promise((r) => setTimeout(r, 300));
    const writeSent = Date.now();
    await land(rt, 'after-slow-write');
    expect(await rt.loader.drain(10_000)).toBe(true);
    const landedAfterWriteMs = Date.now() - writeSent;
    const w = await slowWrite;
    expect([w.status, w.error?.message]).toEqual([422, expect.stringMatching(/timed out after 1.5 s/)]);
    expect(Date.now() - writeStarted).toBeLessThan(10_000);
    expect((await adminSql(rt, "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'big'")).rows).toEqual([{ n: '0' }]);
    expect((await adminSql(rt, 'SELECT count(*) AS n FROM shop_raw.events')).rows).toEqual([{ n: '2' }]);
    process.stdout.write(`admin-sql: a delivery landed ${landedAfterMs} ms after it was sent beside a slow read, ${landedAfterWriteMs} ms behind a slow write timed out at 1.5 s\n`);
  } finally {
    await rt.close();
  }
}, 60_000);

test('`shop-mlops sql` through the runtime and directly on the file: read-only unless --write, --timeout, no file access', async () => {
  const rt = await startTestRuntime();
  const dataDir = rt.dataDir;
  const csv = path.join(tempDir(), 'x.csv');
  writeFileSync(csv, 'a\n1\n');
  const cli = (...args: string[]) => runCli(['sql', '--json', '--data-dir', dataDir, ...args]);
  try {
    const refused = await cli('DELETE FROM shop_raw.events');
    expect([refused.code, refused.stdout]).toEqual([1, expect.stringMatching(/read-only: DELETE statement refused \(run `shop-mlops sql --write/)]);
    const made = await cli('--write', 'CREATE TABLE main.cli_notes AS SELECT 42 AS a');
    expect(made.code).toBe(0);
    const slow = await cli('--timeout', '0.5', SLOW);
    expect([slow.code, slow.stdout]).toEqual([1, expect.stringMatching(/timed out after 0.5 s/)]);
  } finally {
    await rt.close();
  }
  // No runtime: the CLI opens the file itself, under the same rules.
  expect(JSON.parse((await cli('SELECT a FROM main.cli_notes')).stdout)).toEqual([{ a: 42 }]);
  const file = await cli(`SELECT * FROM read_csv('${csv}')`);
  expect([file.code, file.stdout]).toEqual([1, expect.stringMatching(/file system operations are disabled by configuration/)]);
  const refused = await cli('DELETE FROM main.cli_notes');
  expect([refused.code, refused.stdout]).toEqual([1, expect.stringMatching(/read-only: DELETE/)]);
  expect((await cli('--write', 'INSERT INTO main.cli_notes VALUES (43)')).code).toBe(0);
  expect(JSON.parse((await cli('SELECT sum(a) AS s FROM main.cli_notes')).stdout)).toEqual([{ s: '85' }]);
  const slow = await cli('--timeout=0.5', SLOW);
  expect([slow.code, slow.stdout]).toEqual([1, expect.stringMatching(/timed out after 0.5 s/)]);
}, 60_000);

// Embedded Warehouse adapter on DuckDB: idempotent bulk landing (Appender + anti-join), quarantine, privacy actions, SQL.
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { LandedEvent, QuarantineRecord } from '../../core/classify';
import { ShopMlopsError } from '../../core/errors';
import { parseExact } from '../../core/json';
import { CUSTOMER_RECORD_TOPICS, PRIVACY_REQUEST_TOPICS, derivedTables, scrubPayload } from '../../core/privacy';
import { RAW_TABLES, duckdbCreateTable } from '../../core/raw-schema';
import { PRIVACY_TOPICS } from '../../core/topics';
import { runAdminSql, type AdminSqlOptions } from './admin-sql';
import { syncDir } from './jsonl-journal';
import { sqlLiteral } from './sql-literal';
import type { CustomerRedaction, LandResult, PrivacyAuditRow, RedactionResult, Row, StoredQuarantine, Warehouse } from '../../ports/warehouse';
import { ASSERTION_PASSES } from '../../features/feature-warehouse';

export interface WarehouseFaults {
  /** While true, landing calls fail with a retryable UNAVAILABLE error (a simulated warehouse outage). */
  failLoads: boolean;
  /** Events this returns true for make any batch holding them fail with an unexplained error (a poison record). */
  poison?: (event: LandedEvent) => boolean;
}

export interface DuckDbWarehouseOptions {
  /** Database file, or ':memory:'. */
  path: string;
  readOnly?: boolean;
  faults?: WarehouseFaults;
  /** DuckDB worker threads; the runtime keeps this low so loading never starves acknowledgements. */
  threads?: number;
  /** DuckDB's memory limit (e.g. '4GB'; default 80 % of RAM); it spills to disk beyond it. Fixed at open (the configuration is locked). */
  memoryLimit?: string;
  /**
   * Directories DuckDB may read files in despite the lockdown: the prediction log's journal, which its drain loads
   * with read_ndjson (DuckDB's own reader, ~4x cheaper per line than parsing the lines bound as a parameter). Admin
   * SQL could read them too (what they hold is what prediction_log holds); writing them needs `--write`.
   */
  readableDirs?: readonly string[];
}

export type Exec = (sql: string, params?: unknown[]) => Promise<Row[]>;

export interface DuckDbWarehouse extends Warehouse {
  /** Runs any statement (DDL/DML too) under the warehouse's lock; used by the feature runner. */
  execute: Exec;
  /** Runs `fn`'s statements in one transaction, holding the lock throughout (no landing interleaves). */
  transaction<T>(fn: (exec: Exec) => Promise<T>): Promise<T>;
  /**
   * Admin SQL (`shop-mlops sql`), one request at a time on a connection of its own: reads never take the
   * warehouse's lock, so landing goes on beside them; `write` takes the lock (no conflict with landing or a
   * feature build), held at most `timeoutMs`. See admin-sql.ts.
   */
  adminSql(sql: string, o: AdminSqlOptions): Promise<Row[]>;
}

/**
 * Database-wide settings applied once the warehouse is set up, for every connection (the runtime's own and admin
 * SQL's): no file or network access beyond the database's own files (no read_csv, COPY TO, ATTACH of another
 * file, httpfs), no extension installed or loaded on demand (json, icu and parquet are built in), and the
 * configuration locked so no statement can SET them back. Landing, feature builds, redaction, export and
 * CHECKPOINT need none of it (their tests run with it on).
 */
export const LOCKDOWN = [
  'SET enable_external_access = false',
  'SET autoinstall_known_extensions = false',
  'SET autoload_known_extensions = false',
  'SET lock_configuration = true',
] as const;

const EVENT_COLS = RAW_TABLES.events.map((c) => c.name);

/** Applies LOCKDOWN, after allowing reads in `readableDirs` (set first: the configuration is locked last). */
async function lockDown(conn: DuckDBConnection, readableDirs: readonly string[] = []): Promise<void> {
  if (readableDirs.length) {
    const dirs = readableDirs.map((d) => sqlLiteral(d.endsWith('/') ? d : d + '/')).join(', ');
    await conn.run(`SET allowed_directories = [${dirs}]`);
  }
  for (const s of LOCKDOWN) await conn.run(s);
}

/** Serialises access to the single connection (DuckDB transactions are per connection). */
function createLock() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

async function rows(conn: DuckDBConnection, sql: string, params: unknown[] = []): Promise<Row[]> {
  const reader = await conn.runAndReadAll(sql, params as never);
  return reader.getRowObjectsJson() as Row[];
}

/** The feature runner's record of passed checks (features/feature-warehouse.ts); a redaction clears it. */
export { ASSERTION_PASSES };

/**
 * DuckDB's error classes that a row's own content causes (a bad value, a constraint): retrying the same rows fails the
 * same way, so the loader isolates the row at once instead of backing off. Anything else stays an outage (retryable).
 */
const DETERMINISTIC_ERRORS = /^(Conversion|Invalid Input|Constraint|Out of Range|Mismatch Type) Error\b/;

function landingError(err: unknown): unknown {
  // Not `instanceof Error`: the native addon's errors may come from another realm (e.g. under a test VM).
  const message = (err as { message?: unknown } | null)?.message;
  if (err instanceof ShopMlopsError || typeof message !== 'string' || !DETERMINISTIC_ERRORS.test(message)) return err;
  return new ShopMlopsError('UNPROCESSABLE', message, { cause: err });
}

/** Storage format of new and compacted stores (see openDuckDbWarehouse). */
const STORAGE_VERSION = 'v1.2.0';

/**
 * Rows per row group of a writable store (DuckDB's default is 122,880; 2,048 is its smallest). A transaction that
 * appends more than a row group writes the full ones straight into the file, compressed ("optimistic writes"),
 * where a smaller one writes every row to the WAL first and again at the checkpoint, which also rewrote the table's
 * last, partly filled row group each time. Landing's batches hold more than 2,048 deliveries under load (loader.ts),
 * so its commits take the first path: measured 68 -> 39 us of DuckDB CPU per landed 10 KB order (standalone, 160k
 * rows, batches of 2,400-8,000). DuckDB does not keep the setting in the file: every writer attaches with it.
 */
export const ROW_GROUP_SIZE = 2048;

/** The catalog a writable store is attached as (the one every connection of the warehouse USEs). */
const CATALOG = 'warehouse';

/** ATTACH options of a store written by this process: its storage format and row group size. */
const ATTACH_OPTIONS = `STORAGE_VERSION '${STORAGE_VERSION}', ROW_GROUP_SIZE ${ROW_GROUP_SIZE}`;

export async function openDuckDbWarehouse(opts: DuckDbWarehouseOptions): Promise<DuckDbWarehouse> {
  // A file store written here is attached to an in-memory instance (ROW_GROUP_SIZE is an ATTACH option only, with
  // no instance setting); every connection then USEs it. In memory, or read-only, the store is the instance itself.
  const attached = opts.path !== ':memory:' && !opts.readOnly;
  const open = () =>
    DuckDBInstance.create(attached ? ':memory:' : opts.path, {
      // A new store is written in the v1.2 storage format, which compresses long strings (the JSON payloads) with
      // ZSTD: measured on a 200k-order store, 16x smaller files and 1.5-2x faster feature builds (the default format
      // keeps payloads as uncompressed overflow strings, and reading them cold dominated the build). A store created
      // in the older format keeps it.
      ...(attached ? {} : { storage_compatibility_version: STORAGE_VERSION }),
      // Landing commits a batch of 10 KB payloads every second or so; with the default 16 MB threshold nearly every
      // commit also checkpointed, rewriting the table's last, partly filled row group each time (measured: commit CPU
      // 46 -> 31 us per landed row at 300k rows). The WAL this leaves is replayed at the next open.
      ...(opts.readOnly ? { access_mode: 'READ_ONLY' } : { checkpoint_threshold: '256MB' }),
      ...(opts.threads ? { threads: String(opts.threads) } : {}),
      ...(opts.memoryLimit ? { memory_limit: opts.memoryLimit } : {}),
    });
  /** A connection of the instance, on the store. */
  const connect = async (i: DuckDBInstance): Promise<DuckDBConnection> => {
    const c = await i.connect();
    if (attached) await c.run(`USE ${CATALOG}`);
    return c;
  };
  /** Opens the instance and its main connection (the store attached first when it is a writable file). */
  const openStore = async (): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> => {
    const i = await open();
    if (attached) {
      const c = await i.connect();
      try {
        await c.run(`ATTACH ${sqlLiteral(path.resolve(opts.path))} AS ${CATALOG} (${ATTACH_OPTIONS})`);
      } finally {
        c.closeSync();
      }
    }
    return { instance: i, conn: await connect(i) };
  };
  // Replaced (under the lock) when a redaction compacts the file: every use reads these at call time.
  let { instance, conn } = await openStore();
  const lock = createLock();
  const faults = opts.faults;
  // GLOBAL: every connection (admin SQL opens its own) reads timestamps in UTC; nothing can SET it once locked.
  await conn.run("SET GLOBAL TimeZone = 'UTC'");
  if (!opts.readOnly) {
    await conn.run('CREATE SCHEMA IF NOT EXISTS shop_raw');
    for (const t of Object.keys(RAW_TABLES) as (keyof typeof RAW_TABLES)[]) await conn.run(duckdbCreateTable('shop_raw', t));
  }
  await lockDown(conn, opts.readableDirs);

  const checkFault = () => {
    if (faults?.failLoads) throw new ShopMlopsError('UNAVAILABLE', 'warehouse unavailable (fault injection)');
  };

  const inTransaction = async <T>(fn: () => Promise<T>): Promise<T> => {
    await conn.run('BEGIN TRANSACTION');
    try {
      const out = await fn();
      await conn.run('COMMIT');
      return out;
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  };

  /**
   * Rows to stage: the first delivery of each webhook id and of each (shop, topic, event id) in the batch. Done here
   * in one pass over the keys, so DuckDB never sorts or windows the payloads (that cost more than the insert itself).
   */
  const firstOfEachKey = (events: LandedEvent[]): number[] => {
    const webhooks = new Set<string>();
    const actions = new Set<string>();
    const out: number[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const action = e.event_id === null ? null : `${e.shop}\u0000${e.topic}\u0000${e.event_id}`;
      const seen = webhooks.has(e.webhook_id) || (action !== null && actions.has(action));
      webhooks.add(e.webhook_id);
      if (action !== null) actions.add(action);
      if (!seen) out.push(i);
    }
    return out;
  };

  const landEvents = (events: LandedEvent[], bodies?: readonly (Uint8Array | null)[]): Promise<LandResult> =>
    lock(async () => {
      checkFault();
      if (events.length === 0) return { inserted: 0, duplicates: 0 };
      const staged = firstOfEachKey(events);
      try {
        if (faults?.poison && events.some(faults.poison)) throw new Error('Conversion Error: malformed value (fault injection)');
        return await inTransaction(async () => {
          // A staging table for the batch, dropped with it (it never outlives the transaction, so no query sees it).
          await conn.run(`CREATE OR REPLACE TEMP TABLE load_events (${EVENT_COLS.map((c) => `${c} ${c === 'payload' ? 'BLOB' : 'VARCHAR'}`).join(', ')})`);
          const app = await conn.createAppender('load_events', 'main', 'temp');
          let n = 0;
          for (const i of staged) {
            // Appending is synchronous work on the caller's thread: let the event loop (acknowledgements) in every 256 rows.
            if (++n % 256 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
            const e = events[i]!;
            app.appendVarchar(e.shop);
            app.appendVarchar(e.topic);
            app.appendVarchar(e.webhook_id);
            if (e.event_id === null) app.appendNull();
            else app.appendVarchar(e.event_id);
            app.appendVarchar(e.api_version);
            if (e.triggered_at === null) app.appendNull();
            else app.appendVarchar(e.triggered_at);
            app.appendVarchar(e.received_at);
            // The payload as UTF-8 bytes: the received body when the caller has it (a copy, no text encoding).
            app.appendBlob(bodies?.[i] ?? Buffer.from(e.payload, 'utf8'));
            app.endRow();
          }
          app.flushSync();
          app.closeSync();
          // Staged rows are in batch order (insertion order is preserved), so no ORDER BY over the payloads.
          const res = await conn.run(`
            INSERT INTO shop_raw.events (${EVENT_COLS.join(', ')})
            SELECT shop, topic, webhook_id, event_id, api_version, triggered_at::TIMESTAMPTZ, received_at::TIMESTAMPTZ, decode(payload)::JSON
            FROM temp.main.load_events s
            WHERE NOT EXISTS (SELECT 1 FROM shop_raw.events e WHERE e.webhook_id = s.webhook_id)
              AND (s.event_id IS NULL OR NOT EXISTS (SELECT 1 FROM shop_raw.events e WHERE e.shop = s.shop AND e.topic = s.topic AND e.event_id = s.event_id))`);
          const inserted = Number(res.rowsChanged);
          await conn.run('DROP TABLE temp.main.load_events');
          return { inserted, duplicates: events.length - inserted };
        }).then(async (r) => {
          if (compactionOwed) await compactNow();
          return r;
        });
      } catch (err) {
        throw landingError(err);
      }
    });

  const quarantine = (records: QuarantineRecord[]): Promise<void> =>
    lock(async () => {
      checkFault();
      if (records.length === 0) return;
      await inTransaction(async () => {
        for (const r of records) {
          // Idempotent: a delivery already waiting in quarantine is not added twice.
          await conn.run(
            `INSERT INTO shop_raw.quarantine
             SELECT $1, now(), NULL, $2, $3, $4, $5, $6, $7::TIMESTAMPTZ, $8::TIMESTAMPTZ, $9, $10, $11
             WHERE NOT EXISTS (SELECT 1 FROM shop_raw.quarantine q WHERE q.webhook_id = $4 AND q.replayed_at IS NULL)`,
            [randomUUID(), r.shop, r.topic, r.webhook_id, r.event_id, r.api_version, r.triggered_at, r.received_at, r.reason, r.body, r.body_encoding] as never,
          );
        }
      });
    });

  const listQuarantine = (o: { includeReplayed?: boolean; ids?: string[] } = {}): Promise<StoredQuarantine[]> =>
    lock(async () => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (!o.includeReplayed) where.push('replayed_at IS NULL');
      if (o.ids && o.ids.length) {
        params.push(JSON.stringify(o.ids));
        where.push(`list_contains(from_json($${params.length}, '["VARCHAR"]'), quarantine_id)`);
      }
      const r = await rows(
        conn,
        `SELECT quarantine_id, strftime(quarantined_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS quarantined_at, strftime(replayed_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS replayed_at,
                shop, topic, webhook_id, event_id, api_version, strftime(triggered_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS triggered_at,
                strftime(received_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS received_at, reason, body, body_encoding
         FROM shop_raw.quarantine ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY quarantined_at, quarantine_id`,
        params,
      );
      return r as unknown as StoredQuarantine[];
    });

  const countQuarantine = async (): Promise<number> => Number((await query('SELECT count(*) AS n FROM shop_raw.quarantine WHERE replayed_at IS NULL'))[0]?.['n'] ?? 0);

  const markReplayed = (ids: string[], at: string): Promise<void> =>
    lock(async () => {
      if (ids.length) await conn.run(`UPDATE shop_raw.quarantine SET replayed_at = $1::TIMESTAMPTZ WHERE list_contains(from_json($2, '["VARCHAR"]'), quarantine_id)`, [at, JSON.stringify(ids)] as never);
    });

  /**
   * The customer's events in a payload table: their orders (by customer id or order id), the refunds of those
   * orders, and their privacy requests. $1 shop, $2 customer id, $3 JSON list of all their order ids.
   */
  const customerEventsWhere = `shop = $1 AND (
      (topic LIKE 'orders/%' AND (json_extract_string(payload, '$.customer.id') = $2 OR list_contains(from_json($3, '["VARCHAR"]'), json_extract_string(payload, '$.id'))))
      OR (topic = 'refunds/create' AND list_contains(from_json($3, '["VARCHAR"]'), json_extract_string(payload, '$.order_id')))
      OR (topic IN (${PRIVACY_REQUEST_TOPICS.map((t) => `'${t}'`).join(', ')}) AND json_extract_string(payload, '$.customer.id') = $2))`;
  const recordTopics = CUSTOMER_RECORD_TOPICS.map((t) => `'${t}'`).join(', ');
  /** A quarantined body mentions the customer or one of their orders: the digits, not inside a longer number. */
  const quarantineWhere = `shop = $1 AND body_encoding = 'utf8' AND list_bool_or(list_transform(list_concat([$2], from_json($3, '["VARCHAR"]')),
      n -> regexp_matches(body, '(^|[^0-9])' || n || '([^0-9]|$)')))`;

  /**
   * After a redaction commits, the values it deleted or scrubbed are still in the WAL (landing leaves up to 256 MB
   * there), in row groups that keep deleted rows behind a deletion mask, and in freed blocks DuckDB does not zero.
   * So the file is compacted: CHECKPOINT, then a fresh file is written by `COPY FROM DATABASE` (live rows only) in a
   * side instance and renamed over it, and the warehouse reopens it (same settings, locked down again). The lock is
   * held throughout (landing waits; acknowledgements go on into the log). A redaction makes it owed; the loader pays it
   * once per batch of redactions (compactAfterRedaction), else the next landing commit does; if it cannot run then (an
   * admin read holds a connection), it stays owed. A store in memory has no file to compact.
   */
  let compactionOwed = false;
  let compacting: Promise<void> | null = null;
  const compactNow = async (): Promise<void> => {
    if (opts.path === ':memory:' || opts.readOnly) return;
    if (adminConn) {
      compactionOwed = true;
      return;
    }
    let finish!: () => void;
    compacting = new Promise<void>((r) => (finish = r));
    const target = path.resolve(opts.path);
    const fresh = `${target}.compact-${randomUUID()}`;
    try {
      await conn.run('CHECKPOINT');
      conn.closeSync();
      instance.closeSync();
      try {
        // A side instance without the lockdown: it reads the closed store and writes the fresh file, nothing else.
        const side = await DuckDBInstance.create(':memory:');
        const c = await side.connect();
        try {
          await c.run(`ATTACH ${sqlLiteral(target)} AS old_store (READ_ONLY)`);
          await c.run(`ATTACH ${sqlLiteral(fresh)} AS fresh_store (${ATTACH_OPTIONS})`);
          await c.run('COPY FROM DATABASE old_store TO fresh_store');
          await c.run('DETACH fresh_store');
          await c.run('DETACH old_store');
        } finally {
          c.closeSync();
          side.closeSync();
        }
        const fh = await fsp.open(fresh, 'r+');
        try {
          await fh.datasync();
        } finally {
          await fh.close();
        }
        await fsp.rename(fresh, target);
        await syncDir(path.dirname(target));
        compactionOwed = false;
      } finally {
        await fsp.rm(fresh, { force: true });
        await fsp.rm(`${fresh}.wal`, { force: true });
        ({ instance, conn } = await openStore());
        await lockDown(conn, opts.readableDirs);
      }
    } catch {
      compactionOwed = true;
    } finally {
      compacting = null;
      finish();
    }
  };
  /** A redaction committed: the file owes a compaction (paid by compactAfterRedaction, or the next landing commit). */
  const checkpointAfterRedaction = async <T>(result: T): Promise<T> => {
    if (opts.path !== ':memory:' && !opts.readOnly) compactionOwed = true;
    return result;
  };

  const tableExists = async (qualified: string) => {
    const [schema, table] = qualified.split('.') as [string, string];
    const r = await rows(conn, 'SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, table]);
    return Number(r[0]?.['n'] ?? 0) > 0;
  };

  /** Deletes the customer's own records from a payload table and scrubs their other events' payloads. */
  const scrubPayloadTable = async (table: string, p: unknown[]) => {
    const del = await conn.run(`DELETE FROM ${table} WHERE shop = $1 AND topic IN (${recordTopics}) AND json_extract_string(payload, '$.id') = $2`, [p[0], p[1]] as never);
    const targets = await rows(conn, `SELECT webhook_id, topic, payload FROM ${table} WHERE ${customerEventsWhere} AND coalesce(json_extract(payload, '$.redacted')::BOOLEAN, false) = false`, p);
    for (const t of targets) {
      await conn.run(`UPDATE ${table} SET payload = $1::JSON WHERE webhook_id = $2`, [scrubPayload(String(t['topic']), String(t['payload'])), String(t['webhook_id'])] as never);
    }
    return { deleted: Number(del.rowsChanged), scrubbed: targets.length };
  };

  const redactCustomer = (req: CustomerRedaction): Promise<RedactionResult> =>
    lock(() =>
      inTransaction(async () => {
        // Every order of the customer, found before any payload loses its customer object.
        const found = await rows(
          conn,
          "SELECT DISTINCT json_extract_string(payload, '$.id') AS id FROM shop_raw.events WHERE shop = $1 AND topic LIKE 'orders/%' AND json_extract_string(payload, '$.customer.id') = $2",
          [req.shop, req.customerId],
        );
        const orderIds = [...new Set([...req.orderIds, ...found.map((r) => String(r['id']))])];
        const p = [req.shop, req.customerId, JSON.stringify(orderIds)];
        const tables: RedactionResult['tables'] = { 'shop_raw.events': await scrubPayloadTable('shop_raw.events', p) };
        const q = await conn.run(`DELETE FROM shop_raw.quarantine WHERE ${quarantineWhere}`, p as never);
        tables['shop_raw.quarantine'] = { deleted: Number(q.rowsChanged), scrubbed: 0 };
        // Tables the feature pipeline derives (when it has run): the same rules, from core/privacy.ts.
        for (const t of derivedTables('scrub')) if (await tableExists(t)) tables[t] = await scrubPayloadTable(t, p);
        for (const t of derivedTables('delete')) {
          if (!(await tableExists(t))) continue;
          const r = await conn.run(`DELETE FROM ${t} WHERE shop = $1 AND customer_id = $2`, [req.shop, req.customerId] as never);
          tables[t] = { deleted: Number(r.rowsChanged), scrubbed: 0 };
        }
        for (const t of derivedTables('unlink')) {
          if (!(await tableExists(t))) continue;
          const d = await conn.run(`DELETE FROM ${t} WHERE shop = $1 AND topic IN (${recordTopics}) AND customer_id = $2`, [req.shop, req.customerId] as never);
          const u = await conn.run(`UPDATE ${t} SET customer_id = NULL WHERE shop = $1 AND customer_id = $2`, [req.shop, req.customerId] as never);
          tables[t] = { deleted: Number(d.rowsChanged), scrubbed: Number(u.rowsChanged) };
        }
        for (const t of derivedTables('anonymize')) {
          if (!(await tableExists(t))) continue;
          const r = await conn.run(`UPDATE ${t} SET customer_id = NULL WHERE shop = $1 AND customer_id = $2`, [req.shop, req.customerId] as never);
          tables[t] = { deleted: 0, scrubbed: Number(r.rowsChanged) };
        }
        if (await tableExists(ASSERTION_PASSES)) await conn.run(`DELETE FROM ${ASSERTION_PASSES}`);
        return { tables, orderIds: [...orderIds].sort() };
      }).then(checkpointAfterRedaction),
    );

  const redactShop = (shop: string): Promise<RedactionResult> =>
    lock(() =>
      inTransaction(async () => {
        const tables: RedactionResult['tables'] = {};
        // Every table holding the shop's rows: the raw landing tables and whatever the feature pipeline derived.
        const withShop = await rows(
          conn,
          // base tables only: a view over them (an analyst's) holds no rows of its own
          `SELECT c.table_schema || '.' || c.table_name AS t FROM information_schema.columns AS c
           JOIN information_schema.tables AS t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
           WHERE c.column_name = 'shop' AND c.table_schema IN ('shop_raw', 'shop_staging', 'shop_features', 'shop_predictions', 'shop_monitoring') AND c.table_name <> 'privacy_audit' ORDER BY 1`,
        );
        for (const { t } of withShop) {
          // The shop/redact request itself stays (shop id and domain only) until its audit row exists: the record that it is pending.
          const keep = t === 'shop_raw.events' ? ` AND topic <> 'shop/redact'` : '';
          const r = await conn.run(`DELETE FROM ${String(t)} WHERE shop = $1${keep}`, [shop]);
          tables[String(t)] = { deleted: Number(r.rowsChanged), scrubbed: 0 };
        }
        if (await tableExists(ASSERTION_PASSES)) await conn.run(`DELETE FROM ${ASSERTION_PASSES}`);
        return { tables };
      }).then(checkpointAfterRedaction),
    );

  const exportCustomer = (req: CustomerRedaction): Promise<Record<string, Row[]>> =>
    lock(async () => {
      const found = await rows(
        conn,
        "SELECT DISTINCT json_extract_string(payload, '$.id') AS id FROM shop_raw.events WHERE shop = $1 AND topic LIKE 'orders/%' AND json_extract_string(payload, '$.customer.id') = $2",
        [req.shop, req.customerId],
      );
      const p = [req.shop, req.customerId, JSON.stringify([...new Set([...req.orderIds, ...found.map((r) => String(r['id']))])])];
      const ev = await rows(
        conn,
        `SELECT topic, webhook_id, event_id, strftime(received_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS received_at, payload FROM shop_raw.events
         WHERE (${customerEventsWhere}) OR (shop = $1 AND topic IN (${recordTopics}) AND json_extract_string(payload, '$.id') = $2) ORDER BY received_at`,
        p,
      );
      const q = await rows(conn, `SELECT quarantine_id, topic, reason, body FROM shop_raw.quarantine WHERE ${quarantineWhere}`, p);
      return {
        'shop_raw.events': ev.map((r) => ({ ...r, payload: parseExact(String(r['payload'])) })),
        'shop_raw.quarantine': q,
      };
    });

  const recordPrivacyAction = (row: PrivacyAuditRow): Promise<void> =>
    lock(async () => {
      await conn.run(
        `INSERT INTO shop_raw.privacy_audit SELECT $1, $2, $3, $4, $5, $6::TIMESTAMPTZ, $7::TIMESTAMPTZ, $8::JSON
         WHERE NOT EXISTS (SELECT 1 FROM shop_raw.privacy_audit WHERE webhook_id = $5)`,
        [row.audit_id, row.shop, row.action, row.customer_id, row.webhook_id, row.requested_at, row.completed_at, row.details] as never,
      );
    });

  const pendingPrivacyRequests = (receivedBefore: string): Promise<LandedEvent[]> =>
    lock(async () => {
      const ts = (c: string) => `strftime(${c}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
      const r = await rows(
        conn,
        `SELECT shop, topic, webhook_id, event_id, api_version, ${ts('triggered_at')} AS triggered_at, ${ts('received_at')} AS received_at, payload::VARCHAR AS payload
         FROM shop_raw.events e
         WHERE topic IN (${PRIVACY_TOPICS.map((t) => `'${t}'`).join(', ')}) AND received_at < $1::TIMESTAMPTZ
           AND NOT EXISTS (SELECT 1 FROM shop_raw.privacy_audit a WHERE a.webhook_id = e.webhook_id)
         ORDER BY received_at, webhook_id`,
        [receivedBefore],
      );
      return r as unknown as LandedEvent[];
    });

  const query = (sql: string): Promise<Row[]> => lock(() => rows(conn, sql));

  // One admin request at a time (each holds a libuv thread while DuckDB works, and the log's file I/O needs the others).
  const adminLock = createLock();
  let adminConn: DuckDBConnection | null = null;
  const adminSql = (sql: string, o: AdminSqlOptions): Promise<Row[]> =>
    adminLock(async () => {
      const work = async () => {
        while (compacting) await compacting;
        adminConn = await connect(instance);
        try {
          return await runAdminSql(adminConn, sql, o);
        } finally {
          adminConn.closeSync();
          adminConn = null;
        }
      };
      return o.write ? lock(work) : work();
    });
  const execute = (sql: string, params: unknown[] = []): Promise<Row[]> => lock(() => rows(conn, sql, params));

  return {
    dialect: 'duckdb',
    landEvents,
    quarantine,
    listQuarantine,
    countQuarantine,
    markReplayed,
    redactCustomer,
    redactShop,
    exportCustomer,
    recordPrivacyAction,
    pendingPrivacyRequests,
    compactAfterRedaction: () =>
      lock(async () => {
        if (compactionOwed) await compactNow();
      }),
    query,
    execute,
    transaction: (fn) => lock(() => inTransaction(() => fn((sql, params = []) => rows(conn, sql, params)))),
    adminSql,
    async close() {
      adminConn?.interrupt(); // a running admin query ends now, not at its timeout
      await adminLock(async () => undefined);
      await lock(async () => {
        if (compactionOwed) await compactNow(); // a redaction's deleted values never outlive the process in the file
        if (!opts.readOnly) await conn.run('CHECKPOINT').catch(() => undefined);
        conn.closeSync();
        instance.closeSync();
      });
    },
  };
}

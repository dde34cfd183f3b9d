// Admin SQL on one DuckDB connection: DuckDB's own parser decides what writes, a read-only transaction enforces it, a timer interrupts.
import { StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { ShopMlopsError } from '../../core/errors';
import type { Row } from '../../ports/warehouse';

export interface AdminSqlOptions {
  /** Off (the default): only SELECT-like statements, inside a READ ONLY transaction that is rolled back. */
  write: boolean;
  /** The statement(s) are interrupted after this long. */
  timeoutMs: number;
}

/** Statement types a read may have (SHOW, DESCRIBE, SUMMARIZE, FROM, VALUES and table-valued PRAGMAs parse as SELECT). */
const READ_TYPES: ReadonlySet<StatementType> = new Set([StatementType.SELECT, StatementType.EXPLAIN]);

/** Refused even with `write` (ATTACH already is, by the lockdown): the runtime's store is attached to its instance (duckdb-warehouse.ts) and stays so. */
const NEVER_TYPES: ReadonlySet<StatementType> = new Set([StatementType.DETACH]);

const typeName = (t: StatementType): string => StatementType[t] ?? String(t);

/**
 * Runs `sql` (one or more statements; the last one's rows are returned) on `conn`, a connection used for nothing else.
 * Read-only has two layers: every statement, as DuckDB's parser and binder type it, must be a read before any runs
 * (an INSERT, COPY, ATTACH, SET, PRAGMA, CHECKPOINT, EXPORT or COMMIT is refused by name), and the statements run in a
 * `BEGIN TRANSACTION READ ONLY` that is rolled back, so DuckDB itself refuses any write a read could hide (`nextval`,
 * `EXPLAIN ANALYZE INSERT`). With `write`, each statement autocommits unless the text opens its own transaction;
 * one left open is rolled back. The timeout interrupts the connection (DuckDB stops between chunks).
 */
export async function runAdminSql(conn: DuckDBConnection, sql: string, o: AdminSqlOptions): Promise<Row[]> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.interrupt();
  }, o.timeoutMs);
  const timeoutError = () =>
    new ShopMlopsError('UNPROCESSABLE', `statement timed out after ${o.timeoutMs / 1000} s and was interrupted (raise the limit with \`sql --timeout SECONDS\` or SHOP_MLOPS_ADMIN_SQL_TIMEOUT_MS)`, {
      details: { timeoutMs: o.timeoutMs },
    });
  const prepared: DuckDBPreparedStatement[] = [];
  try {
    if (!o.write) await conn.run('BEGIN TRANSACTION READ ONLY');
    const extracted = await conn.extractStatements(sql);
    if (extracted.count === 0) throw new ShopMlopsError('BAD_REQUEST', 'no SQL statement given');
    let rows: Row[] = [];
    if (!o.write) {
      // Every statement typed before any runs: a write anywhere in the text refuses the whole text.
      for (let i = 0; i < extracted.count; i++) prepared.push(await extracted.prepare(i));
      const writes = prepared.map((p) => p.statementType).filter((t) => !READ_TYPES.has(t));
      if (writes.length) {
        throw new ShopMlopsError('BAD_REQUEST', `admin SQL is read-only: ${[...new Set(writes.map(typeName))].join(', ')} statement${writes.length === 1 ? '' : 's'} refused (run \`shop-mlops sql --write "..."\` to change the store)`, {
          details: { refused: writes.map(typeName) },
        });
      }
      for (const p of prepared) {
        if (timedOut) throw timeoutError();
        rows = (await p.runAndReadAll()).getRowObjectsJson() as Row[];
      }
    } else {
      // Later statements may name what earlier ones create: prepare each only once those before it ran.
      for (let i = 0; i < extracted.count; i++) {
        if (timedOut) throw timeoutError();
        const p = await extracted.prepare(i);
        prepared.push(p);
        if (NEVER_TYPES.has(p.statementType)) throw new ShopMlopsError('BAD_REQUEST', `admin SQL cannot ${typeName(p.statementType)} databases: the store stays attached`, { details: { refused: [typeName(p.statementType)] } });
        rows = (await p.runAndReadAll()).getRowObjectsJson() as Row[];
      }
    }
    return rows;
  } catch (err) {
    if (timedOut) throw timeoutError();
    if (err instanceof ShopMlopsError) throw err;
    throw new ShopMlopsError('BAD_REQUEST', err instanceof Error ? err.message : String(err), { cause: err });
  } finally {
    clearTimeout(timer);
    for (const p of prepared) p.destroySync();
    // The read-only transaction, or one the text left open, ends here; "no transaction is active" is the usual answer.
    await conn.run('ROLLBACK').catch(() => undefined);
  }
}

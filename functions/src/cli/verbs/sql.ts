// `shop-mlops sql [--write] [--timeout SECONDS] [--json] "SELECT ..."`: queries the embedded warehouse, through the runtime when it runs.
import { existsSync } from 'node:fs';
import type { CliContext } from '../context';
import { formatTable } from '../table';
import { numberFlag, usageError } from '../flags';
import { adminCall, findRunningRuntime, withDirectWarehouse } from '../store-client';
import { paths } from '../../runtime/local-runtime';
import type { Row } from '../../ports/warehouse';

const USAGE = 'usage: shop-mlops sql [--write] [--timeout SECONDS] [--json] "SELECT ..."';

/** The verb's own flags (`--` ends them); every other word is SQL. */
function parse(argv: string[]): { sql: string; write: boolean; timeoutSeconds: number | undefined } {
  let write = false;
  let timeoutSeconds: number | undefined;
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (a === '--write') write = true;
    else if (a === '--timeout') timeoutSeconds = numberFlag(argv[++i]);
    else if (a.startsWith('--timeout=')) timeoutSeconds = numberFlag(a.slice('--timeout='.length));
    else words.push(a);
  }
  if (timeoutSeconds !== undefined && !(timeoutSeconds > 0 && timeoutSeconds <= 86_400)) throw usageError('--timeout must be a number of seconds between 0 and 86400', USAGE);
  return { sql: words.join(' ').trim(), write, timeoutSeconds };
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { sql, write, timeoutSeconds } = parse(argv);
  if (!sql) {
    ctx.err(USAGE);
    return 2;
  }
  const timeoutMs = timeoutSeconds === undefined ? undefined : Math.max(1, Math.round(timeoutSeconds * 1000));
  const info = await findRunningRuntime(ctx.config.dataDir);
  let rows: Row[];
  // The runtime holds the DuckDB file: it runs the statement under its limits and its own timeout default.
  if (info) rows = (await adminCall<{ rows: Row[] }>(info, 'POST', '/admin/sql', { sql, write, ...(timeoutMs ? { timeoutMs } : {}) })).rows;
  else {
    if (!existsSync(paths(ctx.config.dataDir).warehouse)) {
      ctx.err(`no warehouse in ${ctx.config.dataDir} yet: start the runtime with \`npx shop-mlops up\``);
      return 1;
    }
    rows = await withDirectWarehouse(ctx.config, (w) => w.adminSql(sql, { write, timeoutMs: timeoutMs ?? ctx.config.adminSqlTimeoutMs }), !write);
  }
  ctx.out(ctx.json ? JSON.stringify(rows) : formatTable(rows) + `\n(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return 0;
}

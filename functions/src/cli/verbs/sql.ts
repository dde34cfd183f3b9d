// `shop-mlops sql [--json] "SELECT ..."`: queries the embedded warehouse, through the runtime when it runs.
import { existsSync } from 'node:fs';
import type { CliContext } from '../context';
import { formatTable } from '../table';
import { adminCall, findRunningRuntime, withDirectWarehouse } from '../store-client';
import { paths } from '../../runtime/local-runtime';
import type { Row } from '../../ports/warehouse';

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const sql = argv.join(' ').trim();
  if (!sql) {
    ctx.err('usage: shop-mlops sql [--json] "SELECT ..."');
    return 2;
  }
  const info = await findRunningRuntime(ctx.config.dataDir);
  let rows: Row[];
  if (info) rows = (await adminCall<{ rows: Row[] }>(info, 'POST', '/admin/sql', { sql })).rows;
  else {
    if (!existsSync(paths(ctx.config.dataDir).warehouse)) {
      ctx.err(`no warehouse in ${ctx.config.dataDir} yet: start the runtime with \`npx shop-mlops up\``);
      return 1;
    }
    rows = await withDirectWarehouse(ctx.config, (w) => w.query(sql), true);
  }
  ctx.out(ctx.json ? JSON.stringify(rows) : formatTable(rows) + `\n(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return 0;
}

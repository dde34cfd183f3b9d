// `shop-mlops replay`: streams a UCI Online Retail CSV (or CDNOW transactions) as signed order and refund webhooks.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { CliContext } from '../context';
import { webhookSecrets } from '../../core/webhook-secrets';
import { cdnowToUciCsv } from '../../simulator/cdnow';
import { progressLine, sendLines, table } from '../../simulator/cli-format';
import { streamReplay, type ReplayReport } from '../../simulator/replay-csv';
import { sendDeliveries } from '../../simulator/send';
import { isValidTimeZone } from '../../core/shop-days';
import { MYSHOPIFY_DOMAIN } from '../../core/topics';
import { parseVerbArgs } from '../flags';

export const USAGE = `usage: shop-mlops replay (--csv FILE | --cdnow FILE) [--url URL] [--timezone TZ] [--shop DOMAIN]
                       [--currency CUR] [--concurrency C] [--dry-run] [--json]
  --csv reads the UCI Online Retail layout InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country;
  --cdnow reads CDNOW transactions and converts them to that layout. InvoiceDate is read in --timezone (default UTC);
  --currency defaults to GBP for --csv (the UCI shop is British) and USD for --cdnow.
  Each invoice becomes orders/create; a C invoice becomes refunds/create of the customer's latest earlier order with
  that StockCode; --dry-run reads the file and prints the report without sending.
  --shop is the shop the deliveries come from (default one named after the file, e.g. online-retail.csv →
  online-retail.myshopify.com), so a replayed store never mixes into another shop's data (the demo's included).`;

/** The shop a replayed file lands in unless --shop says otherwise: its base name as a myshopify domain. */
export function replayShopFor(file: string): string {
  const name = path.basename(file).replace(/\.[^.]*$/, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).replace(/-+$/, '');
  return `${name || 'replay'}.myshopify.com`;
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  let values;
  try {
    ({ values } = parseVerbArgs(
      argv,
      {
        csv: { type: 'string' },
        cdnow: { type: 'string' },
        url: { type: 'string' },
        timezone: { type: 'string' },
        shop: { type: 'string' },
        currency: { type: 'string' },
        concurrency: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      USAGE,
      { min: 0, max: 0 },
    ));
  } catch (e) {
    ctx.err((e as Error).message);
    return 2;
  }
  if (values.help) {
    ctx.out(USAGE);
    return 0;
  }
  const json = ctx.json || values.json;
  const problems: string[] = [];
  const file = values.csv ?? values.cdnow;
  if ((values.csv === undefined) === (values.cdnow === undefined)) problems.push('give exactly one of --csv FILE or --cdnow FILE');
  else if (!existsSync(file!)) problems.push(`no such file: ${file}`);
  const timezone = values.timezone ?? 'UTC';
  if (!isValidTimeZone(timezone)) problems.push(`--timezone ${timezone} is not an IANA time zone (e.g. Europe/London)`);
  const concurrency = values.concurrency === undefined ? 16 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024) problems.push('--concurrency must be an integer from 1 to 1024');
  if (values.currency !== undefined && !/^[A-Z]{3}$/.test(values.currency)) problems.push('--currency must be a 3-letter ISO code, e.g. GBP');
  const shop = values.shop ?? (file === undefined ? '' : replayShopFor(file));
  if (values.shop !== undefined && !MYSHOPIFY_DOMAIN.test(values.shop)) problems.push(`--shop must be a shop's myshopify domain (name.myshopify.com), got "${values.shop}"`);
  if (problems.length > 0) {
    ctx.err(`${problems.join('\n')}\n${USAGE}`);
    return 2;
  }
  const url = values.url ?? `http://127.0.0.1:${ctx.config.port}/webhooks`;
  const source = values.cdnow !== undefined ? cdnowToUciCsv(readFileSync(values.cdnow, 'utf8')) : createReadStream(values.csv!);
  const { deliveries, report } = streamReplay(source, {
    timezone,
    shop,
    currency: values.currency ?? (values.cdnow !== undefined ? 'USD' : 'GBP'),
  });

  if (values['dry-run']) {
    for await (const _ of deliveries) void _;
    if (json) ctx.out(JSON.stringify({ verb: 'replay', file, shop, url, dryRun: true, report }));
    else ctx.out(describeReport(report, file!, shop, url));
    return 0;
  }
  const progress = progressLine('replay', !json);
  try {
    // SHOPIFY_API_SECRET, or the data directory's development secret the local runtime also reads.
    const { current: secret } = await webhookSecrets(ctx.config);
    const result = await sendDeliveries(url, deliveries, { secret, concurrency, onProgress: progress.update });
    progress.done();
    if (json) ctx.out(JSON.stringify({ verb: 'replay', file, shop, url, report, send: result }));
    else ctx.out(`${describeReport(report, file!, shop, url)}\n${sendLines(result)}`);
    return result.failed === 0 ? 0 : 1;
  } catch (e) {
    progress.done();
    const message = e instanceof Error ? e.message : String(e);
    if (json) ctx.out(JSON.stringify({ verb: 'replay', file, url, error: message }));
    else ctx.err(message);
    return 1;
  }
}

function describeReport(r: ReplayReport, file: string, shop: string, url: string): string {
  const skipped = Object.entries(r.skipped).sort((a, b) => b[1] - a[1]);
  return [
    `replay: ${file} (${r.rows} rows, ${r.invoices} invoices, ${r.firstDate ?? '—'} … ${r.lastDate ?? '—'}) → ${shop} at ${url}`,
    table([
      ['orders/create', r.orders],
      ['  of which guest orders', r.guestOrders],
      ['  of which zero-value orders', r.zeroValueOrders],
      ['refunds/create', r.refunds],
      ['customers', r.customers],
    ]),
    table([
      ['rows → product lines', r.rowsTo.product_line],
      ['rows → non-product lines', r.rowsTo.non_product_line],
      ['rows → refund lines', r.rowsTo.refund_line],
      ...skipped.map(([reason, n]) => [`rows skipped: ${reason}`, n] as [string, number]),
      ['refund rows capped to what remained', r.cappedRefundRows],
    ]),
  ].join('\n');
}

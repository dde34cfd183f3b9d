// `shop-mlops metafields [--full|--delta] [--shop S] [--json]`: writes the newest batch scores to the shops' app-owned metafields (bulk run or metafieldsSet), through the running runtime or on the store directly.
import { z } from 'zod';
import type { CliContext } from '../context';
import { parseVerbFlags } from '../flags';
import { adminCall, findRunningRuntime, withDirectWarehouse } from '../store-client';
import { formatTable } from '../table';
import { ShopMlopsError } from '../../core/errors';
import { createLogger } from '../../core/log';
import { webhookSecrets } from '../../core/webhook-secrets';
import { createEmbeddedShopify } from '../../shopify/embedded-shopify';
import type { ShopWriteReport, WriteMode } from '../../shopify/metafields-job';

const USAGE = `usage: shop-mlops metafields [--full | --delta] [--shop S] [--json]
  Writes each installed shop's newest batch scores to its app-owned metafields ($app:shop_mlops; docs/data-contracts.md):
  customers' CLV (with interval), P(alive), next order, RFM segment, repeat propensity; variants' 28-day forecast, days of
  cover, reorder point; products' recommended products; each with the model version. Metafield definitions are created
  on a shop's first run. A run a crash left open is finished first, without writing anything twice.
  --full    every value, as bulk mutations (staged JSONL files < 20 MB, one operation after another)
  --delta   only values that changed since the last write, with metafieldsSet (25 per call)
  (neither) delta, or a bulk run when many values changed
  --shop S  one shop (default: every shop with scores)
  Needs SHOPIFY_API_KEY and the shop installed (its offline token from POST /shopify/install).`;

const flags = z.object({ full: z.boolean().optional(), delta: z.boolean().optional(), shop: z.string().optional() }).refine((f) => !(f.full && f.delta), '--full and --delta exclude each other');

export function formatReports(reports: readonly ShopWriteReport[]): string {
  if (!reports.length) return 'no shop has batch scores (run `shop-mlops score`)';
  return formatTable(
    reports.map((r) => ({
      shop: r.shop,
      status: r.skipped ?? 'written',
      desired: r.desired,
      changed: r.changed,
      how: r.bulk ? `bulk: ${r.bulk.operations} operation(s)` : r.delta ? `metafieldsSet: ${r.delta.calls} call(s)` : '',
      written: (r.bulk?.written ?? 0) + (r.delta?.written ?? 0) + (r.resumed?.written ?? 0),
      rejected: (r.bulk?.rejected ?? 0) + (r.delta?.rejected.length ?? 0) + (r.resumed?.rejected ?? 0),
      resumed: r.resumed ? `run ${r.resumed.runId}` : '',
      throttled_ms: r.throttledMs,
    })),
  );
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const parsed = parseVerbFlags(argv, { full: { type: 'boolean' }, delta: { type: 'boolean' }, shop: { type: 'string' } }, flags, USAGE, ctx);
  if (!parsed) return 2;
  if (ctx.config.mode !== 'embedded') throw new ShopMlopsError('BAD_REQUEST', 'metafields runs on the embedded store');
  const mode: WriteMode = parsed.flags.full ? 'full' : parsed.flags.delta ? 'delta' : 'auto';
  const body = { mode, ...(parsed.flags.shop ? { shops: [parsed.flags.shop] } : {}) };
  const info = await findRunningRuntime(ctx.config.dataDir);
  let reports: ShopWriteReport[];
  if (info) reports = (await adminCall<{ reports: ShopWriteReport[] }>(info, 'POST', '/admin/metafields', body)).reports;
  else {
    const secrets = await webhookSecrets(ctx.config);
    reports = await withDirectWarehouse(ctx.config, async (w) => {
      const shopify = createEmbeddedShopify({ dataDir: ctx.config.dataDir, apiKey: ctx.config.shopifyApiKey, apiSecret: secrets.current, adminOrigin: ctx.config.shopifyAdminOrigin, execute: w.execute, logger: createLogger({ level: 'WARNING', component: 'metafields' }) });
      return shopify.writeBack(body);
    });
  }
  if (ctx.json) ctx.out(JSON.stringify({ reports }));
  else ctx.out(formatReports(reports));
  return reports.some((r) => (r.bulk?.rejected ?? 0) + (r.delta?.rejected.length ?? 0) > 0) ? 1 : 0;
}

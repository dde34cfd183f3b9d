// `shop-mlops simulate`: plans a believable store's webhook history (seeded) and posts it, signed, to the runtime.
import type { CliContext } from '../context';
import { webhookSecrets } from '../../core/webhook-secrets';
import { percent, progressLine, sendLines, table } from '../../simulator/cli-format';
import { DEFAULT_SHOP, DEFAULT_TIMEZONE, planStore } from '../../simulator/plan-store';
import { sendDeliveries } from '../../simulator/send';
import { addDays, isValidTimeZone, localDate } from '../../core/shop-days';
import { parseVerbArgs } from '../flags';

export const USAGE = `usage: shop-mlops simulate --days N --seed S [--url URL] [--timezone TZ] [--start YYYY-MM-DD]
                         [--concurrency C] [--shop DOMAIN] [--duplicates] [--dry-run] [--json]
  Plans N shop-local days of a store (products, customers, orders, payments, refunds, cancellations, inventory)
  and posts them as signed webhooks. --start defaults to N days before today in the shop's zone; --duplicates adds
  redeliveries and multi-subscription duplicates; --dry-run plans and prints the summary without sending.`;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  let values;
  try {
    ({ values } = parseVerbArgs(
      argv,
      {
        url: { type: 'string' },
        days: { type: 'string' },
        seed: { type: 'string' },
        timezone: { type: 'string' },
        start: { type: 'string' },
        concurrency: { type: 'string' },
        shop: { type: 'string' },
        duplicates: { type: 'boolean', default: false },
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
  const days = Number(values.days);
  if (values.days === undefined || !Number.isInteger(days) || days < 1 || days > 3660) problems.push('--days must be an integer from 1 to 3660');
  if (values.seed === undefined || values.seed === '') problems.push('--seed is required (any number or word; the same seed plans the same store)');
  const timezone = values.timezone ?? DEFAULT_TIMEZONE;
  if (!isValidTimeZone(timezone)) problems.push(`--timezone ${timezone} is not an IANA time zone (e.g. America/New_York)`);
  const concurrency = values.concurrency === undefined ? 16 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024) problems.push('--concurrency must be an integer from 1 to 1024');
  if (values.start !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.start)) problems.push('--start must be YYYY-MM-DD');
  if (problems.length > 0) {
    ctx.err(`${problems.join('\n')}\n${USAGE}`);
    return 2;
  }
  const url = values.url ?? `http://127.0.0.1:${ctx.config.port}/webhooks`;
  const seed = /^-?\d+$/.test(values.seed!) ? Number(values.seed) : values.seed!;
  const startDate = values.start ?? addDays(localDate(new Date(), timezone), -days);

  const plan = planStore({ days, seed, timezone, shop: values.shop ?? DEFAULT_SHOP, startDate, duplicates: values.duplicates });
  const s = plan.summary;
  if (values['dry-run']) {
    if (json) ctx.out(JSON.stringify({ verb: 'simulate', url, dryRun: true, plan: s }));
    else ctx.out(describePlan(s, url));
    return 0;
  }
  const progress = progressLine('simulate', !json);
  try {
    // SHOPIFY_API_SECRET, or the data directory's development secret the local runtime also reads.
    const { current: secret } = await webhookSecrets(ctx.config);
    const result = await sendDeliveries(url, plan.deliveries, { secret, concurrency, onProgress: progress.update });
    progress.done();
    if (json) ctx.out(JSON.stringify({ verb: 'simulate', url, plan: s, send: result }));
    else ctx.out(`${describePlan(s, url)}\n${sendLines(result)}`);
    return result.failed === 0 ? 0 : 1;
  } catch (e) {
    progress.done();
    const message = e instanceof Error ? e.message : String(e);
    if (json) ctx.out(JSON.stringify({ verb: 'simulate', url, plan: s, error: message }));
    else ctx.err(message);
    return 1;
  }
}

function describePlan(s: ReturnType<typeof planStore>['summary'], url: string): string {
  const topics = Object.entries(s.byTopic).sort((a, b) => b[1] - a[1]);
  return [
    `simulate: ${s.days} days ${s.startDate} … ${s.endDate} (${s.timezone}, ${s.currency}), seed ${String(s.seed)}, shop ${s.shop} → ${url}`,
    table([['topic', 'deliveries'], ...topics, ['total', s.deliveries]]),
    table([
      ['orders', s.orders],
      ['guest orders', s.guestOrders],
      ['customers', s.customers],
      ['repeat buyers', percent(s.repeatBuyerShare)],
      ['orders refunded', `${s.refundedOrders} (${percent(s.refundedOrderShare)})`],
      ['orders cancelled', s.cancelledOrders],
      ['price changes', s.priceChanges],
      ['stock-outs', s.stockouts],
    ]),
    s.duplicates.enabled
      ? `duplicates: on (${s.duplicates.redeliveries} redeliveries, ${s.duplicates.multiSubscription} multi-subscription duplicates)`
      : 'duplicates: off (--duplicates adds redeliveries and multi-subscription duplicates)',
  ].join('\n');
}

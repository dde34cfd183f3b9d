// `shop-mlops score [--model M] [--version V|ALIAS] [--snapshot DATE] [--k K] [--json]`: a registered version (default each champion) scores the snapshot into shop_predictions.*.
import { z } from 'zod';
import type { CliContext } from '../cli/context';
import { formatTable } from '../cli/table';
import { parseVerbFlags } from '../cli/flags';
import { SCORED_MODELS, scoreVersions, type ScoreReport } from './score';
import { createTrainingServices, trainingWorldFromConfig } from './services';

export const USAGE = `usage: shop-mlops score [--model clv|propensity|forecast|recommend] [--version N|ALIAS] [--snapshot YYYY-MM-DD] [--k K] [--json]
  Scores the snapshot (default: the latest customer_rfm snapshot) with a registered version of each model (default: its
  champion; --version needs --model) and replaces that (shop, snapshot, model, version) in shop_predictions.*: customer_clv,
  customer_propensity, variant_forecast, variant_replenishment, product_recommendations (docs/data-contracts.md).
  Embedded: DuckDB through the running runtime, or the file directly. gcp (SHOP_MLOPS_MODE=gcp): BigQuery.
  --k K     recommendations per product (default 10)
  --json    one JSON object: shop, snapshot, per model the version and rows written per table`;

const flags = z
  .object({
    model: z.enum(SCORED_MODELS as [string, ...string[]]).optional(),
    version: z.string().regex(/^(\d+|[a-z][a-z0-9_-]{0,62})$/, '--version must be a version number or an alias').optional(),
    snapshot: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '--snapshot must be a date YYYY-MM-DD').optional(),
    k: z.coerce.number().int().min(1).max(100).optional(),
  })
  .refine((f) => !f.version || f.model, { message: '--version needs --model (versions are per model)' });

export function formatScoreReport(r: ScoreReport): string {
  const rows = r.models.flatMap((m) =>
    m.tables.length ? m.tables.map((t) => ({ model: m.model, version: `v${m.version}`, table: t.table, rows: t.inserted, replaced: t.replaced })) : [{ model: m.model, version: m.version === null ? '' : `v${m.version}`, table: m.skipped ?? '', rows: 0, replaced: 0 }],
  );
  return [`scored ${r.shop} at ${r.snapshotDate}`, '', formatTable(rows)].join('\n');
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const parsed = parseVerbFlags(argv, { model: { type: 'string' }, version: { type: 'string' }, snapshot: { type: 'string' }, k: { type: 'string' } }, flags, USAGE, ctx);
  if (!parsed) return 2;
  const f = { data: parsed.flags };
  const services = createTrainingServices(trainingWorldFromConfig(ctx.config));
  try {
    const v = f.data.version;
    const report = await scoreVersions(services, {
      ...(f.data.model ? { models: [f.data.model as (typeof SCORED_MODELS)[number]] } : {}),
      ...(v ? { version: /^\d+$/.test(v) ? Number(v) : v } : {}),
      ...(f.data.snapshot ? { snapshotDate: f.data.snapshot } : {}),
      ...(f.data.k ? { k: f.data.k } : {}),
    });
    ctx.out(ctx.json ? JSON.stringify(report) : formatScoreReport(report));
    return report.models.some((m) => m.skipped) && f.data.model ? 1 : 0;
  } finally {
    await services.close();
  }
}

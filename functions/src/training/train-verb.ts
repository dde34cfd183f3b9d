// `shop-mlops train [--snapshot DATE] [--param K=V ...] [--json]`: runs the training pipeline on the store with progress, then prints models, metrics, verdicts and versions.
import { z } from 'zod';
import type { CliContext } from '../cli/context';
import { formatTable } from '../cli/table';
import { parseVerbFlags } from '../cli/flags';
import { cliParams } from '../pipeline/cli-params';
import { PipelineRunError } from '../pipeline';
import { runTraining, trainingResultOf, type TrainingSummary } from './run';
import { training } from './pipeline';
import { checkOptions } from './options';
import { trainingWorldFromConfig } from './services';

export const USAGE = `usage: shop-mlops train [--snapshot YYYY-MM-DD] [--param K=V ...] [--run-id ID] [--json]
  Trains CLV, propensity, demand forecast and recommendation models from the feature tables at the snapshot (default: the
  latest customer_rfm snapshot), compares each with the registry's champion on the same holdout, registers every trained
  model as a new version ('challenger') and moves 'champion' when it does not lose. The run is tracked (see \`runs\`).
  Embedded: reads DuckDB through the running runtime (or the file directly), writes <data-dir>/artifacts, registry, runs.
  gcp (SHOP_MLOPS_MODE=gcp): BigQuery, the artifact bucket, Vertex AI Model Registry and Experiments, in-process.
  --param K=V   any pipeline parameter: ${Object.keys(training.params).join(', ')}
  --json        one JSON object (run, data snapshot, per model: metric, challenger and champion scores, verdict, versions)`;

const flags = z.object({
  snapshot: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '--snapshot must be a date YYYY-MM-DD').optional(),
  'run-id': z.string().regex(/^training-[a-z0-9][a-z0-9-]{0,21}$/, '--run-id must be training-<name> (name: 1-22 of a-z, 0-9, -)').optional(),
  param: z.array(z.string()).optional(),
});

const num = (v: number | null) => (v === null ? '' : Number.isInteger(v) ? String(v) : v.toPrecision(4));
const ver = (v: number | null) => (v === null ? '' : `v${v}`);

export function formatSummary(s: TrainingSummary): string {
  const rows = s.models.map((m) => ({
    model: m.model,
    metric: `${m.metric.replace(`${m.model}.`, '')} (${m.better})`,
    challenger: m.trained ? num(m.score) : 'not trained',
    champion: num(m.championScore),
    verdict: m.verdict,
    registered: ver(m.version),
    'champion now': ver(m.champion),
    'challenger now': ver(m.challenger),
  }));
  const head = `training run ${s.runId}${s.snapshotDate ? ` on ${s.shop} features of ${s.snapshotDate}` : ''}: ${s.ok ? 'succeeded' : `FAILED${s.failedStep ? ` at ${s.failedStep}` : ''}`} in ${s.seconds.toFixed(1)} s`;
  const data = s.dataSnapshot ? `data ${s.dataSnapshot.contentHash.slice(0, 19)}… ${Object.entries(s.dataSnapshot.rows).map(([t, n]) => `${t.split('.')[1]} ${n}`).join(', ')}` : '';
  const reasons = s.models.filter((m) => m.reason).map((m) => `  ${m.model}: ${m.reason}`);
  return [head, data, '', formatTable(rows), '', ...reasons].filter((l, i) => l !== '' || i > 1).join('\n');
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const parsed = parseVerbFlags(argv, { snapshot: { type: 'string' }, param: { type: 'string', multiple: true }, 'run-id': { type: 'string' } }, flags, USAGE, ctx);
  if (!parsed) return 2;
  const f = { data: parsed.flags };
  let params;
  try {
    params = cliParams(training, f.data.param);
    checkOptions(params);
  } catch (err) {
    ctx.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (f.data.snapshot) params['snapshot_date'] = f.data.snapshot;
  try {
    const { summary } = await runTraining({
      world: trainingWorldFromConfig(ctx.config),
      params,
      progress: ctx.json ? 'silent' : 'auto',
      ...(f.data['run-id'] ? { runId: f.data['run-id'] } : {}),
    });
    ctx.out(ctx.json ? JSON.stringify(summary) : formatSummary(summary));
    return 0;
  } catch (err) {
    const result = trainingResultOf(err);
    if (!(err instanceof PipelineRunError) || !result) throw err;
    if (ctx.json) ctx.out(JSON.stringify(result.summary));
    else ctx.out(formatSummary(result.summary));
    ctx.err(`error: ${err.message}`);
    return 1;
  }
}

// `shop-mlops up [--no-demo] [--exit-after-demo] [--demo-days N] [--demo-end YYYY-MM-DD] [--seed S] [--timezone TZ] [--retrain]`: the local runtime, with the demo store on first start.
import * as path from 'node:path';
import type { CliContext } from '../context';
import { createLogger } from '../../core/log';
import { webhookSecrets } from '../../core/webhook-secrets';
import { startRuntime } from '../../runtime/local-runtime';
import { runDemo } from '../../runtime/demo';
import { formatSummary } from '../../training/train-verb';
import { formatTable } from '../table';
import { formatTrafficSummary } from './traffic';
import type { DemoRollout } from '../../runtime/demo-rollout';
import { parseVerbArgs, usageError } from '../flags';
import { addDays, localDate } from '../../core/shop-days';
import { dashboardLine } from '../../runtime/dashboard-link';

const USAGE = `usage: shop-mlops up [--no-demo] [--exit-after-demo] [--demo-days N] [--demo-end YYYY-MM-DD] [--seed S] [--timezone TZ] [--retrain]
  --timezone sets the shop's time zone for this runtime (default SHOP_MLOPS_SHOP_TIMEZONE, else UTC): the demo's store,
  its feature builds, the scheduled rebuilds and the monitor all use it. On a store that already has events the demo
  trains nothing unless --retrain.`;

/** Checks the demo flags before anything starts: whole days, and an end day that is not after yesterday in the shop's zone. */
function demoFlags(v: { 'demo-days'?: string; 'demo-end'?: string; seed?: string; timezone?: string }, now: Date): { days: number; endDate: string | undefined; seed: number; timezone: string } {
  const timezone = v.timezone!;
  const problems: string[] = [];
  const days = Number(v['demo-days']);
  if (!Number.isInteger(days) || days < 1 || days > 3660) problems.push(`--demo-days must be a whole number of days in 1..3660, got "${v['demo-days']}"`);
  const seed = Number(v.seed);
  if (!Number.isInteger(seed)) problems.push(`--seed must be an integer, got "${v.seed}"`);
  let yesterday: string | undefined;
  try {
    yesterday = addDays(localDate(now, timezone), -1);
  } catch {
    problems.push(`--timezone must be an IANA time zone, got "${timezone}"`);
  }
  const end = v['demo-end'];
  if (end !== undefined) {
    const d = /^\d{4}-\d{2}-\d{2}$/.test(end) ? new Date(`${end}T00:00:00Z`) : null;
    if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== end) problems.push(`--demo-end must be a calendar day YYYY-MM-DD, got "${end}"`);
    else if (yesterday && end > yesterday) problems.push(`--demo-end must not be after yesterday (${yesterday} in ${timezone}): a store's history cannot end in the future`);
  }
  if (problems.length) throw usageError(problems.join('; '), USAGE);
  return { days, endDate: end, seed, timezone };
}

/** The serving stage of the demo: the second run, a line per model, the traffic table. */
function formatDemoRollout(r: DemoRollout): string {
  const second = r.retraining === null ? 'no second training run (the store was not seeded by this demo)' : 'runId' in r.retraining ? `second training run ${r.retraining.runId}: ${r.retraining.ok ? 'succeeded' : 'FAILED'}` : `second training run FAILED (${r.retraining.error})`;
  const notes = r.models.filter((m) => m.note).map((m) => `  ${m.model}: ${m.note}`);
  return [`Serving (${r.seconds.toFixed(1)} s): every champion deployed; ${second}`, ...notes, '', `Traffic on ${r.traffic[0]?.state.shop ?? ''} (npx shop-mlops traffic MODEL for the history; promote, rollback, swap):`, formatTrafficSummary(r.traffic), ''].join('\n');
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parseVerbArgs(
    argv,
    {
      'no-demo': { type: 'boolean' },
      'exit-after-demo': { type: 'boolean' },
      'demo-days': { type: 'string', default: '120' },
      'demo-end': { type: 'string' },
      seed: { type: 'string', default: '42' },
      timezone: { type: 'string', default: ctx.config.shopTimezone },
      retrain: { type: 'boolean' },
    },
    USAGE,
    { min: 0, max: 0 },
  );
  const demo = demoFlags(values, new Date());
  // One shop time zone for the whole runtime: --timezone overrides SHOP_MLOPS_SHOP_TIMEZONE for the demo and every later build.
  const config = { ...ctx.config, shopTimezone: demo.timezone };
  const logger = createLogger({ level: config.logLevel, component: 'runtime' });
  const rt = await startRuntime({ config, logger });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('signal received', { signal });
    await rt.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const urls = { webhooks: `${rt.url}/webhooks`, health: `${rt.url}/healthz`, metrics: `${rt.url}/metrics`, dashboard: `${rt.url}/` };
  if (!ctx.json) ctx.err(`shop-mlops runtime on ${rt.url}  (data: ${path.resolve(ctx.config.dataDir)})`);

  if (!values['no-demo']) {
    let summary;
    try {
      summary = await runDemo(rt, {
        dataDir: ctx.config.dataDir,
        days: demo.days,
        seed: demo.seed,
        endDate: demo.endDate,
        ...(values.retrain ? { retrain: true } : {}),
        secret: (await webhookSecrets(ctx.config)).current, // the secret the runtime verifies with
        progress: ctx.json ? undefined : (line) => ctx.err(line),
      });
    } catch (err) {
      await rt.close(); // a failed demo must not leave the process serving
      throw err;
    }
    if (ctx.json) ctx.out(JSON.stringify({ urls, ...summary }));
    else {
      ctx.out('');
      ctx.out(
        summary.seeded
          ? `Demo store: ${summary.sent} signed webhooks sent in ${summary.seconds.toFixed(1)} s; ${summary.loader.landed} events landed, ${summary.loader.duplicates} duplicate deliveries collapsed, ${summary.loader.quarantined} quarantined.`
          : `Store already has events: demo skipped${summary.training ? '' : ', nothing retrained (`up --retrain` trains on it)'}.`,
      );
      ctx.out(
        summary.features.ok
          ? `Features for snapshot ${summary.features.snapshotDate}: ${summary.features.actions} actions ok in ${summary.features.seconds.toFixed(1)} s.`
          : `Features${summary.features.snapshotDate ? ` for snapshot ${summary.features.snapshotDate}` : ''}: FAILED ${summary.features.failed.join(', ') || 'not built'} (see below; \`npx shop-mlops features\` for details).`,
      );
      ctx.out(formatTable(summary.tables));
      ctx.out('');
      if (summary.training) {
        ctx.out('models' in summary.training ? formatSummary(summary.training) : `Training: FAILED (${summary.training.error})`);
        ctx.out('');
      }
      if (summary.rollout) ctx.out(formatDemoRollout(summary.rollout));
      if (summary.route) ctx.out(`Try: ${summary.route.call}\n${JSON.stringify(summary.route.answer, null, 2)}\n`);
      if (summary.monitor) {
        ctx.out(summary.monitor.error ? `Monitor: FAILED (${summary.monitor.error})` : `Monitor (every hour; \`npx shop-mlops monitor\` runs a pass now, \`rollouts\` shows the evidence):`);
        for (const e of summary.monitor.endpoints) ctx.out(`  ${e.model} v${e.challenger} at ${e.percent} %: ${e.action}: ${e.why}`);
        if (summary.monitor.outcomeJoinFailures.length) ctx.out(`  outcome join incomplete: ${summary.monitor.outcomeJoinFailures.join('; ')}`);
        ctx.out('');
      }
      ctx.out(formatTable(Object.entries(urls).map(([name, url]) => ({ name, url }))));
      ctx.out(`\nTry: npx shop-mlops sql "SELECT topic, count(*) AS n FROM shop_raw.events GROUP BY 1 ORDER BY 2 DESC"`);
      if (summary.problems.length) ctx.out(`\nThe demo did not complete (shop time zone ${summary.timezone}):\n${summary.problems.map((p) => `  FAILED ${p}`).join('\n')}`);
      ctx.out(`\n${dashboardLine(rt.url, ctx.config.dataDir)}`);
    }
    if (values['exit-after-demo']) {
      await rt.close();
      return summary.problems.length ? 1 : 0;
    }
  } else if (ctx.json) ctx.out(JSON.stringify({ urls }));
  else ctx.out(`${formatTable(Object.entries(urls).map(([name, url]) => ({ name, url })))}\n\n${dashboardLine(rt.url, ctx.config.dataDir)}`);
  if (!ctx.json) ctx.err('serving until Ctrl-C');
  await new Promise<never>(() => undefined);
  return 0;
}

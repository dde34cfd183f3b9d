// `shop-mlops retrain [--shop S] [--model M ...] [--why TEXT] [--json]`: asks to retrain (trigger 'external'), coalesced with any run of the shop started within the policy's window.
import { z } from 'zod';
import type { CliContext } from '../context';
import { parseVerbFlags } from '../flags';
import { adminCall, findRunningRuntime, withDirectWarehouse } from '../store-client';
import { formatTable } from '../table';
import { ShopMlopsError } from '../../core/errors';
import type { RetrainRequest } from '../../ports/monitoring-store';
import { DEFAULT_MONITORING_POLICY } from '../../monitoring/config';
import { RETRAIN_MODELS, createRetrainer, retrainRouteBody, retrainRouteRequest } from '../../monitoring/retrain';
import { createEmbeddedStarter } from '../../monitoring/retrain-start-embedded';
import { createDuckDbMonitoringStore } from '../../adapters/embedded/duckdb-monitoring-store';

const USAGE = `usage: shop-mlops retrain [--shop S] [--model M ...] [--why TEXT] [--json]
  Asks to retrain the models (default all: ${RETRAIN_MODELS.join(', ')}) on the latest feature snapshot, as the Shopify Flow action does
  (trigger 'external'). A request within the coalescing window of a run already started for the shop joins that run.
  With the runtime running, the run starts there and this returns at once (see \`runs\`); otherwise it runs here and
  this waits for it. The run's tracked params name the trigger and the request (trigger, trigger_request_id).
  --shop S     the shop domain (default: the only shop in the store)
  --model M    a model to retrain (repeatable)
  --why TEXT   the reason recorded with the request`;

const flags = z.object({ shop: z.string().optional(), model: z.array(z.string()).optional(), why: z.string().optional() });

export function formatRequest(r: RetrainRequest): string {
  const head =
    r.status === 'coalesced' ? `joined the run of request ${r.run_request_id}${r.run_id ? ` (${r.run_id})` : ''}`
    : r.status === 'failed' ? `the run FAILED: ${r.error ?? ''}`
    : `${r.status === 'succeeded' ? 'ran' : 'started'} run ${r.run_id ?? ''}`;
  return `retrain ${r.shop}: ${head}\n${formatTable([{ request: r.request_id, trigger: r.trigger, models: r.models.join(' '), status: r.status, run: r.run_id ?? '', reason: r.reason }])}`;
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const parsed = parseVerbFlags(argv, { shop: { type: 'string' }, model: { type: 'string', multiple: true }, why: { type: 'string' } }, flags, USAGE, ctx);
  if (!parsed) return 2;
  const body = retrainRouteBody.safeParse({ ...(parsed.flags.shop ? { shop: parsed.flags.shop } : {}), ...(parsed.flags.model ? { models: parsed.flags.model } : {}), ...(parsed.flags.why ? { reason: parsed.flags.why } : {}) });
  if (!body.success) {
    const flag: Record<string, string> = { shop: '--shop', models: '--model', reason: '--why' };
    ctx.err(`${body.error.issues.map((i) => `${flag[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`).join('; ')}\n${USAGE}`);
    return 2;
  }
  if (ctx.config.mode !== 'embedded') throw new ShopMlopsError('BAD_REQUEST', 'retrain runs on the embedded store; in the cloud the Flow action and the monitor call the retrainer');
  const info = await findRunningRuntime(ctx.config.dataDir);
  let request: RetrainRequest;
  if (info) request = (await adminCall<{ request: RetrainRequest }>(info, 'POST', '/admin/retrain', body.data)).request;
  else {
    request = await withDirectWarehouse(ctx.config, async (warehouse) => {
      const clock = { now: () => new Date() };
      const store = createDuckDbMonitoringStore(warehouse);
      const retrainer = createRetrainer({ store, start: createEmbeddedStarter({ dataDir: ctx.config.dataDir, warehouse, clock }), policy: DEFAULT_MONITORING_POLICY, clock });
      const r = await retrainRouteRequest(retrainer.request, warehouse, body.data);
      await retrainer.idle();
      return (await store.retrainRequests({ shop: r.shop, since: r.requested_at })).find((x) => x.request_id === r.request_id) ?? r;
    });
  }
  ctx.out(ctx.json ? JSON.stringify(request) : formatRequest(request));
  return request.status === 'failed' ? 1 : 0;
}

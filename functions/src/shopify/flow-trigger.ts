// Shopify Flow triggers "Model rolled back" / "Model promoted" (model, version, precision) sent with flowTriggerReceive once per monitor decision (shop_monitoring.decisions), a per-shop journal of what was sent (the FlowTriggerJournal port).
import { ShopMlopsError } from '../core/errors';
import type { Logger } from '../core/log';
import { MYSHOPIFY_DOMAIN } from '../core/topics';
import type { MonitoringStore, MonitorDecision } from '../ports/monitoring-store';
import type { FlowTriggerJournal } from '../ports/flow-trigger-journal';
import type { SessionStorage } from '../ports/session-storage';
import { adminGraphqlFor } from './admin-graphql';
import type { AdminLibrary } from './admin-library';
import { FLOW_TRIGGER, flowAnswer } from './admin-operations';

/** The trigger extensions' handles (extensions/model-*-trigger/shopify.extension.toml). */
export const FLOW_TRIGGER_HANDLES = { model_rolled_back: 'model-rolled-back', model_promoted: 'model-promoted' } as const;

export interface FlowTriggerDeps {
  store: Pick<MonitoringStore, 'decisions'>;
  sessions: SessionStorage;
  library: AdminLibrary;
  /** What was sent (embedded: <data-dir>/flow-triggers files; cloud: Firestore). */
  journal: FlowTriggerJournal;
  logger?: Logger;
  sleep?: (ms: number) => Promise<void>;
}

export interface FlowTriggerReport {
  sent: Array<{ shop: string; decisionId: string; handle: string }>;
  /** Shops not installed (no token) or uninstalled: their decisions wait. */
  skippedShops: string[];
  failed: Array<{ decisionId: string; error: string }>;
}

/** The trigger payload: exactly the fields the trigger extension declares. */
export function flowPayload(d: MonitorDecision): { handle: string; payload: { model: string; version: string; precision?: number } } {
  const e = d.flow_event;
  return { handle: FLOW_TRIGGER_HANDLES[e.trigger], payload: { model: e.model, version: String(e.version), ...(e.precision === null ? {} : { precision: e.precision }) } };
}

let chain: Promise<unknown> = Promise.resolve();

/**
 * Sends every recorded decision not yet sent, oldest first, one at a time in this process. A decision is journaled after
 * Shopify accepted it, so it is sent once; only a crash between the answer and the journal write sends it again.
 */
export function sendFlowTriggers(deps: FlowTriggerDeps): Promise<FlowTriggerReport> {
  const run = chain.then(() => send(deps), () => send(deps));
  chain = run.catch(() => undefined);
  return run;
}

async function send(deps: FlowTriggerDeps): Promise<FlowTriggerReport> {
  const report: FlowTriggerReport = { sent: [], skippedShops: [], failed: [] };
  const decisions = (await deps.store.decisions()).sort((a, b) => a.decided_at.localeCompare(b.decided_at));
  const byShop = new Map<string, MonitorDecision[]>();
  for (const d of decisions) byShop.set(d.shop, [...(byShop.get(d.shop) ?? []), d]);
  for (const [shop, list] of byShop) {
    if (!MYSHOPIFY_DOMAIN.test(shop) || (await deps.sessions.isUninstalled(shop)) || !(await deps.sessions.load(shop))) {
      report.skippedShops.push(shop);
      continue;
    }
    const sent = await deps.journal.sent(shop);
    const todo = list.filter((d) => !sent.has(d.decision_id));
    if (!todo.length) continue;
    const api = await adminGraphqlFor(shop, { library: deps.library, sessions: deps.sessions, ...(deps.logger ? { logger: deps.logger } : {}), ...(deps.sleep ? { sleep: deps.sleep } : {}) });
    for (const d of todo) {
      const { handle, payload } = flowPayload(d);
      try {
        const ans = flowAnswer.parse(await api.request(FLOW_TRIGGER, { handle, payload }));
        const errs = ans.flowTriggerReceive.userErrors;
        if (errs.length) throw new ShopMlopsError('UNPROCESSABLE', `flowTriggerReceive: ${errs.map((e) => e.message).join('; ')}`);
        await deps.journal.record(shop, d.decision_id);
        report.sent.push({ shop, decisionId: d.decision_id, handle });
        deps.logger?.info('flow trigger sent', { shop, handle, model: payload.model, version: payload.version, decisionId: d.decision_id });
      } catch (err) {
        const e = ShopMlopsError.fromUnknown(err);
        report.failed.push({ decisionId: d.decision_id, error: e.message });
        deps.logger?.warn('flow trigger not sent; retried after the next pass', { shop, handle, decisionId: d.decision_id, error: e.message });
        if (e.retryable) break; // the shop's API is down or throttled out: later decisions wait too (order kept)
      }
    }
  }
  return report;
}

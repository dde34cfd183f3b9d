// The local runtime's Shopify Flow action: the journal of accepted runs in the data directory, the retraining queue (resumed at start) and POST /flow/actions/retrain.
import type { Hono } from 'hono';
import type { Logger } from '../core/log';
import { openJournalFlowActionRuns } from '../adapters/embedded/journal-flow-action-runs';
import { mountFlowActionRoute } from '../http/flow-action-route';
import { shopifyVerifiers } from '../http/shopify-verifiers';
import { createFlowRetrainWorker, type FlowRetrainWorker } from '../monitoring/flow-retrain-worker';
import { RETRAIN_MODELS } from '../monitoring/retrain';
import type { RequestRetrain } from '../ports/monitoring-store';
import { SHOP_DOMAIN } from '../ports/endpoints';
import type { Row } from '../ports/warehouse';

export interface EmbeddedFlowActionOptions {
  dataDir: string;
  secrets: { current: string; previous: readonly string[] };
  /** The shops this runtime serves are the ones it holds events of. */
  warehouse: { query(sql: string): Promise<Row[]> };
  requestRetrain: RequestRetrain;
  clock: { now(): Date };
  logger: Logger;
}

export async function mountEmbeddedFlowAction(app: Hono, o: EmbeddedFlowActionOptions): Promise<FlowRetrainWorker> {
  const runs = await openJournalFlowActionRuns(o.dataDir);
  const logger = o.logger.child({ component: 'flow-action' });
  const worker = createFlowRetrainWorker({ runs, requestRetrain: o.requestRetrain, clock: o.clock, logger });
  mountFlowActionRoute(app, {
    libraries: shopifyVerifiers({ apiKey: undefined, apiSecret: o.secrets.current, previousSecrets: o.secrets.previous }),
    runs,
    enqueue: (run) => worker.enqueue(run),
    // The shop matched SHOP_DOMAIN (no quote can reach the SQL).
    isInstalledShop: async (shop) => SHOP_DOMAIN.test(shop) && (await o.warehouse.query(`SELECT 1 AS x FROM shop_raw.events WHERE shop = '${shop}' LIMIT 1`)).length > 0,
    models: RETRAIN_MODELS,
    clock: o.clock,
    logger,
  });
  const resumed = await worker.resume();
  if (resumed) logger.info('flow actions accepted before a restart: retraining queued again', { runs: resumed });
  return worker;
}

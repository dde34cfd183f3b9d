// The `api` function's Shopify Flow action: POST /flow/actions/retrain over the Cloud Storage ledger of accepted runs, the queue handing them to the cloud retrainer (Vertex AI Pipelines), runs left pending by an instance that stopped resumed.
import type { Hono } from 'hono';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Storage } from '@google-cloud/storage';
import { systemClock } from '../../core/clock';
import type { AppConfig } from '../../core/config';
import type { Logger } from '../../core/log';
import { mountFlowActionRoute } from '../../http/flow-action-route';
import { shopifyVerifiers } from '../../http/shopify-verifiers';
import { createFlowRetrainWorker, type FlowRetrainWorker } from '../../monitoring/flow-retrain-worker';
import { RETRAIN_MODELS } from '../../monitoring/retrain';
import { SHOP_DOMAIN } from '../../ports/endpoints';
import type { FlowActionRuns } from '../../ports/flow-action-runs';
import type { SessionStorage } from '../../ports/session-storage';
import type { RequestRetrain } from '../../ports/monitoring-store';
import { createBigQueryWarehouse } from './bigquery-warehouse';
import { buildCloudRetrainer } from './cloud-retrainer';
import { createGcsFlowActionRuns } from './gcs-flow-action-runs';

export interface CloudFlowActionOptions {
  location: string;
  log: Logger;
  storage?: Storage;
  bigquery?: BigQuery;
  /** Tests: the ledger and the retrainer's entry point (default: Cloud Storage, the BigQuery + Vertex retrainer). */
  runs?: FlowActionRuns;
  requestRetrain?: RequestRetrain;
  isInstalledShop?: (shop: string) => Promise<boolean>;
  /** The shops' install state (Firestore): an uninstalled shop's run is refused by the retrainer. */
  sessions?: Pick<SessionStorage, 'isUninstalled'>;
}

/** Mounts the route on `app`; the returned worker's idle() is awaited after each response (the instance keeps its CPU until the handler returns). */
export function mountCloudFlowAction(app: Hono, config: AppConfig, o: CloudFlowActionOptions): FlowRetrainWorker {
  const log = o.log.child({ component: 'flow-action' });
  const runs = o.runs ?? createGcsFlowActionRuns({ bucket: config.artifactBucket!, ...(o.storage ? { storage: o.storage } : {}) });
  const requestRetrain = o.requestRetrain ?? buildCloudRetrainer(config, { location: o.location, log, ...(o.bigquery ? { bigquery: o.bigquery } : {}), ...(o.sessions ? { sessions: o.sessions } : {}) }).retrainer.request;
  const warehouse = o.isInstalledShop ? null : createBigQueryWarehouse({ projectId: config.gcpProject!, rawDataset: config.rawDataset, log, ...(o.bigquery ? { bigquery: o.bigquery } : {}) });
  const worker = createFlowRetrainWorker({ runs, requestRetrain, clock: systemClock, logger: log });
  mountFlowActionRoute(app, {
    libraries: shopifyVerifiers({ apiKey: config.shopifyApiKey, apiSecret: config.shopifyApiSecret!, previousSecrets: config.shopifyApiSecretPrevious }),
    runs,
    enqueue: (run) => worker.enqueue(run),
    // The shop matched SHOP_DOMAIN (no quote can reach the SQL); the shops served are the ones whose events landed.
    isInstalledShop: o.isInstalledShop ?? (async (shop) => SHOP_DOMAIN.test(shop) && (await warehouse!.query(`SELECT 1 AS x FROM \`${config.gcpProject!}.${config.rawDataset}.events\` WHERE shop = '${shop}' LIMIT 1`)).length > 0),
    models: RETRAIN_MODELS,
    clock: systemClock,
    logger: log,
  });
  // Runs an earlier instance accepted but did not hand over (it stopped first).
  void worker.resume().then(
    (n) => n && log.info('flow actions accepted by an earlier instance: retraining queued', { runs: n }),
    (err: Error) => log.warn('pending flow actions not read', { error: err.message }),
  );
  return worker;
}

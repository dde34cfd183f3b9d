// The cloud retrainer (BigQuery monitoring store, Vertex AI Pipelines starter, Cloud Monitoring sink), shared by the monitor functions and the Flow action.
import type { BigQuery } from '@google-cloud/bigquery';
import { ENV_NAMES, type AppConfig } from '../../core/config';
import { systemClock } from '../../core/clock';
import { ShopMlopsError } from '../../core/errors';
import type { Logger } from '../../core/log';
import { createRetrainer, type StartTraining } from '../../monitoring/retrain';
import { createVertexStarter, pipelinesServiceAccount } from '../../monitoring/retrain-start-vertex';
import type { VertexRest } from './vertex-rest';
import { createBigQueryMonitoringStore } from './bigquery-monitoring-store';
import { createCloudMonitoringSink, type MetricServiceClient } from './cloud-monitoring-sink';
import type { SessionStorage } from '../../ports/session-storage';
import { refuseUninstalled } from '../../shopify/install';

/**
 * The cloud retrainer: claims in the BigQuery monitoring store, runs submitted to Vertex AI Pipelines (image
 * SHOP_MLOPS_PIPELINE_IMAGE; without it a request is recorded as failed and says why). Used by the monitor functions and
 * the Flow action.
 */
export function buildCloudRetrainer(config: AppConfig, opts: { location: string; bigquery?: BigQuery; metricClient?: MetricServiceClient; log: Logger; sessions?: Pick<SessionStorage, 'isUninstalled'> }) {
  const project = config.gcpProject!;
  const store = createBigQueryMonitoringStore({ projectId: project, log: opts.log, ...(opts.bigquery ? { bigquery: opts.bigquery } : {}) });
  const sink = createCloudMonitoringSink({ projectId: project, ...(opts.metricClient ? { client: opts.metricClient } : {}) });
  const policy = config.monitoringPolicy;
  // A shop the app was uninstalled from (its token deleted by app/uninstalled) gets no training run.
  const starter = cloudRetrainStarter(config, { location: opts.location });
  const start = opts.sessions ? refuseUninstalled(opts.sessions, starter) : starter;
  const retrainer = createRetrainer({ store, start, policy, clock: systemClock, sink, logger: opts.log.child({ component: 'retrain' }) });
  return { store, sink, policy, retrainer };
}

/**
 * The monitor's retraining starter: the training pipeline submitted to Vertex AI Pipelines with the step image
 * (SHOP_MLOPS_PIPELINE_IMAGE), run as the pipelines' account (infra/pipeline.tf grants it the feature reads and the
 * score writes; without it Vertex would run the steps as the Compute Engine default account).
 */
export function cloudRetrainStarter(config: AppConfig, opts: { location: string; client?: VertexRest }): StartTraining {
  const project = config.gcpProject!;
  const image = config.pipelineImage;
  if (!image) return () => Promise.reject(new ShopMlopsError('CONFIG_INVALID', `retraining needs the pipeline image (${ENV_NAMES.pipelineImage})`));
  return createVertexStarter({
    project,
    location: opts.location,
    image,
    gcsOutputDirectory: `gs://${config.artifactBucket!}/pipeline-root`,
    serviceAccount: pipelinesServiceAccount(project),
    clock: systemClock,
    env: { SHOP_MLOPS_MODE: 'gcp', GOOGLE_CLOUD_PROJECT: project, SHOP_MLOPS_ARTIFACT_BUCKET: config.artifactBucket! },
    ...(opts.client ? { client: opts.client } : {}),
  });
}

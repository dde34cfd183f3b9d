// The cloud retrainer (BigQuery monitoring store, Vertex AI Pipelines starter, Cloud Monitoring sink), shared by the monitor functions and the Flow action.
import type { BigQuery } from '@google-cloud/bigquery';
import { ENV_NAMES, type AppConfig } from '../../core/config';
import { systemClock } from '../../core/clock';
import { ShopMlopsError } from '../../core/errors';
import type { Logger } from '../../core/log';
import { createRetrainer, type StartTraining } from '../../monitoring/retrain';
import { createVertexStarter } from '../../monitoring/retrain-start-vertex';
import { createBigQueryMonitoringStore } from './bigquery-monitoring-store';
import { createCloudMonitoringSink, type MetricServiceClient } from './cloud-monitoring-sink';

/**
 * The cloud retrainer: claims in the BigQuery monitoring store, runs submitted to Vertex AI Pipelines (image
 * SHOP_MLOPS_PIPELINE_IMAGE; without it a request is recorded as failed and says why). Used by the monitor functions and
 * the Flow action.
 */
export function buildCloudRetrainer(config: AppConfig, opts: { location: string; bigquery?: BigQuery; metricClient?: MetricServiceClient; log: Logger }) {
  const project = config.gcpProject!;
  const store = createBigQueryMonitoringStore({ projectId: project, log: opts.log, ...(opts.bigquery ? { bigquery: opts.bigquery } : {}) });
  const sink = createCloudMonitoringSink({ projectId: project, ...(opts.metricClient ? { client: opts.metricClient } : {}) });
  const policy = config.monitoringPolicy;
  const image = config.pipelineImage;
  const start: StartTraining = image
    ? createVertexStarter({ project, location: opts.location, image, gcsOutputDirectory: `gs://${config.artifactBucket!}/pipeline-root`, clock: systemClock, env: { SHOP_MLOPS_MODE: 'gcp', GOOGLE_CLOUD_PROJECT: project, SHOP_MLOPS_ARTIFACT_BUCKET: config.artifactBucket! } })
    : () => Promise.reject(new ShopMlopsError('CONFIG_INVALID', `retraining needs the pipeline image (${ENV_NAMES.pipelineImage})`));
  const retrainer = createRetrainer({ store, start, policy, clock: systemClock, sink, logger: opts.log.child({ component: 'retrain' }) });
  return { store, sink, policy, retrainer };
}


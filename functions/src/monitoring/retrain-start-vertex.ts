// The cloud retraining starter: submits the training pipeline to Vertex AI Pipelines with the trigger as pipeline parameters (recorded on the job and its tracked run).
import { compilePipeline } from '../pipeline';
import type { KfpPipelineSpec } from '../pipeline/kfp-spec';
import { submitPipelineJob } from '../adapters/gcp/vertex-pipeline-submit';
import type { VertexRest } from '../adapters/gcp/vertex-rest';
import { training } from '../training/pipeline';
import { triggerParams, type StartTraining } from './retrain';

export interface VertexStarterOptions {
  project: string;
  location: string;
  /** The step container image (what `pipeline submit --image` takes). */
  image: string;
  /** gs://BUCKET/pipeline-root */
  gcsOutputDirectory: string;
  serviceAccount?: string;
  /** Environment of the step containers (SHOP_MLOPS_MODE=gcp and the gcp keys). */
  env?: Record<string, string>;
  clock: { now(): Date };
  /** Tests: a REST transport pointed at an in-process server. */
  client?: VertexRest;
}

/** The account pipeline steps run as (infra/pipeline.tf `google_service_account.pipelines`; the functions may act as it). */
export const PIPELINES_ACCOUNT_ID = 'shop-mlops-pipelines';
export const pipelinesServiceAccount = (project: string) => `${PIPELINES_ACCOUNT_ID}@${project}.iam.gserviceaccount.com`;

const label = (s: string) => s.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 63);

/** Returns when Vertex accepted the job; the job id is the run id (`training-<UTC stamp>-<hex>`). Vertex reports the outcome, not this process. */
export function createVertexStarter(opts: VertexStarterOptions): StartTraining {
  let spec: KfpPipelineSpec | undefined;
  return async (request) => {
    spec ??= compilePipeline(training, { image: opts.image, ...(opts.env ? { env: opts.env } : {}) });
    const stamp = opts.clock.now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '').replace('T', '-').toLowerCase();
    const jobId = `training-${stamp}-${request.request_id.replace(/-/g, '').slice(0, 8)}`;
    await submitPipelineJob({
      project: opts.project,
      location: opts.location,
      spec,
      gcsOutputDirectory: opts.gcsOutputDirectory,
      parameterValues: triggerParams(request),
      jobId,
      displayName: `training (${request.trigger})`,
      labels: { trigger: request.trigger, shop: label(request.shop) },
      ...(opts.serviceAccount ? { serviceAccount: opts.serviceAccount } : {}),
      ...(opts.client ? { client: opts.client } : {}),
    });
    return { runId: jobId };
  };
}

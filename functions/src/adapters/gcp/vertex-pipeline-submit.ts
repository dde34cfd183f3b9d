// Submits a compiled PipelineSpec to Vertex AI Pipelines (PipelineServiceClient.createPipelineJob; the spec travels as a google.protobuf.Struct).
import type { protos } from '@google-cloud/aiplatform';
// Deep imports: the package root loads every Vertex client (about 9 s of start-up here; these two take under 3 s).
import { toValue } from '@google-cloud/aiplatform/build/src/helpers';
import { PipelineServiceClient } from '@google-cloud/aiplatform/build/src/v1/pipeline_service_client';
import { ShopMlopsError } from '../../core/errors';
import { checkParamValue, type ParamType, type ParamValue } from '../../pipeline/io-spec';
import type { KfpParameterType, KfpPipelineSpec } from '../../pipeline/kfp-spec';

export interface SubmitPipelineJobOptions {
  project: string;
  /** Vertex region, e.g. us-central1 (the client talks to `<location>-aiplatform.googleapis.com`). */
  location: string;
  spec: KfpPipelineSpec;
  /** Root folder of the run's artifacts: `gs://<bucket>/pipeline-root`; Vertex writes `<job id>/<task>/<output>` under it. */
  gcsOutputDirectory: string;
  /** Pipeline parameters; checked against the spec's root inputs. */
  parameterValues?: Record<string, ParamValue>;
  /** Job id: [a-z][a-z0-9-]{0,127}; Vertex makes one up when absent. */
  jobId?: string;
  displayName?: string;
  /** The account steps run as (infra/pipeline.tf: shop-mlops-pipelines@PROJECT.iam.gserviceaccount.com). */
  serviceAccount?: string;
  labels?: Record<string, string>;
  /** Stop scheduling new steps once one failed (the local runner's behaviour). Default true. */
  failFast?: boolean;
  /** A client to use (tests point one at an in-process server); otherwise one is made for the region and closed after the call. */
  client?: PipelineServiceClient;
}

export interface SubmittedJob {
  /** projects/P/locations/L/pipelineJobs/ID */
  name: string;
  state: string;
  /** The Vertex console page of the run. */
  consoleUrl: string;
}

const FROM_KFP: Record<KfpParameterType, ParamType> = { STRING: 'string', NUMBER_DOUBLE: 'number', NUMBER_INTEGER: 'integer', BOOLEAN: 'boolean', STRUCT: 'json', LIST: 'list' };

/** Checks parameter values against the spec's root input definitions (unknown, missing, mistyped). */
export function checkJobParameters(spec: KfpPipelineSpec, values: Record<string, ParamValue> = {}): void {
  const defs = spec.root.inputDefinitions?.parameters ?? {};
  for (const k of Object.keys(values)) if (!defs[k]) throw new ShopMlopsError('BAD_REQUEST', `pipeline '${spec.pipelineInfo.name}' has no parameter '${k}'; its parameters are ${Object.keys(defs).join(', ') || '(none)'}`);
  for (const [k, d] of Object.entries(defs)) {
    const v = values[k];
    if (v === undefined) {
      if (!d.isOptional) throw new ShopMlopsError('BAD_REQUEST', `pipeline '${spec.pipelineInfo.name}' needs parameter '${k}'`);
      continue;
    }
    checkParamValue(FROM_KFP[d.parameterType], v, `pipeline parameter '${k}'`);
  }
}

export function pipelineJobRequest(o: SubmitPipelineJobOptions): protos.google.cloud.aiplatform.v1.ICreatePipelineJobRequest {
  if (!/^gs:\/\/[^/]+/.test(o.gcsOutputDirectory)) throw new ShopMlopsError('BAD_REQUEST', `gcsOutputDirectory must be a gs:// URI, got ${JSON.stringify(o.gcsOutputDirectory)}`);
  if (o.jobId !== undefined && !/^[a-z][a-z0-9-]{0,127}$/.test(o.jobId)) throw new ShopMlopsError('BAD_REQUEST', `job id must match [a-z][a-z0-9-]{0,127}, got ${JSON.stringify(o.jobId)}`);
  checkJobParameters(o.spec, o.parameterValues);
  const parameterValues = Object.fromEntries(Object.entries(o.parameterValues ?? {}).map(([k, v]) => [k, toValue(v as object) as protos.google.protobuf.IValue]));
  return {
    parent: `projects/${o.project}/locations/${o.location}`,
    ...(o.jobId ? { pipelineJobId: o.jobId } : {}),
    pipelineJob: {
      displayName: o.displayName ?? o.spec.pipelineInfo.name,
      pipelineSpec: (toValue(o.spec) as protos.google.protobuf.IValue).structValue!,
      runtimeConfig: {
        gcsOutputDirectory: o.gcsOutputDirectory,
        parameterValues,
        failurePolicy: o.failFast === false ? 'PIPELINE_FAILURE_POLICY_FAIL_SLOW' : 'PIPELINE_FAILURE_POLICY_FAIL_FAST',
      },
      ...(o.serviceAccount ? { serviceAccount: o.serviceAccount } : {}),
      ...(o.labels ? { labels: o.labels } : {}),
    },
  };
}

export async function submitPipelineJob(o: SubmitPipelineJobOptions): Promise<SubmittedJob> {
  const request = pipelineJobRequest(o);
  const client = o.client ?? new PipelineServiceClient({ apiEndpoint: `${o.location}-aiplatform.googleapis.com` });
  try {
    const [job] = await client.createPipelineJob(request);
    const name = job.name ?? '';
    const id = name.split('/').pop() ?? '';
    return {
      name,
      state: String(job.state ?? 'PIPELINE_STATE_UNSPECIFIED'),
      consoleUrl: `https://console.cloud.google.com/vertex-ai/locations/${o.location}/pipelines/runs/${id}?project=${o.project}`,
    };
  } catch (err) {
    const e = err as { code?: number; details?: string; message?: string };
    throw new ShopMlopsError(e.code === 3 ? 'BAD_REQUEST' : e.code === 7 || e.code === 16 ? 'UNAUTHORIZED' : 'UNAVAILABLE', `createPipelineJob failed: ${e.details ?? e.message ?? String(err)}`, { cause: err });
  } finally {
    if (!o.client) await client.close();
  }
}

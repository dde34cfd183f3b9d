// Submits a compiled PipelineSpec to Vertex AI Pipelines over REST (POST v1/{parent}/pipelineJobs?pipelineJobId=; the spec is a google.protobuf.Struct: plain JSON).
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';
import { checkParamValue, type ParamType, type ParamValue } from '../../pipeline/io-spec';
import type { KfpParameterType, KfpPipelineSpec } from '../../pipeline/kfp-spec';
import { grpcCode, Code, type VertexClientOptions } from './vertex-common';
import { createVertexRest, type Json, type VertexRest } from './vertex-rest';

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
  /** A REST transport to use; otherwise one is made for the region from clientOptions (default: ADC). */
  client?: VertexRest;
  clientOptions?: VertexClientOptions;
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

/** CreatePipelineJobRequest as REST takes it: `parent` in the path, `pipelineJobId` a query parameter, the PipelineJob the body. */
export interface PipelineJobRequest {
  parent: string;
  pipelineJobId?: string;
  pipelineJob: {
    displayName: string;
    pipelineSpec: Json;
    runtimeConfig: { gcsOutputDirectory: string; parameterValues: Record<string, Json>; failurePolicy: 'PIPELINE_FAILURE_POLICY_FAIL_SLOW' | 'PIPELINE_FAILURE_POLICY_FAIL_FAST' };
    serviceAccount?: string;
    labels?: Record<string, string>;
  };
}

const pipelineJobSchema = z.looseObject({ name: z.string(), state: z.string().optional() });

export function pipelineJobRequest(o: SubmitPipelineJobOptions): PipelineJobRequest {
  if (!/^gs:\/\/[^/]+/.test(o.gcsOutputDirectory)) throw new ShopMlopsError('BAD_REQUEST', `gcsOutputDirectory must be a gs:// URI, got ${JSON.stringify(o.gcsOutputDirectory)}`);
  if (o.jobId !== undefined && !/^[a-z][a-z0-9-]{0,127}$/.test(o.jobId)) throw new ShopMlopsError('BAD_REQUEST', `job id must match [a-z][a-z0-9-]{0,127}, got ${JSON.stringify(o.jobId)}`);
  checkJobParameters(o.spec, o.parameterValues);
  // map<string, google.protobuf.Value> and Struct: plain JSON values in the JSON mapping.
  const parameterValues = JSON.parse(JSON.stringify(o.parameterValues ?? {})) as Record<string, Json>;
  return {
    parent: `projects/${o.project}/locations/${o.location}`,
    ...(o.jobId ? { pipelineJobId: o.jobId } : {}),
    pipelineJob: {
      displayName: o.displayName ?? o.spec.pipelineInfo.name,
      pipelineSpec: JSON.parse(JSON.stringify(o.spec)) as Json,
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
  const client = o.client ?? createVertexRest({ location: o.location, ...(o.clientOptions ?? {}) });
  try {
    const job = await client.request('POST', `${request.parent}/pipelineJobs`, { query: { pipelineJobId: request.pipelineJobId }, body: request.pipelineJob, schema: pipelineJobSchema });
    const name = job.name;
    const id = name.split('/').pop() ?? '';
    return {
      name,
      state: String(job.state ?? 'PIPELINE_STATE_UNSPECIFIED'),
      consoleUrl: `https://console.cloud.google.com/vertex-ai/locations/${o.location}/pipelines/runs/${id}?project=${o.project}`,
    };
  } catch (err) {
    if (err instanceof ShopMlopsError) throw err;
    const code = grpcCode(err);
    const e = err as { details?: string; message?: string; httpStatus?: number };
    throw new ShopMlopsError(code === Code.INVALID_ARGUMENT ? 'BAD_REQUEST' : code === Code.PERMISSION_DENIED || code === Code.UNAUTHENTICATED ? 'UNAUTHORIZED' : 'UNAVAILABLE', `createPipelineJob failed: ${e.details ?? e.message ?? String(err)}`, {
      cause: err,
      ...(code === Code.INVALID_ARGUMENT || code === Code.PERMISSION_DENIED || code === Code.UNAUTHENTICATED ? {} : { retryable: code === undefined || code === Code.UNAVAILABLE || code === Code.RESOURCE_EXHAUSTED || code === Code.DEADLINE_EXCEEDED || (e.httpStatus ?? 0) >= 500 }),
    });
  }
}

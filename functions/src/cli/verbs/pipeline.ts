// `shop-mlops pipeline run|compile|submit|list`: runs a pipeline locally with progress on stderr, or compiles/submits it for Vertex AI Pipelines (the entry point that wires the framework to the product's pipelines and stores).
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { CliContext } from '../context';
import { ShopMlopsError } from '../../core/errors';
import { createFileArtifactStore } from '../../adapters/embedded/file-artifact-store';
import { compilePipeline } from '../../pipeline/compile-kfp';
import { cliParams, pairs } from '../../pipeline/cli-params';
import { runPipeline } from '../../pipeline/local-runner';
import { createProgressReporter } from '../../pipeline/progress';
import { loadPipeline, registeredPipelines } from '../../pipeline/registry';
import '../../pipelines'; // the product's pipelines, registered by name
import { parseVerbArgs } from '../flags';

export const USAGE = [
  'usage: shop-mlops pipeline list',
  '       shop-mlops pipeline run NAME [--module FILE] [--param K=V ...] [--run-id ID] [--concurrency N]',
  '       shop-mlops pipeline compile NAME --image IMAGE [--module FILE] [--env K=V ...] [--out FILE]',
  '       shop-mlops pipeline submit NAME --image IMAGE --project P --location L --output-dir gs://BUCKET/DIR [--param K=V ...] [--service-account SA] [--job-id ID] [--module FILE] [--env K=V ...]',
].join('\n');

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseVerbArgs(
    rest,
    {
      module: { type: 'string' },
      param: { type: 'string', multiple: true },
      env: { type: 'string', multiple: true },
      'run-id': { type: 'string' },
      concurrency: { type: 'string' },
      image: { type: 'string' },
      out: { type: 'string' },
      project: { type: 'string' },
      location: { type: 'string' },
      'output-dir': { type: 'string' },
      'service-account': { type: 'string' },
      'job-id': { type: 'string' },
    },
    USAGE,
    { min: 0, max: 1 },
  );
  if (sub === 'list') {
    if (ctx.json) ctx.out(JSON.stringify({ pipelines: registeredPipelines() }));
    else ctx.out(registeredPipelines().join('\n') || '(no registered pipelines; pass --module FILE)');
    return 0;
  }
  const name = positionals[0];
  if (!sub || !['run', 'compile', 'submit'].includes(sub) || !name) {
    ctx.err(USAGE);
    return 2;
  }
  const pipeline = loadPipeline(name, values.module);
  const need = (k: keyof typeof values): string => {
    const v = values[k];
    if (typeof v !== 'string' || !v) throw new ShopMlopsError('BAD_REQUEST', `pipeline ${sub} needs --${k}`);
    return v;
  };

  if (sub === 'run') {
    const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) throw new ShopMlopsError('BAD_REQUEST', `--concurrency must be a positive integer, got ${values.concurrency}`);
    const report = await runPipeline(pipeline, {
      params: cliParams(pipeline, values.param),
      artifacts: createFileArtifactStore(path.join(ctx.config.dataDir, 'artifacts')),
      ...(values['run-id'] ? { runId: values['run-id'] } : {}),
      ...(concurrency ? { concurrency } : {}),
      hooks: createProgressReporter({ mode: ctx.json ? 'silent' : 'auto' }),
      // Services built from the environment see the store this command selected (--data-dir, mode).
      env: { ...process.env, SHOP_MLOPS_DATA_DIR: ctx.config.dataDir, SHOP_MLOPS_MODE: ctx.config.mode },
    });
    if (ctx.json) ctx.out(JSON.stringify(report));
    return 0;
  }

  const env = Object.fromEntries(pairs(values.env, '--env'));
  const spec = compilePipeline(pipeline, { image: need('image'), ...(values.module ? { module: values.module } : {}), env });
  if (sub === 'compile') {
    const text = JSON.stringify(spec, null, 2) + '\n';
    if (values.out) {
      writeFileSync(values.out, text);
      if (!ctx.json) ctx.err(`wrote ${values.out} (${Object.keys(spec.root.dag.tasks).length} root tasks, ${Object.keys(spec.deploymentSpec.executors).length} executors)`);
    } else ctx.out(text);
    return 0;
  }

  const { submitPipelineJob } = require('../../adapters/gcp/vertex-pipeline-submit') as typeof import('../../adapters/gcp/vertex-pipeline-submit');
  const job = await submitPipelineJob({
    project: need('project'),
    location: need('location'),
    spec,
    gcsOutputDirectory: need('output-dir'),
    parameterValues: cliParams(pipeline, values.param),
    ...(values['service-account'] ? { serviceAccount: values['service-account'] } : {}),
    ...(values['job-id'] ? { jobId: values['job-id'] } : {}),
  });
  if (ctx.json) ctx.out(JSON.stringify(job));
  else ctx.out(`submitted ${job.name} (${job.state})\n${job.consoleUrl}`);
  return 0;
}

export { cliParams } from '../../pipeline/cli-params';

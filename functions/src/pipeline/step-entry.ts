// Container entry point of every pipeline step (the image's ENTRYPOINT): `node functions/lib/pipeline/step-entry.js --pipeline P --step S ...`; it wires the product's pipelines and stores (../pipelines) into the framework.
import { ShopMlopsError } from '../core/errors';
import { createLogger, type Severity } from '../core/log';
import { runContainerStep } from './container-step';
import { loadPipeline } from './registry';
import { parseStepArgs } from './step-args';
import { productArtifactLocator } from '../pipelines';

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const log = createLogger({ level: (env['SHOP_MLOPS_LOG_LEVEL'] as Severity | undefined) ?? 'INFO', component: 'pipeline-step' });
  const t0 = performance.now();
  let step = '?';
  try {
    const inv = parseStepArgs(argv);
    step = inv.step;
    const pipeline = loadPipeline(inv.pipeline, inv.module);
    const { outcome } = await runContainerStep(pipeline, inv, { log, env, locator: productArtifactLocator(log) });
    log.info('step succeeded', { pipeline: pipeline.name, step, runId: inv.runId, seconds: (performance.now() - t0) / 1000, outputs: outcome.outputs, metrics: outcome.metrics, artifacts: Object.fromEntries(Object.entries(outcome.artifacts).map(([k, r]) => [k, r.uri])) });
    return 0;
  } catch (err) {
    const e = ShopMlopsError.fromUnknown(err, 'INTERNAL');
    log.error(`step '${step}' failed: ${e.message}`, { step, code: e.code, seconds: (performance.now() - t0) / 1000, ...(e.stack ? { stack: e.stack } : {}) });
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    // Exit explicitly: a client library's open handle must not keep a finished step's container alive.
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

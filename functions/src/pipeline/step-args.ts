// The step entry point's command line, built by the compiler (with KFP placeholders) and parsed by the container (with the values KFP substituted).
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';

/** The container entry point (the Dockerfile's ENTRYPOINT and every executor's command); relative to the image's WORKDIR, the repository root. */
export const ENTRY_COMMAND: readonly string[] = Object.freeze(['node', 'functions/lib/pipeline/step-entry.js']);

export interface StepInvocation {
  pipeline: string;
  /** A module exporting the pipeline (else the registry finds it by name). */
  module?: string;
  step: string;
  runId: string;
  /** Parameter inputs as text. */
  params: Record<string, string>;
  /** Input artifact URIs. */
  artifacts: Record<string, string>;
  /** Files to write each parameter output to. */
  outputParams: Record<string, string>;
  /** Output artifact URIs. */
  outputArtifacts: Record<string, string>;
  /** Where to write the KFP ExecutorOutput JSON. */
  executorOutput?: string;
}

const PAIRS = { '--param': 'params', '--artifact': 'artifacts', '--output-param': 'outputParams', '--output-artifact': 'outputArtifacts' } as const;

/** argv for the entry point; each value is its own argument, so a KFP placeholder is always a whole argument. */
export function stepArgs(inv: StepInvocation): string[] {
  const args = ['--pipeline', inv.pipeline, ...(inv.module ? ['--module', inv.module] : []), '--step', inv.step, '--run-id', inv.runId];
  for (const [flag, field] of Object.entries(PAIRS)) for (const [k, v] of Object.entries(inv[field])) args.push(flag, k, v);
  if (inv.executorOutput !== undefined) args.push('--executor-output', inv.executorOutput);
  return args;
}

const invocationSchema = z.object({
  pipeline: z.string().min(1),
  module: z.string().min(1).optional(),
  step: z.string().min(1),
  runId: z.string().min(1),
  params: z.record(z.string(), z.string()),
  artifacts: z.record(z.string(), z.string().min(1)),
  outputParams: z.record(z.string(), z.string().min(1)),
  outputArtifacts: z.record(z.string(), z.string().min(1)),
  executorOutput: z.string().min(1).optional(),
});

export function parseStepArgs(argv: string[]): StepInvocation {
  const raw: Record<string, unknown> = { params: {}, artifacts: {}, outputParams: {}, outputArtifacts: {} };
  const need = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined) throw new ShopMlopsError('BAD_REQUEST', `${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const single = { '--pipeline': 'pipeline', '--module': 'module', '--step': 'step', '--run-id': 'runId', '--executor-output': 'executorOutput' }[flag];
    if (single) {
      raw[single] = need(++i, flag);
      continue;
    }
    const field = PAIRS[flag as keyof typeof PAIRS];
    if (!field) throw new ShopMlopsError('BAD_REQUEST', `unknown argument ${JSON.stringify(flag)}; usage: step-entry --pipeline NAME [--module FILE] --step STEP --run-id ID [--param NAME VALUE] [--artifact NAME URI] [--output-param NAME FILE] [--output-artifact NAME URI] [--executor-output FILE]`);
    const name = need(++i, flag);
    const value = need(++i, `${flag} ${name}`);
    const bucket = raw[field] as Record<string, string>;
    if (name in bucket) throw new ShopMlopsError('BAD_REQUEST', `${flag} ${name} given twice`);
    bucket[name] = value;
  }
  const r = invocationSchema.safeParse(raw);
  if (!r.success) throw new ShopMlopsError('BAD_REQUEST', `step-entry: ${r.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}`);
  return r.data as StepInvocation;
}

/** KFP placeholders (the forms in pipeline_spec.proto's ExecutorInput documentation). */
export const placeholder = {
  inputParam: (name: string) => `{{$.inputs.parameters['${name}']}}`,
  inputArtifactUri: (name: string) => `{{$.inputs.artifacts['${name}'].uri}}`,
  outputParamFile: (name: string) => `{{$.outputs.parameters['${name}'].output_file}}`,
  outputArtifactUri: (name: string) => `{{$.outputs.artifacts['${name}'].uri}}`,
  executorOutput: '{{$.outputs.output_file}}',
  /** Substituted by the pipeline backend in a task input's constant: the pipeline job's name. */
  pipelineJobName: '{{$.pipeline_job_name}}',
};

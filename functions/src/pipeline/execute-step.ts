// Runs one step's code the same way for both runners: builds its context, calls run(), checks the returned outputs and written artifacts, folds metrics in.
import { ShopMlopsError } from '../core/errors';
import type { Logger } from '../core/log';
import { inputArtifact, outputArtifact, type ArtifactLocation, type InputArtifact, type OutputArtifact } from './artifacts';
import type { AnyPipeline, Task } from './define';
import type { ArtifactRecord } from './hooks';
import { checkParamValue, type JsonValue, type ParamValue } from './io-spec';
import type { StepContext, StepRunInfo } from './step';
import type { IoMap } from './io-spec';

export interface ExecuteStepArgs {
  pipeline: AnyPipeline;
  task: Task;
  /** Parameter inputs by input name (defaults already applied). */
  params: Record<string, ParamValue>;
  inputArtifacts: Record<string, ArtifactLocation>;
  outputArtifacts: Record<string, ArtifactLocation>;
  services: unknown;
  run: StepRunInfo;
  log: Logger;
  signal: AbortSignal;
  onMetric?: (name: string, value: number) => void;
  onProgress?: (done: number, total: number, note?: string) => void;
}

export interface StepOutcome {
  outputs: Record<string, ParamValue>;
  artifacts: Record<string, ArtifactRecord>;
  metrics: Record<string, number>;
}

/** Fills in declared defaults for unbound parameter inputs. */
export function withDefaults(task: Task, params: Record<string, ParamValue>): Record<string, ParamValue> {
  const out = { ...params };
  for (const [k, s] of Object.entries(task.step.inputs)) if (s.kind === 'param' && out[k] === undefined && s.default !== undefined) out[k] = s.default as ParamValue;
  return out;
}

export async function executeStep(a: ExecuteStepArgs): Promise<StepOutcome> {
  const { task } = a;
  const at = `step '${task.name}'`;
  const inputs: Record<string, ParamValue | InputArtifact> = {};
  for (const [k, s] of Object.entries(task.step.inputs)) {
    if (s.kind === 'param') {
      const v = a.params[k];
      if (v === undefined) throw new ShopMlopsError('BAD_REQUEST', `${at}: no value for input '${k}'`);
      checkParamValue(s.type, v, `${at} input '${k}'`);
      inputs[k] = v;
    } else {
      const loc = a.inputArtifacts[k];
      if (!loc) throw new ShopMlopsError('BAD_REQUEST', `${at}: no URI for input artifact '${k}'`);
      inputs[k] = inputArtifact(k, s.type, loc);
    }
  }
  const outputs: Record<string, OutputArtifact> = {};
  for (const [k, s] of Object.entries(task.step.outputs)) {
    if (s.kind !== 'artifact') continue;
    const loc = a.outputArtifacts[k];
    if (!loc) throw new ShopMlopsError('BAD_REQUEST', `${at}: no URI for output artifact '${k}'`);
    outputs[k] = outputArtifact(k, s.type, loc);
  }
  const metrics: Record<string, number> = {};
  const ctx: StepContext<IoMap, IoMap, unknown> = {
    inputs: inputs as StepContext<IoMap, IoMap, unknown>['inputs'],
    outputs: outputs as StepContext<IoMap, IoMap, unknown>['outputs'],
    services: a.services,
    run: a.run,
    log: a.log,
    signal: a.signal,
    metric(name, value) {
      if (typeof name !== 'string' || !name) throw new ShopMlopsError('BAD_REQUEST', `${at}: a metric needs a name`);
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new ShopMlopsError('UNPROCESSABLE', `${at}: metric '${name}' must be a finite number, got ${String(value)}`);
      metrics[name] = value;
      a.onMetric?.(name, value);
    },
    progress(done, total, note) {
      a.onProgress?.(done, total, note);
    },
  };

  const returned = (await task.step.run(ctx)) ?? {};
  if (typeof returned !== 'object' || Array.isArray(returned)) throw new ShopMlopsError('INTERNAL', `${at}: run() must return an object of its parameter outputs`);
  const result = returned as Record<string, unknown>;
  const declared = Object.entries(task.step.outputs).filter(([, s]) => s.kind === 'param').map(([k]) => k);
  for (const k of Object.keys(result)) {
    if (!declared.includes(k)) throw new ShopMlopsError('INTERNAL', `${at} returned '${k}', which is not one of its parameter outputs (${declared.join(', ') || 'none'})`);
  }
  const params: Record<string, ParamValue> = {};
  for (const [k, s] of Object.entries(task.step.outputs)) {
    if (s.kind !== 'param') continue;
    if (result[k] === undefined) throw new ShopMlopsError('INTERNAL', `${at} returned no value for output '${k}'`);
    checkParamValue(s.type, result[k], `${at} output '${k}'`);
    params[k] = result[k];
  }
  const artifacts: Record<string, ArtifactRecord> = {};
  for (const [k, o] of Object.entries(outputs)) {
    if (o.type === 'Metrics') {
      Object.assign(o.metadata, metrics);
      if (!o.written) await o.writeJson(metrics);
    }
    if (!o.written) throw new ShopMlopsError('INTERNAL', `${at} did not write its output artifact '${k}'`);
    artifacts[k] = { uri: o.uri, type: o.type, metadata: { ...o.metadata } as Record<string, JsonValue> };
  }
  return { outputs: params, artifacts, metrics };
}

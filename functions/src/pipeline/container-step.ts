// Runs one step inside a KFP container: inputs from the substituted arguments, outputs to the artifact URIs, the output parameter files and executor_output.json.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { ShopMlopsError } from '../core/errors';
import { silentLogger, type Logger } from '../core/log';
import type { ArtifactLocation, ArtifactLocator } from './artifacts';
import type { AnyPipeline } from './define';
import { executeStep, type StepOutcome } from './execute-step';
import { formatParamText, parseParamText, type JsonValue, type ParamValue } from './io-spec';
import type { StepInvocation } from './step-args';

/** KFP's ExecutorOutput (pipeline_spec.proto) in its JSON form. */
export interface ExecutorOutput {
  parameterValues: Record<string, ParamValue>;
  artifacts: Record<string, { artifacts: Array<{ uri: string; metadata: Record<string, JsonValue> }> }>;
}

export interface ContainerStepOptions {
  log?: Logger;
  /** Maps the artifact URIs KFP hands the step to stores (the entry point wires the adapters: functions/src/pipelines.ts). */
  locator: ArtifactLocator;
  env?: NodeJS.ProcessEnv;
  /** Services for the step; when absent the pipeline's factory builds them (closed after the step). */
  services?: unknown;
}

async function writeFileAtomic(file: string, text: string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, text);
  await fsp.rename(tmp, file);
}

export async function runContainerStep(p: AnyPipeline, inv: StepInvocation, opts: ContainerStepOptions): Promise<{ outcome: StepOutcome; executorOutput: ExecutorOutput }> {
  const task = p.task(inv.step);
  const at = `step '${task.name}'`;
  const log = (opts.log ?? silentLogger).child({ pipeline: p.name, runId: inv.runId, step: task.name });
  const locate = opts.locator;

  const known = (given: Record<string, string>, kind: 'param' | 'artifact', flag: string, specs: AnyPipeline['tasks'][number]['step']['inputs']) => {
    for (const k of Object.keys(given)) if (specs[k]?.kind !== kind) throw new ShopMlopsError('BAD_REQUEST', `${at} has no ${kind === 'param' ? 'parameter' : 'artifact'} ${flag.includes('output') ? 'output' : 'input'} '${k}' (${flag})`);
  };
  known(inv.params, 'param', '--param', task.step.inputs);
  known(inv.artifacts, 'artifact', '--artifact', task.step.inputs);
  known(inv.outputParams, 'param', '--output-param', task.step.outputs);
  known(inv.outputArtifacts, 'artifact', '--output-artifact', task.step.outputs);

  const params: Record<string, ParamValue> = {};
  const inputArtifacts: Record<string, ArtifactLocation> = {};
  for (const [k, s] of Object.entries(task.step.inputs)) {
    if (s.kind === 'param') {
      const text = inv.params[k];
      if (text !== undefined) params[k] = parseParamText(s.type, text, `${at} input '${k}'`);
      else if (s.default !== undefined) params[k] = s.default as ParamValue;
      else throw new ShopMlopsError('BAD_REQUEST', `${at} needs --param ${k}`);
    } else {
      const uri = inv.artifacts[k];
      if (!uri) throw new ShopMlopsError('BAD_REQUEST', `${at} needs --artifact ${k}`);
      inputArtifacts[k] = locate(uri);
    }
  }
  const outputArtifacts: Record<string, ArtifactLocation> = {};
  for (const [k, s] of Object.entries(task.step.outputs)) {
    if (s.kind !== 'artifact') continue;
    const uri = inv.outputArtifacts[k];
    if (!uri) throw new ShopMlopsError('BAD_REQUEST', `${at} needs --output-artifact ${k}`);
    outputArtifacts[k] = locate(uri);
  }

  let services = opts.services;
  let own: { close?: () => Promise<void> | void } | undefined;
  if (services === undefined && p.services) services = own = (await p.services({ where: 'container', env: opts.env ?? process.env, log })) as typeof own;
  const abort = new AbortController();
  let outcome: StepOutcome;
  try {
    outcome = await executeStep({
      pipeline: p,
      task,
      params,
      inputArtifacts,
      outputArtifacts,
      services,
      run: { id: inv.runId, pipeline: p.name, step: task.name, attempt: 1, where: 'container' },
      log,
      signal: abort.signal,
      onMetric: (name, value) => log.info('metric', { metric: name, value }),
      onProgress: (done, total, note) => log.debug('progress', { done, total, ...(note ? { note } : {}) }),
    });
  } finally {
    if (own?.close) await own.close();
  }

  for (const [k, s] of Object.entries(task.step.outputs)) {
    if (s.kind !== 'param') continue;
    const file = inv.outputParams[k];
    if (file) await writeFileAtomic(file, formatParamText(s.type, outcome.outputs[k]!));
  }
  const executorOutput: ExecutorOutput = {
    parameterValues: outcome.outputs,
    artifacts: Object.fromEntries(Object.entries(outcome.artifacts).map(([k, r]) => [k, { artifacts: [{ uri: r.uri, metadata: r.metadata }] }])),
  };
  if (inv.executorOutput) await writeFileAtomic(inv.executorOutput, JSON.stringify(executorOutput));
  return { outcome, executorOutput };
}

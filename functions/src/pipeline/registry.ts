// Pipelines the container's step entry point (and the CLI) can find by name, as the entry points register them; a module path works for any other pipeline.
import * as path from 'node:path';
import { ShopMlopsError } from '../core/errors';
import { isPipeline, type AnyPipeline } from './define';

/**
 * Name → loader, filled by the entry points (functions/src/pipelines.ts registers the product's): the framework knows
 * no particular pipeline. Loaders `require` lazily so a step container loads only its own pipeline's code.
 */
const REGISTRY: Record<string, () => AnyPipeline> = {};

/** Makes a pipeline findable by name (`pipeline run NAME`, the step container's `--pipeline NAME`); the last registration wins. */
export function registerPipeline(name: string, load: () => AnyPipeline): void {
  REGISTRY[name] = load;
}

/** Every pipeline a module exports (any export, default included). */
export function pipelinesOf(mod: unknown): AnyPipeline[] {
  const out: AnyPipeline[] = [];
  if (isPipeline(mod)) out.push(mod);
  if (mod && typeof mod === 'object') for (const v of Object.values(mod)) if (isPipeline(v) && !out.includes(v)) out.push(v);
  return out;
}

/** The pipeline named `name` among a module's exports. */
export function exported(mod: unknown, name: string, from = 'module'): AnyPipeline {
  const all = pipelinesOf(mod);
  const p = all.find((x) => x.name === name);
  if (!p) throw new ShopMlopsError('BAD_REQUEST', `${from} exports no pipeline named '${name}'${all.length ? `; it exports ${all.map((x) => x.name).join(', ')}` : ''}`);
  return p;
}

export const registeredPipelines = (): string[] => Object.keys(REGISTRY).sort();

/** Finds a pipeline by name: from `module` (a file path, resolved from the working directory; .ts through tsx) or the registry. */
export function loadPipeline(name: string, module?: string): AnyPipeline {
  if (module) {
    const file = path.resolve(module);
    if (/\.[cm]?ts$/.test(file)) require('tsx/cjs');
    return exported(require(file), name, module);
  }
  const load = REGISTRY[name];
  if (!load) throw new ShopMlopsError('BAD_REQUEST', `no pipeline named '${name}'; registered: ${registeredPipelines().join(', ') || '(none)'} (or pass --module FILE)`);
  return load();
}

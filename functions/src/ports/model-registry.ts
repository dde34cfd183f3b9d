// Port: the model registry. Numbered versions per model with lineage to their training run, and aliases moved atomically.
import { ShopMlopsError } from '../core/errors';
import { assertArtifactKey } from './artifact-store';
import type { ParamValue } from './run-tracker';
import { RUN_ID, assertMetrics, assertParams } from './run-tracker';

export interface ModelVersion {
  model: string;
  /** 1, 2, 3, ... in registration order (Vertex: the model's version id). */
  version: number;
  /** Lineage: the RunTracker run that produced this version. */
  runId: string;
  /** Where the version's files live (ArtifactStore.uri of its key prefix: a path, or gs://bucket/prefix/...). */
  artifactUri: string;
  metrics: Record<string, number>;
  params: Record<string, ParamValue>;
  /** Aliases this version holds, sorted ('champion', 'challenger', ...). */
  aliases: string[];
  createdAt: string;
  description: string;
}

export interface RegisterVersionInput {
  model: string;
  runId: string;
  /** Key prefix in the ArtifactStore holding the version's files (e.g. `models/forecast/<runId>`); must hold at least one object. */
  artifactKey: string;
  metrics?: Record<string, number>;
  params?: Record<string, ParamValue>;
  /** Aliases to move onto the new version in the same step. */
  aliases?: string[];
  description?: string;
}

export interface ModelRegistry {
  registerVersion(input: RegisterVersionInput): Promise<ModelVersion>;
  /** `ref` is a version number (or its decimal string) or an alias; null when there is no such version or alias. */
  getVersion(model: string, ref: number | string): Promise<ModelVersion | null>;
  /** Every version, oldest first; [] for an unknown model. */
  listVersions(model: string): Promise<ModelVersion[]>;
  /**
   * Moves `alias` onto `version` in one atomic step: readers see it on the old version or on the new one, never on
   * two or none; concurrent movers serialise (the last one wins). NOT_FOUND when the version does not exist.
   */
  setAlias(model: string, alias: string, version: number): Promise<ModelVersion>;
  /** Removes the alias from whichever version holds it; false when no version did. */
  deleteAlias(model: string, alias: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * An app serves many shops: each shop has its own registry, so versions, aliases and lineage never cross shops
 * (shop A's champion is not shop B's). `forShop` validates the shop and returns the same registry for the same shop.
 */
export interface ModelRegistries {
  forShop(shop: string): ModelRegistry;
  close(): Promise<void>;
}

/** A shop's permanent domain, e.g. `demo-store.myshopify.com`: the key of its registry and of its endpoints. */
export const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]{0,61}\.myshopify\.com$/;

export function assertRegistryShop(shop: string): void {
  if (typeof shop !== 'string' || !SHOP_DOMAIN.test(shop)) throw bad(`shop: ${JSON.stringify(shop)} is not a myshopify domain`);
}

/** Registries that build one registry per shop on first use and keep it. */
export function cachedRegistries(build: (shop: string) => ModelRegistry): ModelRegistries {
  const byShop = new Map<string, ModelRegistry>();
  return {
    forShop(shop) {
      assertRegistryShop(shop);
      let r = byShop.get(shop);
      if (!r) byShop.set(shop, (r = build(shop)));
      return r;
    },
    async close() {
      await Promise.all([...byShop.values()].map((r) => r.close()));
      byShop.clear();
    },
  };
}

/** Vertex model ids: up to 63 characters of a-z, 0-9, '_' and '-', not starting with a digit or '-'. */
export const MODEL_NAME = /^[a-z_][a-z0-9_-]{0,62}$/;
/** Vertex version aliases: [a-z][a-zA-Z0-9-]{0,126}[a-z0-9]. */
export const ALIAS = /^[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]$/;
/** Vertex gives the first version of every model the alias 'default' and manages it itself; the port keeps it out. */
export const RESERVED_ALIASES = new Set(['default']);

const bad = (message: string): ShopMlopsError => new ShopMlopsError('BAD_REQUEST', message);

export function assertModelName(model: string): void {
  if (typeof model !== 'string' || !MODEL_NAME.test(model)) throw bad(`model: ${JSON.stringify(model)} must be 1-63 characters of a-z, 0-9, '_' and '-', not starting with a digit or '-'`);
}

export function assertAlias(alias: string): void {
  if (typeof alias !== 'string' || !ALIAS.test(alias)) throw bad(`alias: ${JSON.stringify(alias)} must match [a-z][a-zA-Z0-9-]{0,126}[a-z0-9]`);
  if (RESERVED_ALIASES.has(alias)) throw bad(`alias: '${alias}' is reserved (Vertex AI manages it)`);
}

export function assertVersionNumber(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) throw bad(`version: ${version} is not a positive integer`);
}

export function assertRegisterInput(input: RegisterVersionInput): void {
  assertModelName(input.model);
  if (typeof input.runId !== 'string' || !RUN_ID.test(input.runId)) throw bad(`runId: ${JSON.stringify(input.runId)} is not a run id (<experiment>-<name>)`);
  try {
    assertArtifactKey(input.artifactKey);
  } catch {
    throw bad(`artifactKey: ${JSON.stringify(input.artifactKey)} is not an artifact key (relative, '/'-separated, no '..')`);
  }
  assertMetrics(input.metrics ?? {});
  assertParams(input.params ?? {});
  const aliases = input.aliases ?? [];
  for (const a of aliases) assertAlias(a);
  if (new Set(aliases).size !== aliases.length) throw bad(`aliases: ${aliases.join(', ')} has duplicates`);
  if ((input.description ?? '').length > 1000) throw bad('description: longer than 1000 characters');
}

/** Parses a getVersion reference: a number or decimal string is a version, anything else an alias. */
export function parseVersionRef(ref: number | string): { version: number } | { alias: string } | null {
  if (typeof ref === 'number') return Number.isSafeInteger(ref) && ref >= 1 ? { version: ref } : null;
  if (/^[1-9][0-9]{0,15}$/.test(ref)) return { version: Number(ref) };
  return ALIAS.test(ref) && !RESERVED_ALIASES.has(ref) ? { alias: ref } : null;
}

export const noSuchVersion = (model: string, version: number): ShopMlopsError => new ShopMlopsError('NOT_FOUND', `model ${model} has no version ${version}`);

// Embedded ModelRegistry: one append-only journal per model (per shop: <dir>/<shop>/<model>.jsonl); versions and aliases are folded from it.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { ShopMlopsError } from '../../core/errors';
import type { ArtifactStore } from '../../ports/artifact-store';
import {
  assertAlias,
  assertModelName,
  assertRegisterInput,
  assertVersionNumber,
  noSuchVersion,
  parseVersionRef,
  cachedRegistries,
  type ModelRegistries,
  type ModelRegistry,
  type ModelVersion,
} from '../../ports/model-registry';
import { artifactExists, type ParamValue } from '../../ports/run-tracker';
import { appendRecords, readRecords } from './jsonl-journal';

export interface FileModelRegistryOptions {
  /** Directory of the journals, e.g. `<dataDir>/registry`. */
  dir: string;
  /** Where the versions' files live; registerVersion checks its key prefix holds something. */
  artifacts: ArtifactStore;
  now?: () => Date;
}

type RegisterRecord = {
  t: 'register';
  id: string;
  runId: string;
  artifactUri: string;
  metrics: Record<string, number>;
  params: Record<string, ParamValue>;
  aliases: string[];
  description: string;
  at: string;
};
type AliasRecord = { t: 'alias'; alias: string; version: number; at: string };
type UnaliasRecord = { t: 'unalias'; alias: string; at: string };
type RegistryRecord = RegisterRecord | AliasRecord | UnaliasRecord;

interface Folded {
  versions: ModelVersion[];
  /** Registration record id → version number. */
  byId: Map<string, number>;
  /** alias → version number. */
  aliases: Map<string, number>;
}

/**
 * Replays the journal. A version's number is the position of its register record among all register records, so
 * concurrent registrations from several processes get distinct numbers without a lock; alias records are applied in
 * journal order, so an alias always sits on exactly one version and the last mover wins.
 */
function fold(model: string, records: RegistryRecord[]): Folded {
  const versions: ModelVersion[] = [];
  const byId = new Map<string, number>();
  const aliases = new Map<string, number>();
  for (const r of records) {
    if (r.t === 'register') {
      const version = versions.length + 1;
      versions.push({ model, version, runId: r.runId, artifactUri: r.artifactUri, metrics: r.metrics, params: r.params, aliases: [], createdAt: r.at, description: r.description });
      byId.set(r.id, version);
      for (const a of r.aliases) aliases.set(a, version);
    } else if (r.t === 'alias') {
      if (r.version >= 1 && r.version <= versions.length) aliases.set(r.alias, r.version);
    } else if (r.t === 'unalias') {
      aliases.delete(r.alias);
    }
  }
  for (const [alias, v] of aliases) versions[v - 1]!.aliases.push(alias);
  for (const v of versions) v.aliases.sort();
  return { versions, byId, aliases };
}

export function createFileModelRegistry(opts: FileModelRegistryOptions): ModelRegistry {
  const now = opts.now ?? (() => new Date());
  const journal = (model: string) => path.join(opts.dir, `${model}.jsonl`);
  const load = async (model: string): Promise<Folded> => fold(model, (await readRecords<RegistryRecord>(journal(model)))?.records ?? []);

  return {
    async registerVersion(input) {
      assertRegisterInput(input);
      if (!(await artifactExists(opts.artifacts, input.artifactKey))) {
        throw new ShopMlopsError('BAD_REQUEST', `artifactKey: nothing stored under ${input.artifactKey} in the artifact store (write the model files first)`);
      }
      const rec: RegisterRecord = {
        t: 'register',
        id: randomUUID(),
        runId: input.runId,
        artifactUri: opts.artifacts.uri(input.artifactKey),
        metrics: { ...(input.metrics ?? {}) },
        params: { ...(input.params ?? {}) },
        aliases: [...(input.aliases ?? [])],
        description: input.description ?? '',
        at: now().toISOString(),
      };
      await appendRecords(journal(input.model), [rec]);
      const f = await load(input.model);
      const version = f.byId.get(rec.id);
      if (!version) throw new ShopMlopsError('INTERNAL', `registration ${rec.id} of ${input.model} is not in its journal after the write`);
      return f.versions[version - 1]!;
    },

    async getVersion(model, ref) {
      assertModelName(model);
      const r = parseVersionRef(ref);
      if (!r) return null;
      const f = await load(model);
      const v = 'version' in r ? r.version : f.aliases.get(r.alias);
      return v === undefined ? null : (f.versions[v - 1] ?? null);
    },

    async listVersions(model) {
      assertModelName(model);
      return (await load(model)).versions;
    },

    async setAlias(model, alias, version) {
      assertModelName(model);
      assertAlias(alias);
      assertVersionNumber(version);
      // Versions are never removed, so one that exists now still exists when the alias record lands.
      if (!(await load(model)).versions[version - 1]) throw noSuchVersion(model, version);
      await appendRecords(journal(model), [{ t: 'alias', alias, version, at: now().toISOString() } satisfies AliasRecord]);
      return (await load(model)).versions[version - 1]!;
    },

    async deleteAlias(model, alias) {
      assertModelName(model);
      assertAlias(alias);
      if (!(await load(model)).aliases.has(alias)) return false;
      await appendRecords(journal(model), [{ t: 'unalias', alias, at: now().toISOString() } satisfies UnaliasRecord]);
      return true;
    },

    async close() {
      /* nothing held open */
    },
  };
}

/** Every shop's registry under one directory: `<dir>/<shop>/<model>.jsonl` (versions and aliases never cross shops). */
export function createFileModelRegistries(opts: FileModelRegistryOptions): ModelRegistries {
  return cachedRegistries((shop) => createFileModelRegistry({ ...opts, dir: path.join(opts.dir, shop) }));
}

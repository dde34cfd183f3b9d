// The ModelRegistry port's contract as one jest suite; every adapter (journal files, Vertex AI Model Registry) runs it unchanged.
import { ShopMlopsError } from '../../functions/src/core/errors';
import type { ArtifactStore } from '../../functions/src/ports/artifact-store';
import type { ModelRegistry, ModelVersion } from '../../functions/src/ports/model-registry';
import { Prng } from '../../functions/src/simulator/prng';

export interface ModelRegistryHarness {
  registry: ModelRegistry;
  /** The store the registry resolves artifact keys in; the suite writes model files here first. */
  artifacts: ArtifactStore;
  /** A second registry instance over the same storage (another process, another Cloud Function instance). */
  another(): ModelRegistry;
  /** The registry of another shop over the same storage (the same ModelRegistries). */
  otherShop(): ModelRegistry;
  cleanup(): Promise<void>;
}

const RUN = (n: number) => `demand-forecast-20260102-0304${String(n).padStart(2, '0')}-ab${String(n).padStart(2, '0')}`;

/** Writes a model's files and registers it. */
export async function registerWithFiles(h: ModelRegistryHarness, model: string, n: number, extra: { aliases?: string[]; metrics?: Record<string, number> } = {}): Promise<ModelVersion> {
  const key = `models/${model}/${RUN(n)}`;
  await h.artifacts.put(`${key}/model.json`, JSON.stringify({ weights: [n, n + 1] }), { contentType: 'application/json' });
  return h.registry.registerVersion({ model, runId: RUN(n), artifactKey: key, metrics: extra.metrics ?? { mase: 1 / n }, params: { horizon: 28, method: 'croston' }, ...(extra.aliases ? { aliases: extra.aliases } : {}) });
}

const holders = (versions: ModelVersion[], alias: string) => versions.filter((v) => v.aliases.includes(alias)).map((v) => v.version);

async function rejectsWith(p: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ShopMlopsError);
  expect((err as ShopMlopsError).code).toBe(code);
  expect((err as Error).message).toMatch(text);
}

export function modelRegistryContract(name: string, make: () => Promise<ModelRegistryHarness>): void {
  describe(`ModelRegistry contract: ${name}`, () => {
    let h: ModelRegistryHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    test('versions are numbered 1, 2, ... and keep lineage, artifact uri, metrics, params and description exactly', async () => {
      await h.artifacts.put(`models/forecast/${RUN(1)}/model.json`, '{"w":[1]}');
      const v1 = await h.registry.registerVersion({
        model: 'forecast',
        runId: RUN(1),
        artifactKey: `models/forecast/${RUN(1)}`,
        metrics: { mase: 0.8123456789012345, coverage_80: 0.79, rows: 123456 },
        params: { horizon: 28, method: 'croston', seasonal: false },
        description: 'first croston fit\nsecond line',
      });
      expect(v1).toMatchObject({ model: 'forecast', version: 1, runId: RUN(1), artifactUri: h.artifacts.uri(`models/forecast/${RUN(1)}`), aliases: [], description: 'first croston fit\nsecond line' });
      expect(v1.metrics).toEqual({ mase: 0.8123456789012345, coverage_80: 0.79, rows: 123456 });
      expect(v1.params).toEqual({ horizon: 28, method: 'croston', seasonal: false });
      expect(Number.isNaN(Date.parse(v1.createdAt))).toBe(false);
      const v2 = await registerWithFiles(h, 'forecast', 2);
      expect(v2.version).toBe(2);
      expect(v2.runId).toBe(RUN(2));
      expect((await h.registry.listVersions('forecast')).map((v) => [v.version, v.runId])).toEqual([
        [1, RUN(1)],
        [2, RUN(2)],
      ]);
      expect(await h.registry.getVersion('forecast', 1)).toEqual(v1);
      expect((await h.registry.getVersion('forecast', '2'))?.runId).toBe(RUN(2));
      // Another instance over the same storage sees the same registry.
      expect(await h.another().listVersions('forecast')).toEqual(await h.registry.listVersions('forecast'));
    });

    test('unknown models, versions and aliases read as empty or null', async () => {
      expect(await h.registry.listVersions('never_registered')).toEqual([]);
      expect(await h.registry.getVersion('never_registered', 1)).toBeNull();
      await registerWithFiles(h, 'clv', 1);
      expect(await h.registry.getVersion('clv', 2)).toBeNull();
      expect(await h.registry.getVersion('clv', 0)).toBeNull();
      expect(await h.registry.getVersion('clv', 'champion')).toBeNull();
      expect(await h.registry.getVersion('clv', 'default')).toBeNull();
      expect(await h.registry.deleteAlias('clv', 'champion')).toBe(false);
    });

    test('aliases given at registration move onto the new version in the same step', async () => {
      await registerWithFiles(h, 'recs', 1, { aliases: ['champion'] });
      await registerWithFiles(h, 'recs', 2, { aliases: ['challenger'] });
      const v3 = await registerWithFiles(h, 'recs', 3, { aliases: ['champion', 'shadow'] });
      expect(v3.aliases).toEqual(['champion', 'shadow']);
      const all = await h.registry.listVersions('recs');
      expect(all.map((v) => v.aliases)).toEqual([[], ['challenger'], ['champion', 'shadow']]);
      expect((await h.registry.getVersion('recs', 'champion'))?.version).toBe(3);
      expect((await h.registry.getVersion('recs', 'challenger'))?.version).toBe(2);
    });

    test('setAlias moves an alias: it sits on exactly one version afterwards, and deleteAlias removes it once', async () => {
      for (let n = 1; n <= 3; n++) await registerWithFiles(h, 'forecast', n);
      const a = await h.registry.setAlias('forecast', 'champion', 1);
      expect(a).toMatchObject({ version: 1, aliases: ['champion'] });
      const b = await h.registry.setAlias('forecast', 'champion', 3);
      expect(b).toMatchObject({ version: 3, aliases: ['champion'] });
      await h.registry.setAlias('forecast', 'challenger', 1);
      let all = await h.registry.listVersions('forecast');
      expect(holders(all, 'champion')).toEqual([3]);
      expect(holders(all, 'challenger')).toEqual([1]);
      // Idempotent: setting it where it already is changes nothing.
      await h.registry.setAlias('forecast', 'champion', 3);
      expect(holders(await h.registry.listVersions('forecast'), 'champion')).toEqual([3]);
      expect(await h.registry.deleteAlias('forecast', 'champion')).toBe(true);
      expect(await h.registry.deleteAlias('forecast', 'champion')).toBe(false);
      all = await h.registry.listVersions('forecast');
      expect(holders(all, 'champion')).toEqual([]);
      expect(holders(all, 'challenger')).toEqual([1]);
      expect(await h.registry.getVersion('forecast', 'champion')).toBeNull();
    });

    test('moving an alias to a version that does not exist is NOT_FOUND and leaves the alias where it was', async () => {
      await registerWithFiles(h, 'forecast', 1, { aliases: ['champion'] });
      await rejectsWith(h.registry.setAlias('forecast', 'champion', 7), 'NOT_FOUND', /version 7/);
      expect(holders(await h.registry.listVersions('forecast'), 'champion')).toEqual([1]);
      await rejectsWith(h.registry.setAlias('nothing_here', 'champion', 1), 'NOT_FOUND', /version 1/);
    });

    test('concurrent movers serialise: every reader sees the alias on exactly one version, the last mover wins', async () => {
      for (let n = 1; n <= 4; n++) await registerWithFiles(h, 'forecast', n, n === 1 ? { aliases: ['champion'] } : {});
      const rand = new Prng(7);
      const targets = Array.from({ length: 24 }, () => 1 + rand.int(4));
      const other = h.another();
      const observed: number[][] = [];
      let moving = true;
      const reader = (async () => {
        while (moving) observed.push(holders(await other.listVersions('forecast'), 'champion'));
      })();
      const results = await Promise.all(targets.map((v, i) => (i % 2 ? other : h.registry).setAlias('forecast', 'champion', v)));
      moving = false;
      await reader;
      expect(results.map((r) => r.version)).toEqual(targets);
      expect(observed.length).toBeGreaterThan(0);
      for (const o of observed) expect(o).toHaveLength(1);
      const final = holders(await h.registry.listVersions('forecast'), 'champion');
      expect(final).toHaveLength(1);
      expect(targets).toContain(final[0]);
      // The winner is one of the movers, and the registry agrees with itself from both instances.
      expect((await other.getVersion('forecast', 'champion'))?.version).toBe(final[0]);
    });

    test('concurrent registrations get distinct consecutive version numbers', async () => {
      const other = h.another();
      await Promise.all([1, 2, 3, 4, 5, 6].map((n) => h.artifacts.put(`models/clv/${RUN(n)}/m.bin`, Buffer.from([n]))));
      const made = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => (n % 2 ? h.registry : other).registerVersion({ model: 'clv', runId: RUN(n), artifactKey: `models/clv/${RUN(n)}` })));
      expect(made.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
      const listed = await h.registry.listVersions('clv');
      expect(listed.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
      for (const v of made) expect(listed[v.version - 1]!.runId).toBe(v.runId);
    });

    test('bad input is rejected with BAD_REQUEST naming the field, before anything is stored', async () => {
      await h.artifacts.put('models/m/r/x.bin', 'x');
      const base = { model: 'forecast', runId: RUN(1), artifactKey: 'models/m/r' };
      await rejectsWith(h.registry.registerVersion({ ...base, model: 'Forecast' }), 'BAD_REQUEST', /^model:/);
      await rejectsWith(h.registry.registerVersion({ ...base, model: '9lives' }), 'BAD_REQUEST', /^model:/);
      await rejectsWith(h.registry.registerVersion({ ...base, runId: 'not a run' }), 'BAD_REQUEST', /^runId:/);
      await rejectsWith(h.registry.registerVersion({ ...base, metrics: { mase: Number.NaN } }), 'BAD_REQUEST', /^metrics\.mase:/);
      await rejectsWith(h.registry.registerVersion({ ...base, aliases: ['Champion'] }), 'BAD_REQUEST', /^alias:/);
      await rejectsWith(h.registry.registerVersion({ ...base, aliases: ['default'] }), 'BAD_REQUEST', /reserved/);
      await rejectsWith(h.registry.registerVersion({ ...base, aliases: ['champion', 'champion'] }), 'BAD_REQUEST', /duplicates/);
      await rejectsWith(h.registry.registerVersion({ ...base, artifactKey: '../etc' }), 'BAD_REQUEST', /^artifactKey:/);
      await rejectsWith(h.registry.registerVersion({ ...base, artifactKey: 'models/m/missing' }), 'BAD_REQUEST', /nothing stored under models\/m\/missing/);
      await rejectsWith(h.registry.setAlias('forecast', 'x', 1), 'BAD_REQUEST', /^alias:/);
      await rejectsWith(h.registry.setAlias('forecast', 'champion', 0), 'BAD_REQUEST', /^version:/);
      expect(await h.registry.listVersions('forecast')).toEqual([]);
    });

    test('shops never share versions or aliases: the same model name in another shop starts at version 1 with its own champion', async () => {
      await registerWithFiles(h, 'forecast', 1, { aliases: ['champion'] });
      await registerWithFiles(h, 'forecast', 2, { aliases: ['champion'] });
      const other = h.otherShop();
      expect(await other.getVersion('forecast', 'champion')).toBeNull();
      expect(await other.getVersion('forecast', 1)).toBeNull();
      expect(await other.listVersions('forecast')).toEqual([]);
      const key = `models/forecast/${RUN(3)}`;
      await h.artifacts.put(`${key}/model.json`, '{}');
      const v = await other.registerVersion({ model: 'forecast', runId: RUN(3), artifactKey: key, aliases: ['champion'] });
      expect(v).toMatchObject({ model: 'forecast', version: 1, runId: RUN(3), aliases: ['champion'] });
      await other.deleteAlias('forecast', 'champion');
      // The first shop's versions and champion are untouched.
      expect((await h.registry.listVersions('forecast')).map((x) => [x.version, x.aliases])).toEqual([[1, []], [2, ['champion']]]);
      expect((await h.another().getVersion('forecast', 'champion'))!.version).toBe(2);
    });
  });
}

// Rollout operations on real files (journal endpoints + file registry): canary rules, the ramp ending in a swap, rollback, swap and back, and the registry's champion following the endpoint.
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import type { ModelRegistry } from '../../functions/src/ports/model-registry';
import { createFileModelRegistries } from '../../functions/src/adapters/embedded/file-model-registry';
import { createJournalEndpoints } from '../../functions/src/adapters/embedded/journal-endpoints';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { deployVersion, promote, rollback, swapBack, swapTo, traffic, type RolloutServices } from '../../functions/src/serving/rollout';
import { tempDir } from '../helpers/runtime';

const KEY = { shop: 'demo-store.myshopify.com', model: 'clv' };
const WHO = { actor: 'ops', reason: 'test' };

async function world(versions: number): Promise<RolloutServices & { registry: ModelRegistry }> {
  const dir = tempDir();
  const artifacts = createFileArtifactStore(`${dir}/artifacts`);
  const registries = createFileModelRegistries({ dir: `${dir}/registry`, artifacts });
  const registry = registries.forShop(KEY.shop);
  for (let v = 1; v <= versions; v++) {
    const runId = `training-2026112${v}-030000-abcdef`;
    await artifacts.put(`models/clv/${runId}/model.json`, '{}');
    // As the training pipeline registers: both aliases move onto the newest version that did not lose.
    await registry.registerVersion({ model: 'clv', runId, artifactKey: `models/clv/${runId}`, aliases: ['challenger', 'champion'] });
  }
  return { registries, registry, endpoints: createJournalEndpoints({ dir: `${dir}/endpoints` }) };
}

const rejects = async (p: Promise<unknown>, code: string, msg: RegExp) => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ShopMlopsError);
  expect(err).toMatchObject({ code, message: expect.stringMatching(msg) });
};

test('a canary needs a champion to share with and another version; unknown versions and aliases are NOT_FOUND', async () => {
  const s = await world(2);
  await rejects(deployVersion(s, KEY, 2, WHO, 5), 'BAD_REQUEST', /no champion yet/);
  await rejects(deployVersion(s, KEY, 7, WHO), 'NOT_FOUND', /no version "7"/);
  await rejects(deployVersion(s, KEY, 'nightly', WHO), 'NOT_FOUND', /no version "nightly"/);
  expect((await deployVersion(s, KEY, 1, WHO)).state.split).toEqual({ champion: { version: 1, percent: 100 }, challenger: null, holdout: 0 });
  await rejects(deployVersion(s, KEY, 1, WHO, 5), 'BAD_REQUEST', /is the champion/);
  expect((await deployVersion(s, KEY, 1, WHO)).did).toMatch(/already deployed/);
  expect((await s.endpoints.getState(KEY)).revision).toBe(1);
});

test('the registry champion follows the endpoint: a canary of the newest version keeps it on the served champion until the ramp ends in a swap', async () => {
  const s = await world(2);
  await deployVersion(s, KEY, 1, WHO);
  expect((await s.registry.getVersion('clv', 'champion'))!.version).toBe(1); // the deployed champion
  await s.registry.setAlias('clv', 'champion', 2); // as a training run that registers v2 does
  const c = await deployVersion(s, KEY, 'challenger', WHO, 5);
  expect(c.state.split).toEqual({ champion: { version: 1, percent: 95 }, challenger: { version: 2, percent: 5 }, holdout: 0 });
  expect(c.registryChampion).toBe(1);
  expect((await s.registry.getVersion('clv', 'champion'))!.version).toBe(1);
  const steps = [];
  for (let i = 0; i < 3; i++) steps.push((await promote(s, KEY, WHO)).state.split);
  expect(steps.map((x) => [x!.champion.version, x!.champion.percent, x!.challenger?.version ?? null, x!.challenger?.percent ?? null])).toEqual([
    [1, 75, 2, 25],
    [1, 50, 2, 50],
    [2, 100, null, null], // the last step (100 %) is a swap: v2 is champion, v1 stays warm
  ]);
  expect((await s.registry.getVersion('clv', 'champion'))!.version).toBe(2);
  await rejects(promote(s, KEY, WHO), 'BAD_REQUEST', /no challenger/);
  const back = await swapBack(s, KEY, WHO);
  expect(back.state.split).toEqual({ champion: { version: 1, percent: 50 }, challenger: { version: 2, percent: 50 }, holdout: 0 });
  expect(back.registryChampion).toBe(1);
  const t = await traffic(s, KEY);
  expect(t.history.map((h) => h.action)).toEqual(['deploy', 'deploy', 'split', 'ramp', 'ramp', 'swap', 'switch_back']);
  expect(t.aliases).toEqual({ champion: 1, challenger: 2 });
});

test('rollback sends the challenger to 0 % in one change and keeps the holdout; with nothing to roll back it says how to undo a swap', async () => {
  const s = await world(3);
  await deployVersion(s, KEY, 1, WHO);
  await deployVersion(s, KEY, 2, WHO);
  await s.endpoints.setSplit({ ...KEY, ...WHO, split: { champion: { version: 1, percent: 70 }, challenger: { version: 2, percent: 20 }, holdout: 10 } });
  const r = await rollback(s, KEY, WHO);
  expect(r.state.split).toEqual({ champion: { version: 1, percent: 90 }, challenger: { version: 2, percent: 0 }, holdout: 10 });
  await rejects(rollback(s, KEY, WHO), 'BAD_REQUEST', /no challenger traffic.*swap clv --back/);
  // a canary next to the holdout takes its share from the champion only; one that leaves the champion nothing is refused
  expect((await deployVersion(s, KEY, 3, WHO, 5)).state.split).toEqual({ champion: { version: 1, percent: 85 }, challenger: { version: 3, percent: 5 }, holdout: 10 });
  await rejects(deployVersion(s, KEY, 3, WHO, 90), 'BAD_REQUEST', /leaves the champion nothing/);
  // blue-green to v3 and back: the registry's champion moves with the endpoint each time
  expect((await swapTo(s, KEY, 3, WHO)).registryChampion).toBe(3);
  expect((await swapBack(s, KEY, WHO)).registryChampion).toBe(1);
});

test('the verbs refuse bad flags with the usage before opening anything', async () => {
  const ctx = { config: {} as never, json: false, out: () => undefined, err: () => undefined };
  const open = () => {
    throw new Error('opened');
  };
  const verb = (name: string) => (require(`../../functions/src/cli/verbs/${name}`) as { run(a: string[], c: typeof ctx, o: typeof open): Promise<number> }).run;
  const cases: [string, string[], RegExp][] = [
    ['deploy', ['clv'], /deploy needs --version\nusage: shop-mlops deploy/],
    ['deploy', ['clv', '--version', '0'], /--version must be a version number or a registry alias/],
    ['deploy', ['clv', '--version', '2', '--canary', '2.5'], /--canary must be a whole percent, 1..99/],
    ['deploy', ['clv', '--version', '2', '--canary', '100'], /--canary must be a whole percent, 1..99/],
    ['swap', ['clv'], /give either --version or --back/],
    ['swap', ['clv', '--back', '--version', '2'], /give either --version or --back/],
    ['promote', [], /missing argument\nusage: shop-mlops promote/],
    ['rollback', ['clv', 'recommend'], /unexpected argument: recommend/],
    ['traffic', ['clv', '--canary', '5'], /Unknown option '--canary'/],
  ];
  for (const [name, argv, msg] of cases) await rejects(verb(name)(argv, ctx, open), 'BAD_REQUEST', msg);
});

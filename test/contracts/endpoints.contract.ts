// The Endpoints port's contract as one jest suite; every adapter (embedded journal, Vertex AI endpoints) runs it unchanged.
import { ShopMlopsError } from '../../functions/src/core/errors';
import type { EndpointKey, Endpoints, EndpointState, SplitInput } from '../../functions/src/ports/endpoints';

export interface EndpointsHarness {
  endpoints: Endpoints;
  /** A second instance over the same storage (another process, another function instance). */
  another(): Endpoints;
  /** An instance whose health check answers with `healthy` for every version. */
  withHealth(healthy: boolean): Endpoints;
  /** Makes versions 1..n of the model exist where the adapter deploys from (the model registry). */
  /** Registers versions 1..n of the shop's model (the models a deploy names). */
  registerVersions(shop: string, model: string, n: number): Promise<void>;
  cleanup(): Promise<void>;
}

const SHOP = 'contract-store.myshopify.com';
const OTHER = 'other-store.myshopify.com';
const KEY: EndpointKey = { shop: SHOP, model: 'recommend' };
const WHO = { actor: 'alice@example.com', reason: 'contract test' };

async function rejectsWith(p: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ShopMlopsError);
  expect((err as ShopMlopsError).code).toBe(code);
  expect((err as Error).message).toMatch(text);
}

const split = (champion: [number, number], challenger: [number, number] | null, holdout = 0): SplitInput => ({
  champion: { version: champion[0], percent: champion[1] },
  challenger: challenger ? { version: challenger[0], percent: challenger[1] } : null,
  holdout,
});
const warm = (s: EndpointState) => s.deployed.map((d) => d.version).sort();

export function endpointsContract(name: string, make: () => Promise<EndpointsHarness>): void {
  describe(`Endpoints contract: ${name}`, () => {
    let h: EndpointsHarness;
    let e: Endpoints;
    beforeEach(async () => {
      h = await make();
      e = h.endpoints;
      await h.registerVersions(SHOP, 'recommend', 4);
      await h.registerVersions(OTHER, 'recommend', 4);
    });
    afterEach(async () => {
      await h.cleanup();
    });

    test('an endpoint never touched is empty at revision 0 with an empty rollout table', async () => {
      expect(await e.getState(KEY)).toEqual({ ...KEY, deployed: [], split: null, switchBackTo: null, revision: 0 });
      expect(await e.history(KEY)).toEqual([]);
    });

    test('the first deployed version serves everyone; the next is warm with no traffic; deploying again changes nothing', async () => {
      const s1 = await e.deploy({ ...KEY, ...WHO, version: 1 });
      expect(s1.split).toEqual({ champion: { version: 1, percent: 100 }, challenger: null, holdout: 0 });
      expect(s1.revision).toBe(1);
      expect(Number.isNaN(Date.parse(s1.deployed[0]!.deployedAt))).toBe(false);
      const s2 = await e.deploy({ ...KEY, ...WHO, version: 2 });
      expect(warm(s2)).toEqual([1, 2]);
      expect(s2.split).toEqual(s1.split);
      expect((await e.deploy({ ...KEY, ...WHO, version: 2 })).revision).toBe(2);
      expect((await e.history(KEY)).map((r) => [r.action, r.version, r.revision])).toEqual([
        ['deploy', 1, 1],
        ['deploy', 2, 2],
      ]);
    });

    test('a split is recorded with who, why, when and the split before and after; another instance reads the same', async () => {
      await e.deploy({ ...KEY, ...WHO, version: 1 });
      await e.deploy({ ...KEY, ...WHO, version: 2 });
      const s = await e.setSplit({ ...KEY, actor: 'bob', reason: 'canary v2', split: split([1, 95], [2, 5]) });
      expect(s.split).toEqual({ champion: { version: 1, percent: 95 }, challenger: { version: 2, percent: 5 }, holdout: 0 });
      const rows = await e.history(KEY);
      const last = rows.at(-1)!;
      expect(last).toMatchObject({ shop: SHOP, model: 'recommend', revision: 3, actor: 'bob', reason: 'canary v2', action: 'split', version: null, deployed: [1, 2] });
      expect(last.before).toEqual({ champion: { version: 1, percent: 100 }, challenger: null, holdout: 0 });
      expect(last.after).toEqual(s.split);
      expect(Math.abs(Date.parse(last.at) - Date.now())).toBeLessThan(60_000);
      const other = h.another();
      expect(await other.getState(KEY)).toEqual(s);
      expect(await other.history(KEY)).toEqual(rows);
      await other.close();
    });

    test('invalid splits and inputs are refused with every problem named, and nothing changes', async () => {
      await e.deploy({ ...KEY, ...WHO, version: 1 });
      const before = await e.getState(KEY);
      await rejectsWith(e.setSplit({ ...KEY, ...WHO, split: split([1, 90], [2, 5]) }), 'BAD_REQUEST', /must be 100, got 95/);
      await rejectsWith(e.setSplit({ ...KEY, ...WHO, split: split([1, 95], [1, 5]) }), 'BAD_REQUEST', /both version 1/);
      await rejectsWith(e.setSplit({ ...KEY, ...WHO, split: split([1, 95], [3, 5]) }), 'BAD_REQUEST', /version 3 .* is not deployed/);
      await rejectsWith(e.setSplit({ ...KEY, ...WHO, split: split([1, 95.5], [2, 4.5]) }), 'BAD_REQUEST', /percent/);
      await rejectsWith(e.deploy({ shop: 'evil.example.com', model: 'recommend', ...WHO, version: 1 }), 'BAD_REQUEST', /shop/);
      await rejectsWith(e.deploy({ ...KEY, actor: ' ', reason: '', version: 1 }), 'BAD_REQUEST', /actor.*reason|reason.*actor/s);
      await rejectsWith(e.ramp({ ...KEY, ...WHO, policy: [50, 25] }), 'BAD_REQUEST', /increase/);
      expect(await e.getState(KEY)).toEqual(before);
      expect(await e.history(KEY)).toHaveLength(1);
    });

    test('a ramp moves the challenger 5 → 25 → 50 → 100, one step per call, taking units from the champion only; then it is refused', async () => {
      await e.deploy({ ...KEY, ...WHO, version: 1 });
      await e.deploy({ ...KEY, ...WHO, version: 2 });
      await rejectsWith(e.ramp({ ...KEY, ...WHO }), 'BAD_REQUEST', /no challenger/);
      await e.setSplit({ ...KEY, ...WHO, split: split([1, 100], [2, 0]) });
      const seen: Array<[number, number]> = [];
      for (let i = 0; i < 4; i++) {
        const s = await e.ramp({ ...KEY, ...WHO });
        seen.push([s.split!.champion.percent, s.split!.challenger!.percent]);
      }
      expect(seen).toEqual([
        [95, 5],
        [75, 25],
        [50, 50],
        [0, 100],
      ]);
      await rejectsWith(e.ramp({ ...KEY, ...WHO }), 'BAD_REQUEST', /end of the policy/);
      const rows = (await e.history(KEY)).filter((r) => r.action === 'ramp');
      expect(rows.map((r) => r.after!.challenger!.percent)).toEqual([5, 25, 50, 100]);
    });

    test('with a holdout the ramp keeps the holdout share and its last step stops at what the holdout leaves; a custom policy is followed', async () => {
      await e.deploy({ ...KEY, ...WHO, version: 1 });
      await e.deploy({ ...KEY, ...WHO, version: 2 });
      await e.setSplit({ ...KEY, ...WHO, split: split([1, 85], [2, 5], 10) });
      const a = await e.ramp({ ...KEY, ...WHO, policy: [5, 30, 100] });
      expect(a.split).toEqual({ champion: { version: 1, percent: 60 }, challenger: { version: 2, percent: 30 }, holdout: 10 });
      const b = await e.ramp({ ...KEY, ...WHO, policy: [5, 30, 100] });
      expect(b.split).toEqual({ champion: { version: 1, percent: 0 }, challenger: { version: 2, percent: 90 }, holdout: 10 });
    });

    test('blue-green: swap deploys and warms the new version, switches atomically, keeps the old one warm; switch back is one step and toggles', async () => {
      await e.deploy({ ...KEY, ...WHO, version: 1 });
      await e.setSplit({ ...KEY, ...WHO, split: split([1, 95], null, 5) });
      const swapped = await e.swap({ ...KEY, actor: 'carol', reason: 'v3 release', version: 3 });
      expect(swapped.split).toEqual({ champion: { version: 3, percent: 95 }, challenger: null, holdout: 5 });
      expect(warm(swapped)).toEqual([1, 3]);
      expect(swapped.switchBackTo).toEqual({ champion: { version: 1, percent: 95 }, challenger: null, holdout: 5 });
      const rows = await e.history(KEY);
      expect(rows.slice(-2).map((r) => [r.action, r.version, r.actor])).toEqual([
        ['deploy', 3, 'carol'],
        ['swap', 3, 'carol'],
      ]);
      expect(rows.at(-1)!.before!.champion.version).toBe(1);
      const back = await e.switchBack({ ...KEY, ...WHO });
      expect(back.split).toEqual({ champion: { version: 1, percent: 95 }, challenger: null, holdout: 5 });
      expect(back.revision).toBe(swapped.revision + 1);
      expect(warm(back)).toEqual([1, 3]);
      const again = await e.switchBack({ ...KEY, ...WHO });
      expect(again.split!.champion.version).toBe(3);
      await rejectsWith(e.swap({ ...KEY, ...WHO, version: 3 }), 'BAD_REQUEST', /already the champion/);
    });

    test('swapping the challenger in promotes it: it takes the champion share and its own', async () => {
      await e.deploy({ ...KEY, ...WHO, version: 1 });
      await e.deploy({ ...KEY, ...WHO, version: 2 });
      await e.setSplit({ ...KEY, ...WHO, split: split([1, 70], [2, 25], 5) });
      const s = await e.swap({ ...KEY, ...WHO, version: 2 });
      expect(s.split).toEqual({ champion: { version: 2, percent: 95 }, challenger: null, holdout: 5 });
      expect(s.switchBackTo).toEqual({ champion: { version: 1, percent: 70 }, challenger: { version: 2, percent: 25 }, holdout: 5 });
    });

    test('a swap to a version that is not healthy is refused and the traffic stays where it was', async () => {
      await e.deploy({ ...KEY, ...WHO, version: 1 });
      const sick = h.withHealth(false);
      await rejectsWith(sick.swap({ ...KEY, ...WHO, version: 2 }), 'UNAVAILABLE', /not healthy/);
      const s = await e.getState(KEY);
      expect(s.split).toEqual({ champion: { version: 1, percent: 100 }, challenger: null, holdout: 0 });
      expect((await e.history(KEY)).some((r) => r.action === 'swap')).toBe(false);
      await sick.close();
    });

    test('undeploy is refused while the version has traffic or is the champion; at 0 % it goes, and its arm with it', async () => {
      await e.deploy({ ...KEY, ...WHO, version: 1 });
      await e.deploy({ ...KEY, ...WHO, version: 2 });
      await e.setSplit({ ...KEY, ...WHO, split: split([1, 95], [2, 5]) });
      await rejectsWith(e.undeploy({ ...KEY, ...WHO, version: 2 }), 'BAD_REQUEST', /still has traffic/);
      await rejectsWith(e.undeploy({ ...KEY, ...WHO, version: 1 }), 'BAD_REQUEST', /champion/);
      await rejectsWith(e.undeploy({ ...KEY, ...WHO, version: 4 }), 'NOT_FOUND', /not deployed/);
      expect(warm(await e.getState(KEY))).toEqual([1, 2]);
      await e.setSplit({ ...KEY, ...WHO, split: split([1, 100], [2, 0]) });
      const s = await e.undeploy({ ...KEY, ...WHO, version: 2 });
      expect(warm(s)).toEqual([1]);
      expect(s.split).toEqual({ champion: { version: 1, percent: 100 }, challenger: null, holdout: 0 });
      expect((await e.history(KEY)).at(-1)).toMatchObject({ action: 'undeploy', version: 2, deployed: [1] });
    });

    test('undeploying the old champion after a swap ends the switch back', async () => {
      await e.deploy({ ...KEY, ...WHO, version: 1 });
      await e.swap({ ...KEY, ...WHO, version: 2 });
      const s = await e.undeploy({ ...KEY, ...WHO, version: 1 });
      expect(s.switchBackTo).toBeNull();
      await rejectsWith(e.switchBack({ ...KEY, ...WHO }), 'BAD_REQUEST', /no swap to undo/);
    });

    test('shops and models are separate endpoints: one shop’s rollout never touches another’s', async () => {
      await h.registerVersions(SHOP, 'forecast', 2);
      await e.deploy({ ...KEY, ...WHO, version: 1 });
      await e.deploy({ shop: OTHER, model: 'recommend', ...WHO, version: 2 });
      await e.deploy({ ...KEY, model: 'forecast', ...WHO, version: 2 });
      await e.deploy({ ...KEY, ...WHO, version: 2 });
      await e.setSplit({ ...KEY, ...WHO, split: split([1, 50], [2, 50]) });
      expect((await e.getState({ shop: OTHER, model: 'recommend' })).split).toEqual({ champion: { version: 2, percent: 100 }, challenger: null, holdout: 0 });
      expect((await e.getState({ ...KEY, model: 'forecast' })).split!.champion.version).toBe(2);
      expect(await e.history({ shop: OTHER, model: 'recommend' })).toHaveLength(1);
      expect(await e.history(KEY)).toHaveLength(3);
    });
  });
}

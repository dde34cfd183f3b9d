// Rollout end to end on the simulator's store: the demo deploys champions and 5 % canaries; the verbs (run while the runtime runs) roll back, canary, ramp, swap and switch back (under storefront load through the prediction route); 10,000 units assigned from the endpoint's state each time.
import { loadConfig } from '../../functions/src/core/config';
import { createJournalEndpoints } from '../../functions/src/adapters/embedded/journal-endpoints';
import type { CliContext } from '../../functions/src/cli/context';
import type { Split } from '../../functions/src/ports/endpoints';
import { paths } from '../../functions/src/runtime/local-runtime';
import { runDemo } from '../../functions/src/runtime/demo';
import { assignArm, type Assignment, type AssignmentUnit } from '../../functions/src/serving/assignment';
import { SECRET, startTestRuntime } from '../helpers/runtime';
import { signAppProxyQuery } from '../../functions/src/testing/app-proxy-signer';

const UNITS = 10_000;
/** 99.9 % two-sided normal quantile. */
const Z999 = 3.2905;
const MODEL = 'clv';

/** Within the 99.9 % binomial tolerance of n units at share p. */
const expectBinomial = (count: number, n: number, p: number) => {
  const tol = Z999 * Math.sqrt(n * p * (1 - p));
  expect(Math.abs(count - n * p)).toBeLessThanOrEqual(tol);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface LoadAnswer {
  customer: string;
  sentAt: number;
  status: number;
  version: number | null;
  arm: string | null;
  /** Either model of the answer (clv, propensity) fell back. */
  fallback: boolean;
}

/** Closed-loop storefront load: a few workers calling customers/predictions through signed App Proxy queries, customers in turn. */
function startLoad(url: string, shop: string, customers: string[], workers = 6): { stop(): Promise<LoadAnswer[]>; sentSince(t: number, n: number): Promise<void> } {
  const answers: LoadAnswer[] = [];
  let running = true;
  let next = 0;
  const worker = async () => {
    while (running) {
      const customer = customers[next++ % customers.length]!;
      const sentAt = performance.now();
      const res = await fetch(`${url}/api/customers/predictions?${signAppProxyQuery({ secret: SECRET, shop, loggedInCustomerId: customer })}`);
      const body = (await res.json()) as { clv?: { version: number | null; arm: string; fallback: boolean }; propensity?: { fallback: boolean } };
      answers.push({ customer, sentAt, status: res.status, version: body.clv?.version ?? null, arm: body.clv?.arm ?? null, fallback: body.clv?.fallback !== false || body.propensity?.fallback !== false });
    }
  };
  const all = Promise.all(Array.from({ length: workers }, worker));
  return {
    async stop() {
      running = false;
      await all;
      return answers;
    },
    /** Waits until n answered calls were sent after t (a phase has enough calls however loaded the machine is). */
    async sentSince(t, n) {
      while (answers.filter((a) => a.sentAt > t).length < n) await sleep(50);
    },
  };
}

test('champion + 5 % challenger: 10,000 route requests and 10,000 units split 95/5 within tolerance and sticky; a ramp to 25 % moves only champion units; swap and switch back are immediate', async () => {
  // The storefront load below is far above the default per-shop rate limit, and this test is about switching, not speed.
  const rt = await startTestRuntime({ rateLimitPerSecond: 1_000_000, rateLimitBurst: 1_000_000, servingBudgetMs: 10_000, shopTimezone: 'America/New_York' });
  // A reader of the endpoint journal like the prediction routes': its own instance over the same files.
  const reader = createJournalEndpoints({ dir: paths(rt.dataDir).endpoints });
  try {
    const demo = await runDemo(rt, { dataDir: rt.dataDir, days: 120, seed: 42, endDate: '2026-11-25', secret: SECRET });
    const shop = demo.training && 'shop' in demo.training ? demo.training.shop! : '';
    // The demo left every model with its first champion at 95 % and the second run's challenger at 5 %.
    expect(demo.rollout!.traffic.map((t) => [t.state.model, t.state.split])).toEqual(
      ['clv', 'propensity', 'forecast', 'recommend'].map((m) => [m, { champion: { version: 1, percent: 95 }, challenger: { version: 2, percent: 5 }, holdout: 0 }]),
    );

    // 10,000 storefront requests through the prediction route (signed App Proxy queries, one visitor each): the
    // recommendation arms the answers name are 95/5 within tolerance, match the assignment, and are sticky per unit.
    const productId = String((await rt.warehouse.query(`SELECT product_id FROM shop_predictions.product_recommendations LIMIT 1`))[0]!['product_id']);
    const recSplit = (await reader.getState({ shop, model: 'recommend' })).split!;
    const askArm = async (visitor: string) => {
      const q = signAppProxyQuery({ secret: SECRET, shop, params: { product_id: productId, k: '3', visitor_id: visitor } });
      const res = await fetch(`${rt.url}/api/recommendations/product?${q}`);
      const body = (await res.json()) as { arm?: string; assigned_version?: number | null };
      return { status: res.status, arm: body.arm ?? null, version: body.assigned_version ?? null };
    };
    const visitors = Array.from({ length: UNITS }, (_, i) => `visitor-${i}`);
    const served: { status: number; arm: string | null; version: number | null }[] = new Array(UNITS);
    let nextVisitor = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = nextVisitor++; i < UNITS; i = nextVisitor++) served[i] = await askArm(visitors[i]!);
      }),
    );
    expect(served.filter((r) => r.status !== 200)).toEqual([]);
    expectBinomial(served.filter((r) => r.arm === 'challenger').length, UNITS, 0.05);
    const expectedArm = (v: string) => assignArm(recSplit, shop, 'recommend', { kind: 'visitor', id: v });
    expect(visitors.filter((v, i) => served[i]!.arm !== expectedArm(v).arm || served[i]!.version !== expectedArm(v).version)).toEqual([]);
    const again = await Promise.all(visitors.slice(0, 300).map((v) => askArm(v)));
    expect(again.map((r) => r.arm)).toEqual(served.slice(0, 300).map((r) => r.arm));

    // The verbs as the CLI runs them (embedded world from the config), while the runtime runs.
    const out: string[] = [];
    const ctx: CliContext = { config: loadConfig({}, { dataDir: rt.dataDir, shopifyApiSecret: SECRET }), json: true, out: (s) => out.push(s), err: (s) => out.push(s) };
    const verb = async (name: string, ...args: string[]) => {
      const mod = require(`../../functions/src/cli/verbs/${name}`) as { run(argv: string[], ctx: CliContext): Promise<number> };
      expect(await mod.run([MODEL, '--who', 'e2e', ...args], ctx)).toBe(0);
      return JSON.parse(out.at(-1)!) as { split: Split; registryChampion: number; revision: number };
    };
    expect((await verb('rollback')).split).toEqual({ champion: { version: 1, percent: 100 }, challenger: { version: 2, percent: 0 }, holdout: 0 });
    const canary = await verb('deploy', '--version', 'challenger', '--canary', '5', '--why', 'e2e canary');
    expect(canary).toMatchObject({ split: { champion: { version: 1, percent: 95 }, challenger: { version: 2, percent: 5 } }, registryChampion: 1 });

    // 10,000 customer units: the store's customers, then more ids of the same form.
    const known = (await rt.warehouse.query(`SELECT DISTINCT customer_id FROM shop_features.customer_rfm ORDER BY 1`)).map((r) => String(r['customer_id']));
    expect(known.length).toBeGreaterThan(500);
    const units: AssignmentUnit[] = Array.from({ length: UNITS }, (_, i) => ({ kind: 'customer', id: known[i] ?? String(9_000_000_000 + i) }));
    const assignAll = async (): Promise<Assignment[]> => {
      const split = (await reader.getState({ shop, model: MODEL })).split!;
      return units.map((u) => assignArm(split, shop, MODEL, u));
    };

    const at5 = await assignAll();
    expectBinomial(at5.filter((a) => a.arm === 'challenger').length, UNITS, 0.05);
    expect(at5.filter((a) => a.arm === 'champion').length + at5.filter((a) => a.arm === 'challenger').length).toBe(UNITS);
    expect(at5.every((a) => a.version === (a.arm === 'challenger' ? 2 : 1))).toBe(true);
    // Sticky: the same units, read again, get the same arms.
    expect((await assignAll()).map((a) => a.arm)).toEqual(at5.map((a) => a.arm));

    // Ramp to 25 %: units only move champion → challenger; the challenger's units stay.
    expect((await verb('promote')).split.challenger).toEqual({ version: 2, percent: 25 });
    const at25 = await assignAll();
    const moved = units.map((_, i) => i).filter((i) => at25[i]!.arm !== at5[i]!.arm);
    expect(moved.every((i) => at5[i]!.arm === 'champion' && at25[i]!.arm === 'challenger')).toBe(true);
    expectBinomial(at25.filter((a) => a.arm === 'challenger').length, UNITS, 0.25);
    expectBinomial(moved.length, UNITS, 0.2);

    // Blue-green swap to v2, then back, while storefront calls (signed App Proxy, the customer's own predictions) keep
    // coming: none fails or falls back, and every call sent after a verb returns is answered by the new split.
    const split25 = (await reader.getState({ shop, model: MODEL })).split!;
    const load = startLoad(rt.url, shop, known.slice(0, 300));
    await load.sentSince(0, 60);
    const swapStart = performance.now();
    const swapped = await verb('swap', '--version', '2');
    const swapDone = performance.now();
    expect(swapped).toMatchObject({ split: { champion: { version: 2, percent: 100 }, challenger: null }, registryChampion: 2 });
    expect((await assignAll()).every((a) => a.arm === 'champion' && a.version === 2)).toBe(true);
    await load.sentSince(swapDone, 60);
    const backStart = performance.now();
    const back = await verb('swap', '--back');
    const backDone = performance.now();
    expect(back).toMatchObject({ split: { champion: { version: 1, percent: 75 }, challenger: { version: 2, percent: 25 } }, registryChampion: 1 });
    expect((await assignAll()).map((a) => a.arm)).toEqual(at25.map((a) => a.arm));
    await load.sentSince(backDone, 60);
    const answers = await load.stop();
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(answers.filter((a) => a.fallback)).toEqual([]);
    const expected25 = (a: LoadAnswer) => assignArm(split25, shop, MODEL, { kind: 'customer', id: a.customer });
    const before = answers.filter((a) => a.sentAt < swapStart);
    const onV2 = answers.filter((a) => a.sentAt > swapDone && a.sentAt < backStart);
    const after = answers.filter((a) => a.sentAt > backDone);
    for (const phase of [before, onV2, after]) expect(phase.length).toBeGreaterThan(50);
    expect(before.filter((a) => a.version !== expected25(a).version || a.arm !== expected25(a).arm)).toEqual([]);
    expect(onV2.filter((a) => a.version !== 2 || a.arm !== 'champion')).toEqual([]);
    expect(after.filter((a) => a.version !== expected25(a).version || a.arm !== expected25(a).arm)).toEqual([]);
    // Both versions really served before and after (the 25 % arm is not empty among these customers).
    expect(new Set(after.map((a) => a.version))).toEqual(new Set([1, 2]));

    // Every change is in the rollout table with who and why.
    const history = await reader.history({ shop, model: MODEL });
    expect(history.filter((h) => h.actor === 'e2e').map((h) => h.action)).toEqual(['split', 'split', 'ramp', 'swap', 'switch_back']);
    expect(history.find((h) => h.reason === 'e2e canary')?.after).toEqual(canary.split);
  } finally {
    await reader.close();
    await rt.close();
  }
}, 180_000);

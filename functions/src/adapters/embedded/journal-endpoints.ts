// Embedded Endpoints: one fdatasync'd append-only journal per (shop, model); each record is a rollout row plus the state after it.
import { randomUUID } from 'node:crypto';
import { promises as fsp, statSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';
import {
  emptyState,
  endpointKeySchema,
  type EndpointKey,
  type EndpointState,
  type Endpoints,
  type RolloutRecord,
} from '../../ports/endpoints';
import { planChange, rolloutRecord, type Change, type Who } from '../../serving/rollout-plan';
import { endpointsFrom } from '../../serving/endpoints-from-core';
import { appendRecords, readRecords } from './jsonl-journal';

/** A version being deployed or checked, for the warm-up and health hooks. */
export interface ServingTarget {
  shop: string;
  model: string;
  version: number;
}

export interface JournalEndpointsOptions {
  /** Directory of the journals, e.g. `<dataDir>/endpoints` (one `<shop>/<model>.jsonl` each). */
  dir: string;
  /** Loads a version so its first request is fast; a throw refuses the deployment. Default: nothing to load. */
  warm?: (target: ServingTarget) => Promise<void>;
  /** A blue-green swap switches only to a version that answers healthy. Default: healthy. */
  healthy?: (target: ServingTarget) => Promise<boolean>;
  now?: () => Date;
}

const journalRecord = z.looseObject({
  t: z.literal('change'),
  id: z.string(),
  record: z.looseObject({ revision: z.number().int() }),
  state: z.looseObject({ deployed: z.array(z.unknown()), split: z.unknown(), switchBackTo: z.unknown() }),
});
type JournalRecord = { t: 'change'; id: string; record: RolloutRecord; state: Pick<EndpointState, 'deployed' | 'split' | 'switchBackTo'> };

interface Folded {
  state: EndpointState;
  history: RolloutRecord[];
  applied: Set<string>;
}

/**
 * Replays a journal. A record applies only when its revision is the current one + 1: two writers that planned from
 * the same state both append, the first in the file wins and the other is ignored (it sees that and plans again), so
 * the journal is a compare-and-swap log that several processes can share without a lock.
 */
function fold(key: EndpointKey, records: unknown[]): Folded {
  let state = emptyState(key);
  const history: RolloutRecord[] = [];
  const applied = new Set<string>();
  for (const raw of records) {
    if (!journalRecord.safeParse(raw).success) continue;
    const r = raw as JournalRecord;
    if (r.record.revision !== state.revision + 1) continue;
    state = { shop: key.shop, model: key.model, deployed: r.state.deployed, split: r.state.split, switchBackTo: r.state.switchBackTo, revision: r.record.revision };
    history.push(r.record);
    applied.add(r.id);
  }
  return { state, history, applied };
}

/** Every (shop, model) with a journal under `dir` (`<shop>/<model>.jsonl`): the endpoints a runtime warms at start. */
export async function listEndpointKeys(dir: string): Promise<EndpointKey[]> {
  const keys: EndpointKey[] = [];
  const shops = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const shop of shops) {
    if (!shop.isDirectory()) continue;
    for (const f of await fsp.readdir(path.join(dir, shop.name)).catch(() => [] as string[])) {
      if (!f.endsWith('.jsonl')) continue;
      const key = endpointKeySchema.safeParse({ shop: shop.name, model: f.slice(0, -'.jsonl'.length) });
      if (key.success) keys.push(key.data);
    }
  }
  return keys.sort((a, b) => a.shop.localeCompare(b.shop) || a.model.localeCompare(b.model));
}

export function createJournalEndpoints(opts: JournalEndpointsOptions): Endpoints {
  const now = opts.now ?? (() => new Date());
  const file = (k: EndpointKey) => path.join(opts.dir, k.shop, `${k.model}.jsonl`);
  /** Folded journals by file, valid while the file's size and mtime are unchanged (appends always grow it). */
  const cache = new Map<string, { size: number; mtimeMs: number; folded: Folded }>();

  /**
   * Every read checks the file, so a change by any process (a CLI verb on the store) serves from the next request on; the
   * requests one turn of the event loop handles share one stat (a request handled in this turn arrived before the turn's
   * poll returned, so before its first stat). A stat costs ~20 µs of the serving thread here; a promise stat was a
   * thread-pool round trip per request (11 % of the serving thread at 2,000 req/s).
   */
  const statted = new Map<string, Stats | undefined>();
  const statOnceThisTurn = (f: string): Stats | undefined => {
    if (statted.has(f)) return statted.get(f);
    if (statted.size === 0) setImmediate(() => statted.clear());
    const st = statSync(f, { throwIfNoEntry: false });
    statted.set(f, st);
    return st;
  };

  const load = async (k: EndpointKey): Promise<Folded> => {
    const f = file(k);
    const st = statOnceThisTurn(f);
    if (!st) return fold(k, []);
    const hit = cache.get(f);
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.folded;
    const folded = fold(k, (await readRecords(f))?.records ?? []);
    cache.set(f, { size: st.size, mtimeMs: st.mtimeMs, folded });
    return folded;
  };

  /** This instance's changes run one at a time per journal (other instances and processes are handled by the compare-and-swap). */
  const queues = new Map<string, Promise<unknown>>();
  const serial = <T>(f: string, fn: () => Promise<T>): Promise<T> => {
    const run = (queues.get(f) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => undefined);
    queues.set(f, tail);
    void tail.then(() => queues.get(f) === tail && queues.delete(f));
    return run;
  };

  /** Plans from the journal's current state, appends, and re-reads to learn whether the record won; plans again if not. */
  const mutate = (k: EndpointKey, who: Who, makeChange: (s: EndpointState) => Change): Promise<EndpointState> => serial(file(k), () => attempt(k, who, makeChange));
  const attempt = async (k: EndpointKey, who: Who, makeChange: (s: EndpointState) => Change): Promise<EndpointState> => {
    for (let attempt = 0; attempt < 20; attempt++) {
      // Lost the race: back off a random few milliseconds so competing writers spread out.
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 5 * Math.min(attempt, 6)));
      const { state } = await load(k);
      const change = makeChange(state);
      const next = planChange(state, change);
      if (!next) return state;
      const id = randomUUID();
      const rec: JournalRecord = { t: 'change', id, record: rolloutRecord(state, next, change, who, now().toISOString()), state: { deployed: next.deployed, split: next.split, switchBackTo: next.switchBackTo } };
      await appendRecords(file(k), [rec]);
      statted.delete(file(k));
      const after = await load(k);
      if (after.applied.has(id)) return after.state;
    }
    throw new ShopMlopsError('UNAVAILABLE', `endpoint ${k.model} on ${k.shop} keeps changing under this writer; try again`);
  };

  const deploy = async (k: EndpointKey, who: Who, version: number): Promise<EndpointState> => {
    const { state } = await load(k);
    if (state.deployed.some((d) => d.version === version)) return state;
    await opts.warm?.({ ...k, version });
    return mutate(k, who, () => ({ action: 'deploy', version, deployed: { version, deployedAt: now().toISOString(), deployedModelId: null } }));
  };

  return endpointsFrom({
    deploy,
    apply: (k, who, change) => mutate(k, who, () => change),
    healthy: async (target) => (opts.healthy ? opts.healthy(target) : true),
    getState: async (k) => (await load(k)).state,
    history: async (k) => (await load(k)).history,
    async close() {
      cache.clear();
    },
  });
}

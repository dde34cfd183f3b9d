// The metafields write-back: per installed shop, its newest batch scores → contract metafields; definitions once, then a bulk run (full) or metafieldsSet (delta) of what changed, resuming any run a crash left open.
import { ShopMlopsError } from '../core/errors';
import type { Logger } from '../core/log';
import type { SessionStorage } from '../ports/session-storage';
import { adminGraphqlFor } from './admin-graphql';
import type { AdminLibrary } from './admin-library';
import { DEFINE_METAFIELD, defineAnswer } from './admin-operations';
import type { BulkFinishSignals } from './bulk-finish-signals';
import { MAX_CHUNK_BYTES, planRun, runBulk, type BulkResult } from './bulk-write';
import { changedMetafields, reconcileIntents, writeDelta, type DeltaResult } from './delta-write';
import { metafieldDefinitions, type MetafieldInput } from './metafield-contract';
import { desiredMetafields } from './metafield-values';
import type { ScoreSource } from './score-source';
import type { JournalStorage } from './journal-storage';
import { withShopJournal } from './journal-lock';
import { WriteJournal } from './write-journal';

export type WriteMode = 'full' | 'delta' | 'auto';

export interface MetafieldsJobDeps {
  /** Embedded: the journal root (<data-dir>/metafields), as files. */
  dir?: string;
  /** Where the journals live (cloud: Cloud Storage); takes precedence over `dir`. */
  journals?: JournalStorage;
  scores: ScoreSource;
  sessions: SessionStorage;
  library: AdminLibrary;
  signals?: BulkFinishSignals;
  logger?: Logger;
  maxChunkBytes?: number;
  pollMs?: number;
  /** auto: more changed values than this go as a bulk run instead of metafieldsSet calls. Default 500. */
  deltaLimit?: number;
  sleep?: (ms: number) => Promise<void>;
  fetchFn?: typeof fetch;
  /** The journal is rewritten as its state after a run once it is larger than this. Default 4 MiB. */
  compactAboveBytes?: number;
}

export interface ShopWriteReport {
  shop: string;
  skipped: null | 'uninstalled' | 'not_installed' | 'no_scores';
  desired: number;
  changed: number;
  definitions: { created: number; existing: number } | null;
  /** A run a crash left open, finished first. */
  resumed: BulkResult | null;
  bulk: BulkResult | null;
  delta: DeltaResult | null;
  throttledMs: number;
}

/** One write-back per shop at a time in this process (a second call, or a redaction of the journal, waits for the first, then runs). */
export function writeBackShop(shop: string, mode: WriteMode, deps: MetafieldsJobDeps): Promise<ShopWriteReport> {
  return withShopJournal(shop, () => writeShop(shop, mode, deps));
}

/** Every shop with scores and an offline token (uninstalled shops are skipped). */
export async function writeBack(deps: MetafieldsJobDeps, o: { mode: WriteMode; shops?: string[] }): Promise<ShopWriteReport[]> {
  const shops = o.shops ?? (await deps.scores.shops());
  const out: ShopWriteReport[] = [];
  for (const shop of shops) out.push(await writeBackShop(shop, o.mode, deps));
  return out;
}

async function ensureDefinitions(api: Awaited<ReturnType<typeof adminGraphqlFor>>, journal: WriteJournal): Promise<{ created: number; existing: number } | null> {
  if (journal.state.definitionsDone) return null;
  let created = 0;
  let existing = 0;
  for (const definition of metafieldDefinitions()) {
    const ans = defineAnswer.parse(await api.request(DEFINE_METAFIELD, { definition }));
    const errs = ans.metafieldDefinitionCreate.userErrors;
    if (!errs.length) created++;
    else if (errs.every((e) => e.code === 'TAKEN')) existing++;
    else throw new ShopMlopsError('UNPROCESSABLE', `metafieldDefinitionCreate ${definition.ownerType}.${definition.key}: ${errs.map((e) => e.message).join('; ')}`);
  }
  await journal.append({ t: 'definitions', at: new Date().toISOString(), created, existing });
  return { created, existing };
}

function journalsOf(deps: Pick<MetafieldsJobDeps, 'dir' | 'journals'>): string | JournalStorage {
  const where = deps.journals ?? deps.dir;
  if (where === undefined) throw new ShopMlopsError('CONFIG_INVALID', 'the metafields write-back needs a journal storage (or a directory)');
  return where;
}

async function writeShop(shop: string, mode: WriteMode, deps: MetafieldsJobDeps): Promise<ShopWriteReport> {
  const report: ShopWriteReport = { shop, skipped: null, desired: 0, changed: 0, definitions: null, resumed: null, bulk: null, delta: null, throttledMs: 0 };
  if (await deps.sessions.isUninstalled(shop)) return { ...report, skipped: 'uninstalled' };
  if (!(await deps.sessions.load(shop))) return { ...report, skipped: 'not_installed' };
  const log = deps.logger?.child({ shop });
  const api = await adminGraphqlFor(shop, { library: deps.library, sessions: deps.sessions, ...(log ? { logger: log } : {}), ...(deps.sleep ? { sleep: deps.sleep } : {}) });
  const journal = await WriteJournal.open(journalsOf(deps), shop);
  const bulkOpts = { maxChunkBytes: deps.maxChunkBytes ?? MAX_CHUNK_BYTES, pollMs: deps.pollMs ?? 5_000, ...(deps.signals ? { signals: deps.signals } : {}), ...(log ? { logger: log } : {}), ...(deps.fetchFn ? { fetchFn: deps.fetchFn } : {}) };
  try {
    report.definitions = await ensureDefinitions(api, journal);
    // First what a crash left in doubt: metafieldsSet calls (read back), then an open bulk run (resumed to its end).
    const reconciled = await reconcileIntents(api, journal);
    if (journal.state.run && !journal.state.run.done) report.resumed = await runBulk(api, journal, bulkOpts, true);
    const desired = desiredMetafields(await deps.scores.newest(shop));
    report.desired = desired.length;
    if (!desired.length) return { ...report, skipped: 'no_scores' };
    const changed = changedMetafields(desired, journal);
    report.changed = changed.length;
    const useBulk = mode === 'full' || (mode === 'auto' && changed.length > (deps.deltaLimit ?? 500));
    if (useBulk) {
      // Full: every value, written or not (a re-sync); auto: only the changed ones, but many.
      const items: MetafieldInput[] = mode === 'full' ? desired : changed;
      await planRun(journal, items, bulkOpts.maxChunkBytes);
      report.bulk = await runBulk(api, journal, bulkOpts, false);
    } else {
      report.delta = await writeDelta(api, journal, changed, log);
      report.delta.reconciled = reconciled;
    }
    await journal.compact(deps.compactAboveBytes);
    return report;
  } finally {
    report.throttledMs = api.throttledMs;
  }
}

/** A product's (or any owner's) metafields as the write-back last confirmed them: key → {type, value} (the theme block's input). */
export async function writtenMetafields(journals: string | JournalStorage, shop: string, ownerId: string): Promise<Record<string, { type: string; value: string }>> {
  const journal = await WriteJournal.open(journals, shop);
  const out: Record<string, { type: string; value: string }> = {};
  for (const m of journal.state.written.values()) if (m.ownerId === ownerId) out[m.key] = { type: m.type, value: m.value };
  return out;
}

// Moves acknowledged deliveries from the durable log into the warehouse, off the ack path: classify, land, act on privacy topics.
import type { LandedEvent, QuarantineRecord } from '../core/classify';
import { ShopMlopsError } from '../core/errors';
import type { Logger } from '../core/log';
import type { IngestMetrics } from '../core/metrics';
import { isPrivacyTopic } from '../core/topics';
import type { Warehouse } from '../ports/warehouse';
import type { DurableLog, LogRecord } from '../adapters/embedded/durable-log';
import { createClassifier, type Classified, type Classifier } from './classifier';
import { loadRedactedIndex } from '../core/late-redaction';
import { PRIVACY_PENDING_ALARM, retryPendingPrivacy } from '../core/privacy-retry';
import type { ArtifactStore } from '../ports/artifact-store';
import { parseExact } from '../core/json';
import { bodyOf, decodeEnvelope } from '../core/envelope';

/** Attempts at a batch failing with an unexplained error before its poison records are isolated into quarantine. */
const UNKNOWN_ERROR_ATTEMPTS = 5;

/**
 * Most bytes of log read (and landed) per transaction. Under load the backlog fills whole reads, so each
 * transaction carries thousands of deliveries (its fixed costs: commit, the dedup anti-join over the table), and
 * more than one of the warehouse's row groups (2,048 rows) for payloads up to ~15 KB: DuckDB then writes full row
 * groups straight into the file instead of through its WAL (duckdb-warehouse.ts ROW_GROUP_SIZE).
 */
const READ_BYTES = 32 * 1024 * 1024;
/** Log bytes read and classified per step of a batch (one step's main-thread work stays a few milliseconds). */
const CHUNK_BYTES = 4 * 1024 * 1024;
/**
 * Less than this waiting means we are caught up: linger (up to lingerMs) until this much has gathered, so each
 * transaction carries a large batch (per-transaction costs dominate small ones and compete with acknowledgements).
 */
const LINGER_BELOW_BYTES = 8 * 1024 * 1024;
/** First wait after a failure; doubles up to maxBackoffMs. */
const FIRST_BACKOFF_MS = 100;

export interface LoaderDeps {
  log: DurableLog;
  warehouse: Warehouse;
  privacy: { handle(event: LandedEvent): Promise<unknown> };
  /** Called with each landed batch after its privacy requests (app/uninstalled, bulk_operations/finish); must not throw. */
  onLanded?: (events: LandedEvent[]) => Promise<void>;
  metrics: IngestMetrics;
  logger: Logger;
  batchSize: number;
  /** Pause after catching up, so the next transaction carries a bigger batch. Default 200 ms. */
  lingerMs?: number;
  /** Longest wait between retries while the warehouse is failing. */
  maxBackoffMs?: number;
  /** No progress for this long on a non-empty backlog makes the loader report itself stalled. Default 120 s. */
  stallMs?: number;
  /**
   * The scheduled privacy retry (core/privacy-retry.ts), run when the loader is idle: first after start, then every
   * `everyMs`. Privacy requests landed without an audit row are acted on again (a failure is an alarm, never a drop);
   * data-request exports older than `exportTtlDays` are deleted.
   */
  privacyRetry?: { everyMs: number; artifacts?: ArtifactStore; exportTtlDays?: number };
}

/** Wall-clock seconds spent in each step of the loop (reading and classifying overlap landing: they run ahead). */
export type StageSeconds = Record<'read' | 'classify' | 'land' | 'privacy' | 'checkpoint', number>;

export type LoaderStats = {
  landed: number;
  quarantined: number;
  duplicates: number;
  failures: number;
  /** Batches landed (one warehouse transaction each, plus any isolation of poison). */
  batches: number;
  lastError: string | null;
  backlogBytes: number;
  /** Seconds since the loader last moved forward while deliveries waited (0 when caught up). */
  stalledSeconds: number;
  classifierRestarts: number;
  stageSeconds: StageSeconds;
};

export interface Loader {
  start(): void;
  /** Offset below which every record has landed. */
  readonly landedOffset: number;
  /** Acknowledged bytes not yet landed. */
  readonly backlogBytes: number;
  /** The classification worker (inspection and tests). */
  readonly classifier: Classifier;
  /** Runs the scheduled privacy retry at the loader's next idle moment (not waiting for its schedule); resolves when it has run. */
  privacyRetryNow(): Promise<void>;
  /** Resolves once everything acknowledged before the call has landed (or the timeout passes: false). */
  drain(timeoutMs?: number): Promise<boolean>;
  /** Why the loader is unhealthy (no progress on a non-empty backlog for longer than stallMs), or null. */
  stalled(): string | null;
  /** When the oldest acknowledged delivery not yet landed was received (ISO), or null when everything has landed. */
  oldestUnlandedAt(): Promise<string | null>;
  stop(): Promise<void>;
  stats(): LoaderStats;
}

/** A batch read from the log and classified. */
interface Batch {
  records: LogRecord[];
  classified: Classified;
  end: number;
}

export async function createLoader(deps: LoaderDeps): Promise<Loader> {
  let offset = await deps.log.readCheckpoint();
  let running = false;
  let stopping = false;
  let wake: (() => void) | null = null;
  let loopDone: Promise<void> = Promise.resolve();
  let progressAt = Date.now();
  const stallMs = deps.stallMs ?? 120_000;
  const lingerMs = deps.lingerMs ?? 200;
  const lingering = lingerMs > 0;
  const counts = { landed: 0, quarantined: 0, duplicates: 0, failures: 0, batches: 0, lastError: null as string | null };
  const stageSeconds: StageSeconds = { read: 0, classify: 0, land: 0, privacy: 0, checkpoint: 0 };
  const timed = async <T>(stage: keyof StageSeconds, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      stageSeconds[stage] += (performance.now() - t0) / 1000;
    }
  };
  const waiters: { until: number; resolve: () => void }[] = [];
  const unsubscribe = deps.log.onAppend(() => wake?.());
  const backlog = () => Math.max(0, deps.log.end - offset);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(t);
        wake = null;
        resolve();
      };
    });
  // The log checkpoint is written behind landing (the next batch lands meanwhile): a crash before it is durable only
  // means some landed records are read again, and landing skips them as duplicates (exactly once holds in the warehouse).
  let checkpointed = offset;
  let checkpointing: Promise<void> | null = null;
  /**
   * End of the last batch that held a redacted customer's or shop's deliveries (a privacy request acted on, a late
   * delivery scrubbed or dropped): once the checkpoint passes it, the segment holding those raw bytes is rolled, and
   * the checkpoint that passes the roll deletes it.
   */
  let purgeThrough: number | null = null;
  const checkpointSoon = (): Promise<void> => {
    checkpointing ??= (async () => {
      try {
        while (checkpointed < offset || (purgeThrough !== null && purgeThrough <= checkpointed)) {
          if (purgeThrough !== null && purgeThrough <= checkpointed) {
            const through = purgeThrough;
            await timed('checkpoint', () => deps.log.rollPast(through));
            if (purgeThrough === through) purgeThrough = null;
            // Deletes the rolled segment now if the loader has passed it (idle), else the next checkpoint does.
            await timed('checkpoint', () => deps.log.commitCheckpoint(checkpointed));
            continue;
          }
          const to = offset;
          await timed('checkpoint', () => deps.log.commitCheckpoint(to));
          checkpointed = to;
        }
      } catch (err) {
        // Retried after the next batch, or within 250 ms when idle.
        counts.failures++;
        counts.lastError = (err as Error).message;
        deps.logger.warn('log checkpoint failed; will retry (landing continues, duplicates are skipped on restart)', { error: counts.lastError, offset });
      } finally {
        checkpointing = null;
      }
    })();
    return checkpointing;
  };
  const releaseWaiters = () => {
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.until <= offset) waiters.splice(i, 1)[0]!.resolve();
  };

  const classifier = createClassifier(deps.logger);

  // Customers already redacted: a late delivery about them (Shopify delivers up to a day late, orders
  // change for months) is scrubbed or dropped before it lands, and a quarantined one loses its body, so a
  // redaction stays complete.
  const redacted = await loadRedactedIndex(deps.warehouse);
  /**
   * The batch's events as they land, each with its body bytes from the log record (the exact UTF-8 text the payload
   * holds, landed without re-encoding), or null where a redaction scrubbed the payload; `touched` when a delivery
   * about a redacted customer was scrubbed or dropped (its raw bytes are then purged from the log).
   */
  const toLand = (batch: Batch): { events: LandedEvent[]; bodies: (Uint8Array | null)[]; quarantined: QuarantineRecord[]; touched: boolean } => {
    const { events: all, customerIds, indexes } = batch.classified;
    const events: LandedEvent[] = [];
    const bodies: (Uint8Array | null)[] = [];
    let touched = false;
    all.forEach((e, i) => {
      const decision = redacted.size === 0 ? 'keep' : redacted.decide(e, customerIds[i] ?? null);
      if (decision === 'keep') {
        events.push(e);
        bodies.push(bodyOf(batch.records[indexes[i]!]!.payload));
        return;
      }
      touched = true;
      // customers/* records of a redacted customer are not landed at all; their orders and refunds land scrubbed.
      const scrubbed = redacted.apply(e, customerIds[i] ?? null);
      if (scrubbed) {
        events.push(scrubbed);
        bodies.push(null);
      }
    });
    const quarantined = batch.classified.quarantined.map((q) => {
      const r = redacted.size === 0 ? q : redacted.scrubQuarantine(q);
      if (r !== q) touched = true;
      return r;
    });
    return { events, bodies, quarantined, touched };
  };

  /** Reads and classifies the batch starting at `from` (null when the log holds nothing there yet). */
  const fetchBatch = async (from: number): Promise<Batch | null> => {
    // Read and classify in chunks: each chunk's CRC check, copy to the worker and answer back is a few ms of the
    // main thread, so acknowledgements never wait behind one whole batch (the batch still lands as one transaction).
    const records: LogRecord[] = [];
    const classified: Classified = { events: [], customerIds: [], indexes: [], quarantined: [], undecodable: [] };
    let at = from;
    let bytes = 0;
    while (bytes < READ_BYTES && records.length < deps.batchSize) {
      const chunk = await timed('read', () => deps.log.read(at, CHUNK_BYTES, deps.batchSize - records.length));
      if (chunk.length === 0) break;
      const c = await timed('classify', () => classifier.classify(chunk.map((x) => x.payload)));
      const base = records.length;
      classified.events.push(...c.events);
      classified.customerIds.push(...c.customerIds);
      for (const i of c.indexes) classified.indexes.push(base + i);
      classified.quarantined.push(...c.quarantined);
      for (const u of c.undecodable) classified.undecodable.push({ index: base + u.index, error: u.error });
      for (const r of chunk) records.push(r);
      at = chunk[chunk.length - 1]!.next;
      bytes += at - chunk[0]!.offset;
    }
    if (records.length === 0) return null;
    for (const u of classified.undecodable) deps.logger.error('undecodable log record skipped', { offset: records[u.index]?.offset, error: u.error });
    return { records, classified, end: at };
  };

  /** Lands one batch; a failure that is not an outage is narrowed down to the poison records, which go to quarantine. */
  const land = async (events: LandedEvent[], bodies: (Uint8Array | null)[], quarantined: QuarantineRecord[], isolateUnexplained: boolean): Promise<void> => {
    try {
      const r = await deps.warehouse.landEvents(events, bodies);
      counts.landed += r.inserted;
      counts.duplicates += r.duplicates;
      deps.metrics.landed.inc({ table: 'shop_raw.events' }, r.inserted);
      deps.metrics.duplicates.inc(r.duplicates);
    } catch (err) {
      // A declared outage (retryable) is retried for as long as it lasts; a declared rejection of the rows themselves
      // (not retryable: the same rows fail the same way) is isolated at once, without backing off; an unexplained
      // error is retried a few times, then isolated.
      const declared = err instanceof ShopMlopsError;
      const e = ShopMlopsError.fromUnknown(err);
      const isolate = declared ? !e.retryable : isolateUnexplained;
      if (!isolate || events.length === 0) throw e;
      if (events.length === 1) {
        const ev = events[0]!;
        quarantined.push({ ...ev, reason: `load_failed: ${e.message}`, body: ev.payload, body_encoding: 'utf8' });
      } else {
        const mid = Math.ceil(events.length / 2);
        await land(events.slice(0, mid), bodies.slice(0, mid), [], isolateUnexplained);
        await land(events.slice(mid), bodies.slice(mid), quarantined, isolateUnexplained);
        return;
      }
    }
    if (quarantined.length) {
      await deps.warehouse.quarantine(quarantined);
      counts.quarantined += quarantined.length;
      deps.metrics.landed.inc({ table: 'shop_raw.quarantine' }, quarantined.length);
      for (const q of quarantined) deps.logger.warn('delivery quarantined', { webhookId: q.webhook_id, topic: q.topic, shop: q.shop, reason: q.reason });
    }
  };

  /** Acts on one privacy request; true when it redacted something (the log segments holding its data are then purged). */
  const honour = async (ev: LandedEvent): Promise<{ redactedAny: boolean; outcome: unknown }> => {
    const outcome = (await deps.privacy.handle(ev)) as { details?: { orderIds?: unknown } } | undefined;
    if (ev.topic === 'customers/redact') {
      const id = (parseExact(ev.payload) as { customer?: { id?: unknown } }).customer?.id;
      const orderIds = Array.isArray(outcome?.details?.orderIds) ? outcome.details.orderIds.map(String) : [];
      if (id !== undefined) redacted.add(ev.shop, String(id), orderIds);
    }
    return { redactedAny: ev.topic !== 'customers/data_request', outcome };
  };

  /** Acts on the batch's privacy requests; true when one redacted something. A request that fails for good stays pending (the scheduled retry acts on it again). */
  const actOnPrivacy = async (events: LandedEvent[], attempts: number): Promise<boolean> => {
    let redactedAny = false;
    for (const ev of events) {
      if (!isPrivacyTopic(ev.topic)) continue;
      try {
        if ((await honour(ev)).redactedAny) redactedAny = true;
      } catch (err) {
        const e = ShopMlopsError.fromUnknown(err);
        if (err instanceof ShopMlopsError ? e.retryable : attempts <= UNKNOWN_ERROR_ATTEMPTS) throw e;
        deps.logger.error(PRIVACY_PENDING_ALARM, { webhookId: ev.webhook_id, topic: ev.topic, code: e.code, error: e.message });
      }
    }
    return redactedAny;
  };

  let nextPrivacyRetryAt = 0;
  const retryWaiters: (() => void)[] = [];
  /** The scheduled privacy retry, when due (the loader is idle: nothing lands meanwhile). */
  const privacyRetryIfDue = async () => {
    const r = deps.privacyRetry;
    if (!r || Date.now() < nextPrivacyRetryAt) return;
    const waiting = retryWaiters.splice(0);
    try {
      await privacyRetryPass(r);
    } finally {
      for (const w of waiting) w();
    }
  };
  const privacyRetryPass = async (r: NonNullable<LoaderDeps['privacyRetry']>) => {
    nextPrivacyRetryAt = Date.now() + r.everyMs;
    let redactedAny = false;
    const privacy = {
      handle: async (ev: LandedEvent) => {
        const h = await honour(ev);
        if (h.redactedAny) redactedAny = true;
        return h.outcome;
      },
    };
    try {
      await retryPendingPrivacy({ warehouse: deps.warehouse, privacy, log: deps.logger, ...(r.artifacts ? { artifacts: r.artifacts } : {}), ...(r.exportTtlDays !== undefined ? { exportTtlDays: r.exportTtlDays } : {}) }, new Date());
    } catch (err) {
      counts.failures++;
      counts.lastError = (err as Error).message;
      deps.logger.warn('privacy retry pass failed; next pass on schedule', { error: counts.lastError });
    }
    if (redactedAny) {
      await deps.warehouse.compactAfterRedaction?.().catch((err: unknown) => deps.logger.warn('compaction after redaction failed; owed to the next landing', { error: (err as Error).message }));
      purgeThrough = Math.max(purgeThrough ?? 0, offset);
      void checkpointSoon();
    }
  };

  /**
   * One pass per batch: take the batch (read and classified ahead while the previous one landed), start reading and
   * classifying the next, land this one, act on its privacy requests, checkpoint. Every step is inside the error
   * handling: a failure backs off and retries the step it failed in; nothing ends the loop but stop().
   */
  const loop = async () => {
    let backoff = FIRST_BACKOFF_MS;
    let attempts = 0;
    let current: Batch | null = null;
    let ahead: { from: number; batch: Promise<Batch | null> } | null = null;
    while (!stopping) {
      try {
        deps.metrics.backlog.set(backlog());
        if (!current) {
          const next: Promise<Batch | null> = ahead && ahead.from === offset ? ahead.batch : fetchBatch(offset);
          ahead = null;
          current = await next;
          if (!current) {
            progressAt = Date.now();
            releaseWaiters();
            if (checkpointed < offset) void checkpointSoon();
            await privacyRetryIfDue();
            await sleep(250);
            continue;
          }
        }
        const batch: Batch = current;
        // Pipelining: the next batch is read and classified (worker thread) while this one lands (DuckDB's thread),
        // once a full one is waiting (a partial one is better gathered by lingering).
        if (!ahead && deps.log.end - batch.end >= (lingering ? LINGER_BELOW_BYTES : 1)) {
          ahead = { from: batch.end, batch: fetchBatch(batch.end) };
          ahead.batch.catch(() => undefined); // its failure surfaces when it is taken, and is retried then
        }
        attempts++;
        const { events, bodies, quarantined, touched } = toLand(batch);
        await timed('land', () => land(events, bodies, quarantined, attempts > UNKNOWN_ERROR_ATTEMPTS));
        const redactedNow = await timed('privacy', () => actOnPrivacy(events, attempts));
        if (touched || redactedNow) purgeThrough = Math.max(purgeThrough ?? 0, batch.end);
        if (redactedNow) await timed('privacy', async () => deps.warehouse.compactAfterRedaction?.());
        if (deps.onLanded) await deps.onLanded(events).catch((err: Error) => deps.logger.error('acting on landed deliveries failed', { error: err.message }));
        offset = batch.end;
        void checkpointSoon();
        current = null;
        counts.batches++;
        progressAt = Date.now();
        backoff = FIRST_BACKOFF_MS;
        attempts = 0;
        counts.lastError = null;
        releaseWaiters();
        // Caught up: let more deliveries gather so the next warehouse transaction carries many.
        if (lingering && !ahead) {
          const until = Date.now() + lingerMs;
          while (Date.now() < until && backlog() < LINGER_BELOW_BYTES && !waiters.length && !stopping) await new Promise((r) => setTimeout(r, Math.min(50, until - Date.now())));
        }
      } catch (err) {
        const e = ShopMlopsError.fromUnknown(err);
        counts.failures++;
        counts.lastError = e.message;
        deps.metrics.loadFailures.inc({ retryable: String(e.retryable) });
        deps.logger.warn('loader step failed; will retry (acknowledgements continue, nothing is lost)', { error: e.message, code: e.code, backoffMs: backoff, offset });
        await sleep(backoff);
        backoff = Math.min(backoff * 2, deps.maxBackoffMs ?? 5000);
      }
    }
  };

  /** The loop again if anything ever escapes it (it should not): the loader never stops silently. */
  const run = async () => {
    while (!stopping) {
      try {
        await loop();
      } catch (err) {
        counts.failures++;
        counts.lastError = (err as Error).message;
        deps.logger.error('loader loop failed; restarting it', { error: (err as Error).message });
        await sleep(1000);
      }
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      progressAt = Date.now();
      loopDone = run();
    },
    get landedOffset() {
      return offset;
    },
    get backlogBytes() {
      return backlog();
    },
    classifier,
    privacyRetryNow() {
      if (!deps.privacyRetry) return Promise.resolve();
      return new Promise<void>((resolve) => {
        retryWaiters.push(resolve);
        nextPrivacyRetryAt = 0;
        wake?.();
      });
    },
    drain(timeoutMs = 30000) {
      const until = deps.log.end;
      if (offset >= until) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), timeoutMs);
        waiters.push({ until, resolve: () => { clearTimeout(t); resolve(true); } });
        wake?.();
      });
    },
    async oldestUnlandedAt() {
      if (backlog() === 0) return null;
      const [record] = await deps.log.read(offset, 64 * 1024, 1);
      return record ? decodeEnvelope(record.payload).receivedAt : null;
    },
    stalled() {
      const s = stalledSeconds();
      return s * 1000 > stallMs ? `loader made no progress for ${Math.round(s)} s with ${backlog()} bytes waiting${counts.lastError ? ` (last error: ${counts.lastError})` : ''}` : null;
    },
    async stop() {
      stopping = true;
      wake?.();
      await loopDone;
      await checkpointing;
      await checkpointSoon();
      unsubscribe();
      await classifier.close();
    },
    stats() {
      return { ...counts, backlogBytes: backlog(), stalledSeconds: stalledSeconds(), classifierRestarts: classifier.restarts, stageSeconds: { ...stageSeconds } };
    },
  };

  function stalledSeconds(): number {
    return backlog() > 0 && running ? Math.max(0, (Date.now() - progressAt) / 1000) : 0;
  }
}

// Moves acknowledged deliveries from the durable log into the warehouse, off the ack path: classify, land, act on privacy topics.
import type { LandedEvent, QuarantineRecord } from '../core/classify';
import { ShopMlopsError } from '../core/errors';
import type { Logger } from '../core/log';
import type { IngestMetrics } from '../core/metrics';
import { isPrivacyTopic } from '../core/topics';
import type { Warehouse } from '../ports/warehouse';
import type { DurableLog, LogRecord } from '../adapters/embedded/durable-log';
import { createClassifier } from './classifier';
import { scrubPayload } from '../core/privacy';
import { parseExact } from '../core/json';

/** Attempts at a batch failing with an unexplained error before its poison records are isolated into quarantine. */
const UNKNOWN_ERROR_ATTEMPTS = 5;

/** Most bytes of log read (and landed) per transaction. */
const READ_BYTES = 8 * 1024 * 1024;
/** A batch smaller than this means we are caught up: linger so the next one is bigger. */
const LINGER_BELOW_BYTES = 2 * 1024 * 1024;

export interface LoaderDeps {
  log: DurableLog;
  warehouse: Warehouse;
  privacy: { handle(event: LandedEvent): Promise<unknown> };
  metrics: IngestMetrics;
  logger: Logger;
  batchSize: number;
  /** Pause after catching up, so the next transaction carries a bigger batch. Default 200 ms. */
  lingerMs?: number;
  /** Longest wait between retries while the warehouse is failing. */
  maxBackoffMs?: number;
}

export interface Loader {
  start(): void;
  /** Offset below which every record has landed. */
  readonly landedOffset: number;
  /** Resolves once everything acknowledged before the call has landed (or the timeout passes: false). */
  drain(timeoutMs?: number): Promise<boolean>;
  stop(): Promise<void>;
  stats(): { landed: number; quarantined: number; duplicates: number; failures: number; lastError: string | null; backlogBytes: number };
}

export async function createLoader(deps: LoaderDeps): Promise<Loader> {
  let offset = await deps.log.readCheckpoint();
  let running = false;
  let stopping = false;
  let wake: (() => void) | null = null;
  let loopDone: Promise<void> = Promise.resolve();
  const counts = { landed: 0, quarantined: 0, duplicates: 0, failures: 0, lastError: null as string | null };
  const waiters: { until: number; resolve: () => void }[] = [];
  const unsubscribe = deps.log.onAppend(() => wake?.());

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

  const classifier = createClassifier(deps.logger);

  // Customers already redacted: a late delivery about them (Shopify delivers up to a day late, orders
  // change for months) is scrubbed or dropped before it lands, so a redaction stays complete.
  const redacted = new Set(
    (await deps.warehouse.query("SELECT shop, customer_id FROM shop_raw.privacy_audit WHERE action = 'customers/redact' AND customer_id IS NOT NULL")).map(
      (r) => `${String(r['shop'])}\u0000${String(r['customer_id'])}`,
    ),
  );
  const applyRedactions = (events: LandedEvent[], customerIds: (string | null)[]): LandedEvent[] => {
    if (redacted.size === 0) return events;
    const out: LandedEvent[] = [];
    events.forEach((e, i) => {
      const cid = customerIds[i];
      if (!cid || !redacted.has(`${e.shop}\u0000${cid}`)) return void out.push(e);
      if (e.topic.startsWith('orders/')) out.push({ ...e, payload: scrubPayload(e.topic, e.payload) });
      // customers/* records of a redacted customer are not landed at all.
    });
    return out;
  };
  const split = async (records: LogRecord[]) => {
    const r = await classifier.classify(records.map((x) => x.payload));
    for (const u of r.undecodable) deps.logger.error('undecodable log record skipped', { offset: records[u.index]?.offset, error: u.error });
    return r;
  };

  /** Lands one batch; a non-retryable failure is narrowed down to the poison records, which go to quarantine. */
  const land = async (events: LandedEvent[], quarantined: QuarantineRecord[], isolatePoison = false): Promise<void> => {
    try {
      const r = await deps.warehouse.landEvents(events);
      counts.landed += r.inserted;
      counts.duplicates += r.duplicates;
      deps.metrics.landed.inc({ table: 'shop_raw.events' }, r.inserted);
      deps.metrics.duplicates.inc(r.duplicates);
    } catch (err) {
      const e = ShopMlopsError.fromUnknown(err);
      // A declared outage is retried for as long as it lasts; an unexplained error only a few times, then the poison is isolated.
      const retry = err instanceof ShopMlopsError ? e.retryable : !isolatePoison;
      if (retry || events.length === 0) throw e;
      if (events.length === 1) {
        const ev = events[0]!;
        quarantined.push({ ...ev, reason: `load_failed: ${e.message}`, body: ev.payload, body_encoding: 'utf8' });
      } else {
        const mid = Math.ceil(events.length / 2);
        await land(events.slice(0, mid), [], isolatePoison);
        await land(events.slice(mid), quarantined, isolatePoison);
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

  const loop = async () => {
    let backoff = 100;
    let attempts = 0;
    while (!stopping) {
      const records = await deps.log.read(offset, READ_BYTES, deps.batchSize);
      deps.metrics.backlog.set(Math.max(0, deps.log.end - offset));
      if (records.length === 0) {
        for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.until <= offset) waiters.splice(i, 1)[0]!.resolve();
        await sleep(250);
        continue;
      }
      const split_ = await split(records);
      const events = applyRedactions(split_.events, split_.customerIds);
      const quarantined = split_.quarantined;
      attempts++;
      try {
        await land(events, quarantined, attempts > UNKNOWN_ERROR_ATTEMPTS);
        for (const ev of events) {
          if (!isPrivacyTopic(ev.topic)) continue;
          try {
            await deps.privacy.handle(ev);
            if (ev.topic === 'customers/redact') {
              const id = (parseExact(ev.payload) as { customer?: { id?: unknown } }).customer?.id;
              if (id !== undefined) redacted.add(`${ev.shop}\u0000${String(id)}`);
            }
          } catch (err) {
            const e = ShopMlopsError.fromUnknown(err);
            if (err instanceof ShopMlopsError ? e.retryable : attempts <= UNKNOWN_ERROR_ATTEMPTS) throw e;
            deps.logger.error('privacy request could not be honoured', { webhookId: ev.webhook_id, topic: ev.topic, error: e.message });
          }
        }
        offset = records[records.length - 1]!.next;
        await deps.log.commitCheckpoint(offset);
        backoff = 100;
        attempts = 0;
        counts.lastError = null;
        for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.until <= offset) waiters.splice(i, 1)[0]!.resolve();
        // A short batch means we caught up: let more deliveries gather so each warehouse transaction carries many
        // (per-transaction cost dominates small batches and competes with acknowledgements for the CPU).
        const bytes = records[records.length - 1]!.next - records[0]!.offset;
        if (records.length < deps.batchSize && bytes < LINGER_BELOW_BYTES && !waiters.length && !stopping) await new Promise((r) => setTimeout(r, deps.lingerMs ?? 200));
      } catch (err) {
        const e = ShopMlopsError.fromUnknown(err);
        counts.failures++;
        counts.lastError = e.message;
        deps.metrics.loadFailures.inc({ retryable: String(e.retryable) });
        deps.logger.warn('landing failed; will retry (acknowledgements continue, nothing is lost)', { error: e.message, code: e.code, backoffMs: backoff, offset });
        await sleep(backoff);
        backoff = Math.min(backoff * 2, deps.maxBackoffMs ?? 5000);
      }
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      loopDone = loop().catch((err) => {
        deps.logger.error('loader stopped unexpectedly', { error: (err as Error).message });
      });
    },
    get landedOffset() {
      return offset;
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
    async stop() {
      stopping = true;
      wake?.();
      await loopDone;
      unsubscribe();
      await classifier.close();
    },
    stats() {
      return { ...counts, backlogBytes: Math.max(0, deps.log.end - offset) };
    },
  };
}

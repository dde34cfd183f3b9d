// The scheduled privacy retry (both worlds): every landed privacy request without an audit row is acted on again, each failure an alarm; expired data-request exports are deleted.
import type { LandedEvent } from './classify';
import { ShopMlopsError } from './errors';
import type { Logger } from './log';
import { expireExports } from './privacy-artifacts';
import type { RedactionResult, Warehouse } from '../ports/warehouse';
import type { ArtifactStore } from '../ports/artifact-store';

/** The log line operators alert on (infra/privacy-alerts.tf matches it): a privacy request not honoured yet. */
export const PRIVACY_PENDING_ALARM = 'privacy request not honoured; kept pending and retried on schedule';

export interface PrivacyRetryReport {
  pending: number;
  honoured: { webhookId: string; topic: string; outcome: unknown }[];
  failed: { webhookId: string; topic: string; code: string; error: string }[];
  expiredExports: string[];
  /** Late deliveries scrubbed (warehouses whose raw tables bypass the loader). */
  lateScrubbed?: RedactionResult['tables'];
}

/** Late deliveries are looked for among rows received this long ago at most (each is seen by many passes). */
const LATE_LOOKBACK_MS = 24 * 3_600_000;
/** ... and at least this long ago: BigQuery refuses DML over rows still in the streaming buffer (about 30 minutes). */
const STREAMING_BUFFER_MS = 35 * 60_000;

export interface PrivacyRetryDeps {
  warehouse: Pick<Warehouse, 'pendingPrivacyRequests' | 'scrubLateDeliveries'>;
  privacy: { handle(event: LandedEvent): Promise<unknown> };
  artifacts?: ArtifactStore;
  /** Days a data-request export is kept; omitted: exports are not expired here. */
  exportTtlDays?: number;
  log: Logger;
}

/**
 * One pass: acts on every pending privacy request received before `receivedBefore` (the cloud leaves the worker a
 * head start so the two rarely act on the same request at once; acting twice is harmless: redaction is idempotent and
 * the audit is written once per webhook id). A failure is logged as an alarm and left pending for the next pass.
 */
export async function retryPendingPrivacy(deps: PrivacyRetryDeps, receivedBefore: Date, now: Date = new Date()): Promise<PrivacyRetryReport> {
  const pending = await deps.warehouse.pendingPrivacyRequests(receivedBefore.toISOString());
  const report: PrivacyRetryReport = { pending: pending.length, honoured: [], failed: [], expiredExports: [] };
  for (const ev of pending) {
    try {
      const outcome = await deps.privacy.handle(ev);
      report.honoured.push({ webhookId: ev.webhook_id, topic: ev.topic, outcome });
      deps.log.notice('pending privacy request honoured', { webhookId: ev.webhook_id, topic: ev.topic, shop: ev.shop });
    } catch (err) {
      const e = ShopMlopsError.fromUnknown(err);
      report.failed.push({ webhookId: ev.webhook_id, topic: ev.topic, code: e.code, error: e.message });
      deps.log.error(PRIVACY_PENDING_ALARM, { webhookId: ev.webhook_id, topic: ev.topic, shop: ev.shop, code: e.code, error: e.message, receivedAt: ev.received_at });
    }
  }
  // Late deliveries the subscriptions landed as sent, received in the last day but out of BigQuery's streaming buffer.
  if (deps.warehouse.scrubLateDeliveries) {
    try {
      report.lateScrubbed = (await deps.warehouse.scrubLateDeliveries(new Date(now.getTime() - LATE_LOOKBACK_MS).toISOString(), new Date(now.getTime() - STREAMING_BUFFER_MS).toISOString())).tables;
    } catch (err) {
      const e = ShopMlopsError.fromUnknown(err);
      deps.log.error(PRIVACY_PENDING_ALARM, { what: 'late deliveries about redacted customers', code: e.code, error: e.message });
    }
  }
  if (deps.artifacts && deps.exportTtlDays !== undefined) report.expiredExports = await expireExports(deps.artifacts, deps.exportTtlDays, now);
  return report;
}

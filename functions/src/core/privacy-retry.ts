// The scheduled privacy retry (both worlds): every landed privacy request without an audit row is acted on again, each failure an alarm; expired data-request exports are deleted.
import type { LandedEvent } from './classify';
import { ShopMlopsError } from './errors';
import type { Logger } from './log';
import { expireExports } from './privacy-artifacts';
import type { Warehouse } from '../ports/warehouse';
import type { ArtifactStore } from '../ports/artifact-store';

/** The log line operators alert on (infra/privacy-alerts.tf matches it): a privacy request not honoured yet. */
export const PRIVACY_PENDING_ALARM = 'privacy request not honoured; kept pending and retried on schedule';

export interface PrivacyRetryReport {
  pending: number;
  honoured: { webhookId: string; topic: string; outcome: unknown }[];
  failed: { webhookId: string; topic: string; code: string; error: string }[];
  expiredExports: string[];
}

export interface PrivacyRetryDeps {
  warehouse: Pick<Warehouse, 'pendingPrivacyRequests'>;
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
  if (deps.artifacts && deps.exportTtlDays !== undefined) report.expiredExports = await expireExports(deps.artifacts, deps.exportTtlDays, now);
  return report;
}

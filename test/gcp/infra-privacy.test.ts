// The artifact bucket's lifecycle keeps no noncurrent generation for long and expires data-request exports after the configured TTL (infra/storage.tf, parsed with @cdktf/hcl2json).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { loadConfig } from '../../functions/src/core/config';
import { PRIVACY_PENDING_ALARM } from '../../functions/src/core/privacy-retry';

type Rule = { condition: Array<Record<string, unknown>>; action: Array<{ type: string }> };

test('noncurrent generations are deleted within days, and exports after the TTL the functions use', async () => {
  const tf = (await parseHcl('storage.tf', readFileSync(path.join(__dirname, '../../infra/storage.tf'), 'utf8'))) as {
    resource: { google_storage_bucket: { artifacts: Array<{ versioning: Array<{ enabled: boolean }>; lifecycle_rule: Rule[] }> } };
    variable: Record<string, Array<{ default: number }>>;
  };
  const bucket = tf.resource.google_storage_bucket.artifacts[0]!;
  expect(bucket.versioning[0]!.enabled).toBe(true);
  const rules: Record<string, unknown>[] = bucket.lifecycle_rule.map((r) => ({ ...r.condition[0], action: r.action[0]!.type }));
  const variable = (ref: unknown) => tf.variable[String(ref).replace(/^\$\{var\.(\w+)\}$/, '$1')]![0]!.default;
  const noncurrent = rules.find((r) => r['days_since_noncurrent_time'] !== undefined)!;
  expect(noncurrent).toMatchObject({ with_state: 'ARCHIVED', action: 'Delete' });
  expect(variable(noncurrent['days_since_noncurrent_time'])).toBeLessThanOrEqual(7);
  const exports = rules.find((r) => JSON.stringify(r['matches_prefix']) === '["privacy-exports/"]')!;
  expect(exports['action']).toBe('Delete');
  expect(variable(exports['age'])).toBe(loadConfig({}, {}).privacyExportTtlDays);
});

test('a privacy request not honoured pages: the alert matches the exact alarm line the functions log', async () => {
  const tf = (await parseHcl('privacy-alerts.tf', readFileSync(path.join(__dirname, '../../infra/privacy-alerts.tf'), 'utf8'))) as {
    locals: Array<{ privacy_pending_message: string }>;
    resource: { google_monitoring_alert_policy: { privacy_pending: Array<{ severity: string; conditions: Array<{ condition_matched_log: Array<{ filter: string }> }> }> } };
  };
  expect(tf.locals[0]!.privacy_pending_message).toBe(PRIVACY_PENDING_ALARM);
  const policy = tf.resource.google_monitoring_alert_policy.privacy_pending[0]!;
  expect(policy.severity).toBe('CRITICAL');
  expect(policy.conditions[0]!.condition_matched_log[0]!.filter).toBe('resource.type="cloud_run_revision" AND severity>=ERROR AND jsonPayload.message="${local.privacy_pending_message}"');
});

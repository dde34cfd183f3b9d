// infra/alerts.tf + alert-rules.tf: every rule of infra/alerts/rules.yml becomes a Cloud Monitoring alert policy with its PromQL (names mapped to the custom metrics the sink writes), duration and documentation.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { metricType } from '../../functions/src/adapters/gcp/cloud-monitoring-sink';
import { Registry } from 'prom-client';
import { createIngestMetrics, createServingMetrics, MONITORING_SERIES, type MonitoringSeriesName } from '../../functions/src/core/metrics';

const INFRA = path.join(__dirname, '../../infra');
type Rule = { alert?: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> };
const groups = (parseYaml(readFileSync(path.join(INFRA, 'alerts/rules.yml'), 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> }).groups;
const rules = groups.flatMap((g) => g.rules.filter((r) => r.alert).map((r) => ({ ...r, group: g.name })));
type Block = Record<string, unknown>;
const first = (v: unknown): Block => (Array.isArray(v) ? (v[0] as Block) : (v as Block));

/** Cloud Monitoring's PromQL name of a metric type: the first / becomes :, every other . and / becomes _. */
const promqlName = (type: string) => type.replace('/', ':').replace(/[./]/g, '_');

test('the sink\'s metric types are the names the policies query: custom_googleapis_com:<series>', () => {
  for (const name of Object.keys(MONITORING_SERIES) as MonitoringSeriesName[]) expect(promqlName(metricType(name))).toBe(`custom_googleapis_com:${name}`);
});

test('alerts.tf declares one policy per computed rule, with a PromQL condition taken from it, and lets the functions write metrics', async () => {
  const doc = (await parseHcl('alerts.tf', readFileSync(path.join(INFRA, 'alerts.tf'), 'utf8'))) as { resource: Record<string, Record<string, Block[]>> };
  const policy = doc.resource['google_monitoring_alert_policy']!['rules']![0]!;
  expect(policy['for_each']).toBe('${local.alert_policies}');
  expect(policy['combiner']).toBe('OR');
  expect(policy['depends_on']).toEqual(['${google_project_service.monitoring}']);
  const condition = first(policy['conditions']);
  const promql = first(condition['condition_prometheus_query_language']);
  expect(promql).toMatchObject({ query: '${each.value.query}', duration: '${each.value.duration}', alert_rule: '${each.key}', rule_group: '${each.value.group}', labels: '${each.value.labels}' });
  expect(first(policy['documentation'])).toMatchObject({ subject: '${each.value.subject}', content: '${each.value.content}', mime_type: 'text/markdown' });
  expect(doc.resource['google_project_service']!['monitoring']![0]).toMatchObject({ service: 'monitoring.googleapis.com' });
  expect(doc.resource['google_project_iam_member']!['functions_metric_writer']![0]).toMatchObject({ role: 'roles/monitoring.metricWriter', member: '${local.functions_sa}' });
  const locals = (await parseHcl('alert-rules.tf', readFileSync(path.join(INFRA, 'alert-rules.tf'), 'utf8'))) as { locals: Block[] };
  expect(String(locals.locals[0]!['alert_rule_list'])).toContain('file("${path.module}/alerts/rules.yml")');
});

/** Rules whose cloud query is not the embedded expression renamed (alert-rules.tf alert_cloud_queries). */
const CLOUD_QUERY_RULES = ['IngestQueueLagging', 'QuarantineGrowing'];
/** Google's own metrics the cloud policies may read (Pub/Sub subscriptions). */
const GOOGLE_METRICS = [
  'pubsub_googleapis_com:subscription_oldest_unacked_message_age',
  'pubsub_googleapis_com:subscription_ack_message_count',
  'pubsub_googleapis_com:subscription_num_undelivered_messages',
];
/** Series the cloud writes: the monitoring sink's, and the registries the webhooks and api functions export. */
function cloudWrittenSeries(): Set<string> {
  const names = new Set<string>(Object.keys(MONITORING_SERIES));
  const ingest = createIngestMetrics();
  const serving = new Registry();
  createServingMetrics(serving);
  for (const r of [ingest.registry, serving]) for (const m of r.getMetricsAsArray()) {
    names.add(m.name);
    // Cloud Monitoring's PromQL reads a histogram's parts as Prometheus does.
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_count', '_sum']) names.add(m.name + s);
  }
  return names;
}
const subscriptionNames = (() => {
  const text = readFileSync(path.join(INFRA, 'pubsub.tf'), 'utf8');
  return [...text.matchAll(/resource "google_pubsub_subscription" "\w+" \{\s*\n\s*name\s*=\s*"([^"]+)"/g)].map((m) => m[1]!);
})();
const oldest = 'pubsub_googleapis_com:subscription_oldest_unacked_message_age';
const acked = 'pubsub_googleapis_com:subscription_ack_message_count';
const undelivered = 'pubsub_googleapis_com:subscription_num_undelivered_messages';
const sub = (name: string, id: string) => `${name}{monitored_resource="pubsub_subscription",subscription_id="${id}"}`;
const CLOUD_QUERY_TESTS = {
  rule_files: ['cloud.yml'],
  evaluation_interval: '1m',
  tests: [
    {
      interval: '1m',
      input_series: [
        // The events subscription stops writing at minute 5; its oldest unacked delivery ages a minute a minute.
        { series: sub(oldest, 'shopify-webhooks-events-bq'), values: '0 0 0 0 0 60+60x20' },
        { series: sub(oldest, 'shopify-webhooks-quarantine-bq'), values: '0x25' },
        // One delivery lands in quarantine at minute 30; nothing in the dead letters.
        { series: sub(acked, 'shopify-webhooks-quarantine-bq'), values: '0x30 1x60' },
        { series: sub(undelivered, 'shopify-webhooks-dead-letter'), values: '0x90' },
      ],
      alert_rule_test: [
        { eval_time: '9m', alertname: 'IngestQueueLagging', exp_alerts: [] },
        { eval_time: '14m', alertname: 'IngestQueueLagging', exp_alerts: [{ exp_labels: {} }] },
        { eval_time: '20m', alertname: 'QuarantineGrowing', exp_alerts: [] },
        { eval_time: '40m', alertname: 'QuarantineGrowing', exp_alerts: [{ exp_labels: {} }] },
      ],
    },
    {
      interval: '1m',
      input_series: [
        { series: sub(acked, 'shopify-webhooks-quarantine-bq'), values: '0x30' },
        // A row BigQuery refused waits in the dead-letter subscription.
        { series: sub(undelivered, 'shopify-webhooks-dead-letter'), values: '0x10 1x20' },
      ],
      alert_rule_test: [
        { eval_time: '5m', alertname: 'QuarantineGrowing', exp_alerts: [] },
        { eval_time: '15m', alertname: 'QuarantineGrowing', exp_alerts: [{ exp_labels: {} }] },
      ],
    },
  ],
};

// Terraform evaluates the policies from the rules file offline (alert-rules.tf needs no provider).
const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;
if (!terraform) console.warn('terraform not found: skipping the evaluation of infra/alert-rules.tf');
(terraform ? test : test.skip)('terraform turns every rule into a policy: PromQL on the custom metrics, the for duration in seconds, labels, documentation', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'alert-policies-'));
  try {
    mkdirSync(path.join(dir, 'alerts'));
    copyFileSync(path.join(INFRA, 'alert-rules.tf'), path.join(dir, 'alert-rules.tf'));
    copyFileSync(path.join(INFRA, 'alerts/rules.yml'), path.join(dir, 'alerts/rules.yml'));
    const out = spawnSync('terraform', ['console'], { cwd: dir, input: 'jsonencode(local.alert_policies)\n', encoding: 'utf8', timeout: 60_000, env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' } });
    expect(out.status).toBe(0);
    const policies = JSON.parse(JSON.parse(out.stdout.trim()) as string) as Record<string, { group: string; query: string; duration: string; labels: Record<string, string>; subject: string; content: string }>;
    expect(Object.keys(policies).sort()).toEqual(rules.map((r) => r.alert!).sort());
    const seconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
    for (const r of rules) {
      const p = policies[r.alert!]!;
      expect(p.group).toBe(r.group);
      if (!CLOUD_QUERY_RULES.includes(r.alert!)) expect(p.query).toBe(r.expr.trim().replace(/\bshop_mlops_/g, 'custom_googleapis_com:shop_mlops_'));
      expect(p.query).not.toMatch(/(?<![:\w])shop_mlops_/);
      const [, n, unit] = /^(\d+)([smhd])$/.exec(r.for ?? '0s')!;
      expect(p.duration).toBe(`${Number(n) * seconds[unit!]!}s`);
      expect(p.labels).toEqual(r.labels);
      // Prometheus templates become Cloud Monitoring documentation variables; none is left behind.
      for (const text of [p.subject, p.content]) expect(text).not.toMatch(/\{\{|\}\}/);
      if (r.annotations['summary']!.includes('$labels.shop')) expect(p.subject).toContain('${metric.label.shop}');
    }
    // Every series a cloud policy reads is written in the cloud: by the monitoring sink, by the functions' exported
    // registries, or by Google itself on our Pub/Sub subscriptions (names of infra/pubsub.tf).
    const written = cloudWrittenSeries();
    for (const [alert, p] of Object.entries(policies)) {
      for (const m of p.query.match(/\b[a-z_]+_googleapis_com:[a-z0-9_]+/g) ?? []) {
        if (m.startsWith('custom_googleapis_com:')) expect({ alert, series: m, written: written.has(m.slice('custom_googleapis_com:'.length)) }).toEqual({ alert, series: m, written: true });
        else expect({ alert, series: m, google: GOOGLE_METRICS.includes(m) }).toEqual({ alert, series: m, google: true });
      }
      for (const [, id] of p.query.matchAll(/subscription_id=~?"([^"]+)"/g)) {
        const re = new RegExp(`^(?:${id})$`);
        expect({ alert, id, matches: subscriptionNames.filter((n) => re.test(n)).length > 0 }).toEqual({ alert, id, matches: true });
      }
    }
    // The mapped queries are still valid PromQL (colons are legal in metric names).
    const promtool = spawnSync(process.env['PROMTOOL'] ?? 'promtool', ['--version']).status === 0;
    if (promtool) {
      const mapped = { groups: [{ name: 'cloud', rules: Object.entries(policies).map(([alert, p]) => ({ alert, expr: p.query })) }] };
      writeFileSync(path.join(dir, 'cloud.yml'), toYaml(mapped));
      const check = spawnSync(process.env['PROMTOOL'] ?? 'promtool', ['check', 'rules', 'cloud.yml'], { cwd: dir, encoding: 'utf8' });
      expect(check.stdout + check.stderr).toMatch(/SUCCESS/);
      // The cloud-only queries fire on what Pub/Sub reports: a 6-minute-old unwritten delivery, a quarantined one.
      writeFileSync(path.join(dir, 'cloud.test.yml'), toYaml(CLOUD_QUERY_TESTS));
      const run = spawnSync(process.env['PROMTOOL'] ?? 'promtool', ['test', 'rules', 'cloud.test.yml'], { cwd: dir, encoding: 'utf8' });
      expect(run.stdout + run.stderr).toMatch(/SUCCESS/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// infra/alerts.tf + alert-rules.tf: every rule of infra/alerts/rules.yml becomes a Cloud Monitoring alert policy with its PromQL (names mapped to the custom metrics the sink writes), duration and documentation.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { metricType } from '../../functions/src/adapters/gcp/cloud-monitoring-sink';
import { MONITORING_SERIES, type MonitoringSeriesName } from '../../functions/src/core/metrics';

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
      expect(p.query).toBe(r.expr.replace(/\bshop_mlops_/g, 'custom_googleapis_com:shop_mlops_'));
      expect(p.query).not.toMatch(/(?<![:\w])shop_mlops_/);
      const [, n, unit] = /^(\d+)([smhd])$/.exec(r.for ?? '0s')!;
      expect(p.duration).toBe(`${Number(n) * seconds[unit!]!}s`);
      expect(p.labels).toEqual(r.labels);
      // Prometheus templates become Cloud Monitoring documentation variables; none is left behind.
      for (const text of [p.subject, p.content]) expect(text).not.toMatch(/\{\{|\}\}/);
      if (r.annotations['summary']!.includes('$labels.shop')) expect(p.subject).toContain('${metric.label.shop}');
    }
    // The mapped queries are still valid PromQL (colons are legal in metric names).
    const promtool = spawnSync(process.env['PROMTOOL'] ?? 'promtool', ['--version']).status === 0;
    if (promtool) {
      const mapped = { groups: [{ name: 'cloud', rules: Object.entries(policies).map(([alert, p]) => ({ alert, expr: p.query })) }] };
      writeFileSync(path.join(dir, 'cloud.yml'), toYaml(mapped));
      const check = spawnSync(process.env['PROMTOOL'] ?? 'promtool', ['check', 'rules', 'cloud.yml'], { cwd: dir, encoding: 'utf8' });
      expect(check.stdout + check.stderr).toMatch(/SUCCESS/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// infra/alerts/rules.yml: promtool's unit tests pass (and catch a broken rule), every required alert exists and is tested, and every series a rule reads is one the code exports.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createIngestMetrics, createMonitoringMetrics, createQueueMetrics, createServingMetrics } from '../../functions/src/core/metrics';

const ALERTS = path.join(__dirname, '../../infra/alerts');
const RULES = path.join(ALERTS, 'rules.yml');
const TESTS = path.join(ALERTS, 'rules.test.yml');

type Rule = { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
const rules = (parseYaml(readFileSync(RULES, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> }).groups.flatMap((g) => g.rules);

/** The promtool binary (PROMTOOL overrides the one on PATH). */
const PROMTOOL = process.env['PROMTOOL'] ?? 'promtool';
const promtool = spawnSync(PROMTOOL, ['--version'], { encoding: 'utf8' });
const hasPromtool = promtool.status === 0;
// In CI a missing promtool is a failure (.ci/run installs Debian prometheus); elsewhere the promtool tests skip, saying why.
const withPromtool = hasPromtool || process.env['CI'] ? test : test.skip;
if (!hasPromtool && !process.env['CI']) console.warn('promtool not found: skipping `promtool test rules` (install the Debian package prometheus; .ci/run does)');

function runPromtool(args: string[], cwd: string) {
  if (!hasPromtool) throw new Error('promtool is missing: install the Debian package prometheus (apt-get install prometheus; .ci/run does)');
  return spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8', timeout: 60_000 });
}

withPromtool('promtool check rules accepts the file and its unit tests pass', () => {
  const check = runPromtool(['check', 'rules', 'rules.yml'], ALERTS);
  expect(check.stdout + check.stderr).toMatch(/SUCCESS: \d+ rules found/);
  expect(check.status).toBe(0);
  const run = runPromtool(['test', 'rules', 'rules.test.yml'], ALERTS);
  expect(run.stdout + run.stderr).toMatch(/SUCCESS/);
  expect(run.status).toBe(0);
});

withPromtool('the unit tests catch a broken rule (the precision comparison turned around)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'alert-rules-'));
  try {
    const text = readFileSync(RULES, 'utf8');
    expect(text).toContain('< on (model) group_left ()');
    writeFileSync(path.join(dir, 'rules.yml'), text.replace('< on (model) group_left ()', '> on (model) group_left ()'));
    copyFileSync(TESTS, path.join(dir, 'rules.test.yml'));
    const run = runPromtool(['test', 'rules', 'rules.test.yml'], dir);
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toMatch(/FAILED[\s\S]*LivePrecisionBelowThreshold/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the alerts the design asks for exist, each with a severity, summary and description, and each has a firing case in rules.test.yml', () => {
  const names = rules.map((r) => r.alert);
  for (const a of ['LivePrecisionBelowThreshold', 'ModelRolledBack', 'FeatureDrift', 'MonitorNotRunning', 'IngestQueueLagging', 'QuarantineGrowing', 'ServingFallbacksHigh']) expect(names).toContain(a);
  for (const r of rules) {
    expect(r.alert).toMatch(/^[A-Z][A-Za-z]+$/);
    expect(r.labels?.['severity']).toMatch(/^(page|ticket)$/);
    expect(r.annotations?.['summary']).toBeTruthy();
    expect(r.annotations?.['description']).toBeTruthy();
    expect(r.for ?? '0m').toMatch(/^\d+[smh]$/);
  }
  const tests = (parseYaml(readFileSync(TESTS, 'utf8')) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }> }).tests;
  const fired = new Set(tests.flatMap((t) => (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
  expect([...fired].sort()).toEqual(rules.map((r) => r.alert!).sort());
});

test('every series a rule reads is one the code exports (ingest, serving, queue and monitoring metrics)', async () => {
  const ingest = createIngestMetrics();
  createServingMetrics(ingest.registry);
  createQueueMetrics(ingest.registry, { queueLagSeconds: () => 0, quarantineRecords: () => 0 });
  createMonitoringMetrics(ingest.registry);
  const exported = new Set<string>();
  for (const m of await ingest.registry.getMetricsAsJSON()) {
    exported.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(m.name + s);
  }
  const read = new Set(rules.flatMap((r) => r.expr.match(/\bshop_mlops_[a-z0-9_]+/g) ?? []));
  expect(read.size).toBeGreaterThan(8);
  for (const name of read) expect({ name, exported: exported.has(name) }).toEqual({ name, exported: true });
});

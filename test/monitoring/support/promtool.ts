// Which alert rules of infra/alerts/rules.yml fire on a /metrics scrape: the scraped series become promtool input series, and promtool reports the alerts it got.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const RULES = path.join(__dirname, '../../../infra/alerts/rules.yml');
const PROMTOOL = process.env['PROMTOOL'] ?? 'promtool';

export const promtool = {
  available: (): boolean => spawnSync(PROMTOOL, ['--version'], { encoding: 'utf8' }).status === 0,
  /**
   * The alerts (labels, alertname included) firing 10 minutes after the scraped values of `series` appeared (held
   * constant), for each of `alertnames`. promtool is asked to expect none; what it reports it got is the answer.
   */
  firingAlerts(metricsText: string, series: readonly string[], alertnames: readonly string[]): Record<string, string>[] {
    const lines = metricsText.split('\n').filter((l) => series.some((s) => l.startsWith(`${s}{`) || l.startsWith(`${s} `)));
    const input = lines.map((l) => {
      const cut = l.lastIndexOf(' ');
      return { series: l.slice(0, cut), values: `${l.slice(cut + 1)}x20` };
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'promtool-e2e-'));
    try {
      const yaml = [
        `rule_files: [${JSON.stringify(RULES)}]`,
        'evaluation_interval: 1m',
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        ...input.flatMap((i) => [`      - series: ${JSON.stringify(i.series)}`, `        values: ${JSON.stringify(i.values)}`]),
        '    alert_rule_test:',
        ...alertnames.flatMap((a) => ['      - eval_time: 10m', `        alertname: ${a}`, '        exp_alerts: []']),
      ].join('\n');
      writeFileSync(path.join(dir, 'e2e.test.yml'), yaml);
      const r = spawnSync(PROMTOOL, ['test', 'rules', 'e2e.test.yml'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      if (r.error) throw new Error(`promtool: ${r.error.message} (install the Debian package prometheus; .ci/run does)`);
      const out = `${r.stdout}${r.stderr}`;
      if (r.status === 0) return [];
      if (!/got:/.test(out)) throw new Error(`promtool failed: ${out}`);
      return [...out.matchAll(/Labels:\{([^}]*)\}/g)].map((m) => Object.fromEntries([...m[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!])));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

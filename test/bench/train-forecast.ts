// Forecast training benchmark: 5,000 synthetic variants × 2 years daily through forecastPanel (rolling-origin selection).
import * as os from 'node:os';
import { forecastPanel } from '../../functions/src/models/forecast/panel';
import { forecastPanelParallel } from '../../functions/src/models/forecast/parallel';
import { prepareSeries } from '../../functions/src/models/forecast/prepare';
import { seasonalNaive } from '../../functions/src/models/forecast/naive';
import { syntheticPanel } from '../../functions/src/models/forecast/synthetic';
import type { BenchResult, BenchRow } from './run';

const VARIANTS = Number(process.env['BENCH_VARIANTS'] ?? 5_000);
const DAYS = 730;
const HORIZON = 28;
const TARGET_SECONDS = 60;
const THREADS = 2;

interface Measured {
  seconds: number;
  cpuSeconds: number;
}

async function measure<T>(fn: () => T | Promise<T>): Promise<Measured & { value: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { value, seconds, cpuSeconds: (c.user + c.system) / 1e6 };
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

export async function run(): Promise<BenchResult> {
  const gen = await measure(() => syntheticPanel(VARIANTS, DAYS, 'train-forecast'));
  const panel = gen.value;
  const kinds: Record<string, number> = {};
  for (const s of panel) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
  const rssBefore = process.memoryUsage().rss;

  // reference: the same series prepared once and a weekly seasonal naive forecast for each, in one pass
  const ref = await measure(() => {
    const out = new Float64Array(HORIZON);
    let total = 0;
    for (const s of panel) {
      const p = prepareSeries(s);
      seasonalNaive.forecast(p.y, new Float64Array(0), [p.y.length], HORIZON, out);
      total += out[0]!;
    }
    return total;
  });

  const options = { horizon: HORIZON, levels: [80, 95], leadTime: 7, serviceLevel: 0.95 };
  const serial = await measure(() => forecastPanel(panel, options));
  const peakSerial = process.resourceUsage().maxRSS * 1024;
  // process.cpuUsage covers every thread of the process, workers included
  const fc = await measure(() => forecastPanelParallel(panel, options, { threads: THREADS }));
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const same = JSON.stringify(serial.value) === JSON.stringify(fc.value);
  const models: Record<string, number> = {};
  for (const r of fc.value) models[r.model] = (models[r.model] ?? 0) + 1;

  const rows: BenchRow[] = [
    { name: 'generate synthetic panel', seconds: gen.seconds, cpu_seconds: gen.cpuSeconds, series: VARIANTS, days: DAYS },
    { name: 'reference: seasonal naive, one pass', seconds: ref.seconds, cpu_seconds: ref.cpuSeconds, series: VARIANTS, days: DAYS },
    {
      name: 'forecastPanel, 1 thread',
      seconds: serial.seconds, cpu_seconds: serial.cpuSeconds, series: VARIANTS, days: DAYS,
      ms_per_series: (1000 * serial.seconds) / VARIANTS, ratio_to_reference: serial.seconds / ref.seconds, peak_rss_mb: mb(peakSerial),
    },
    {
      name: `forecastPanelParallel, ${THREADS} worker threads`,
      seconds: fc.seconds, cpu_seconds: fc.cpuSeconds, series: VARIANTS, days: DAYS,
      ms_per_series: (1000 * fc.seconds) / VARIANTS, ratio_to_reference: fc.seconds / ref.seconds, peak_rss_mb: mb(peakRss),
    },
  ];
  return {
    name: 'train-forecast',
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} at the end`,
    rows,
    targets: [
      { metric: `forecast ${VARIANTS} variants × ${DAYS} days, 1 thread (s)`, target: `≤ ${TARGET_SECONDS}`, value: Number(serial.seconds.toFixed(2)), pass: serial.seconds <= TARGET_SECONDS },
      { metric: 'CPU time, 1 thread (s)', target: `≤ ${TARGET_SECONDS} (the machine is shared)`, value: Number(serial.cpuSeconds.toFixed(2)), pass: serial.cpuSeconds <= TARGET_SECONDS },
      { metric: `the same on ${THREADS} worker threads (s)`, target: 'reported (helps only when a core is free)', value: Number(fc.seconds.toFixed(2)), pass: true },
      { metric: 'threads give the same results as 1 thread', target: 'identical JSON', value: same ? 'identical' : 'DIFFERENT', pass: same },
      { metric: 'peak RSS (MB)', target: 'reported', value: mb(peakRss), pass: true },
    ],
    notes: [
      `synthetic panel (seeded): ${Object.entries(kinds).map(([k, v]) => `${k} ${v}`).join(', ')}; models chosen: ${Object.entries(models).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `RSS before forecasting ${mb(rssBefore)} MB, process peak ${mb(peakRss)} MB`,
      'the forecast is CPU-bound: wall time above CPU time (per thread) means other processes shared the cores',
      `reference = preparing every series and one weekly seasonal naive forecast, in the same run`,
    ],
  };
}

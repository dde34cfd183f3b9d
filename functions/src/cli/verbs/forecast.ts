// `shop-mlops forecast --csv FILE --horizon H [--level 80,95] [--lead-time D] [--service-level P] --out OUT`: daily demand per series.
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { CliContext } from '../context';
import { formatTable } from '../table';
import { readLongCsv } from '../../models/forecast/long-csv';
import { forecastResolved, resolveOptions } from '../../models/forecast/panel';
import type { SeriesForecast } from '../../models/forecast/types';
import { numberFlag, parseVerbArgs, usageError } from '../flags';

export const USAGE = `usage: shop-mlops forecast --csv FILE --horizon H --out OUT [--level 80,95] [--lead-time D]
                        [--service-level P] [--json]
  FILE is the long layout unique_id,ds,y (one row per series and day, ds = YYYY-MM-DD, y = units ≥ 0; other columns
  are ignored; an optional in_stock column marks out-of-stock days, and an empty y a day not observed: both are
  censored, not zero). Days without a row, from a series' first day to the last day in FILE, count as 0 units.
  --horizon H          days to forecast after the last day in FILE
  --level L[,L...]     central interval levels in percent (default 80,95)
  --lead-time D        replenishment lead time in days for the reorder point (default 7)
  --service-level P    cycle service level in (0, 1) for the reorder point (default 0.95)
  --out OUT            CSV unique_id,ds,yhat,model,lo_<L>,hi_<L> per series and forecast day
  --json               one JSON object (models chosen, reorder points, timings) on stdout instead of the table`;

const flagsSchema = z.object({
  csv: z.string().min(1, { message: '--csv FILE is required' }),
  out: z.string().min(1, { message: '--out OUT is required' }),
  horizon: z.number({ message: '--horizon H is required (a whole number of days)' }).int({ message: '--horizon must be a whole number of days' }).min(1, { message: '--horizon must be ≥ 1' }).max(3660, { message: '--horizon must be ≤ 3660' }),
  levels: z.array(z.number({ message: '--level takes numbers like 80,95' }).gt(0, { message: '--level values must be in (0, 100)' }).lt(100, { message: '--level values must be in (0, 100)' })).min(1),
  leadTime: z.number({ message: '--lead-time must be a whole number of days' }).int({ message: '--lead-time must be a whole number of days' }).min(1, { message: '--lead-time must be ≥ 1' }).max(3660),
  serviceLevel: z.number({ message: '--service-level must be a number in (0, 1)' }).gt(0, { message: '--service-level must be in (0, 1)' }).lt(1, { message: '--service-level must be in (0, 1)' }),
});



export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parseVerbArgs(
    argv,
    {
      csv: { type: 'string' },
      out: { type: 'string' },
      horizon: { type: 'string' },
      level: { type: 'string' },
      'lead-time': { type: 'string' },
      'service-level': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    USAGE,
    { min: 0, max: 0 },
  );
  if (values.help) {
    ctx.out(USAGE);
    return 0;
  }
  const parsed = flagsSchema.safeParse({
    csv: values.csv ?? '',
    out: values.out ?? '',
    horizon: numberFlag(values.horizon),
    levels: (values.level ?? '80,95').split(',').map((s) => numberFlag(s)),
    leadTime: numberFlag(values['lead-time']) ?? 7,
    serviceLevel: numberFlag(values['service-level']) ?? 0.95,
  });
  if (!parsed.success) throw usageError(parsed.error.issues.map((i) => i.message).join('\n'), USAGE);
  const f = parsed.data;
  if (!existsSync(f.csv)) throw usageError(`no such file: ${f.csv}`, USAGE);
  const json = ctx.json || values.json;
  const progress = (s: string) => {
    if (!json) ctx.err(s);
  };
  const levels = [...new Set(f.levels)].sort((a, b) => a - b);
  const opts = resolveOptions({ horizon: f.horizon, levels, leadTime: f.leadTime, serviceLevel: f.serviceLevel });

  const t0 = performance.now();
  const panel = await readLongCsv(createReadStream(f.csv), f.csv);
  const censored = panel.series.reduce((s, x) => s + Array.from(x.observed ?? []).filter((o) => o === false).length, 0);
  const tRead = performance.now();
  progress(`forecast: read ${f.csv}: ${panel.rows} rows, ${panel.series.length} series up to ${panel.lastDate}, ${panel.zeroFilled} missing days filled with 0, ${censored} censored days (${sec(tRead - t0)} s)`);

  const results: SeriesForecast[] = [];
  const step = Math.max(1, Math.ceil(panel.series.length / 10));
  for (const [i, s] of panel.series.entries()) {
    results.push(forecastResolved(s, opts));
    if ((i + 1) % step === 0 || i + 1 === panel.series.length) progress(`forecast: ${i + 1}/${panel.series.length} series (${sec(performance.now() - tRead)} s)`);
  }
  const tFit = performance.now();
  writeFileSync(f.out, forecastCsv(results, levels));
  const tWrite = performance.now();
  progress(`forecast: wrote ${f.out} (${results.length * f.horizon} rows)`);

  const models: Record<string, number> = {};
  for (const r of results) models[r.model] = (models[r.model] ?? 0) + 1;
  const timings = { readSeconds: sec(tRead - t0), forecastSeconds: sec(tFit - tRead), writeSeconds: sec(tWrite - tFit), totalSeconds: sec(tWrite - t0) };
  if (json) {
    ctx.out(JSON.stringify({
      file: f.csv, out: f.out, rows: panel.rows, lastDate: panel.lastDate, zeroFilledDays: panel.zeroFilled, censoredDays: censored,
      horizon: f.horizon, levels, leadTime: f.leadTime, serviceLevel: f.serviceLevel, models,
      series: results.map((r) => ({
        unique_id: r.id, model: r.model, demandClass: r.demandClass, historyDays: r.historyDays,
        expectedLeadTimeDemand: r.expectedLeadTimeDemand, reorderPoint: r.reorderPoint, safetyStock: r.safetyStock,
        backtest: r.backtest.map((b) => ({ model: b.model, rmsse: b.rmsse, mase: b.mase })), notes: r.notes,
      })),
      timings,
    }));
  } else ctx.out(readable(results, models, f.leadTime, f.serviceLevel, timings.totalSeconds));
  return 0;
}

const sec = (ms: number) => Number((ms / 1000).toFixed(3));

/** Numbers as short decimals (at most 4 places, no trailing zeros). */
const n4 = (v: number) => String(Number(v.toFixed(4)));

const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function forecastCsv(results: SeriesForecast[], levels: number[]): string {
  const header = ['unique_id', 'ds', 'yhat', 'model', ...levels.flatMap((l) => [`lo_${l}`, `hi_${l}`])];
  const lines = [header.join(',')];
  for (const r of results) {
    const id = quote(r.id);
    for (let h = 0; h < r.forecast.length; h++) {
      const cells = [id, r.dates[h]!, n4(r.forecast[h]!), r.model];
      for (const l of levels) cells.push(n4(r.lo[String(l)]![h]!), n4(r.hi[String(l)]![h]!));
      lines.push(cells.join(','));
    }
  }
  return lines.join('\n') + '\n';
}

function readable(results: SeriesForecast[], models: Record<string, number>, leadTime: number, serviceLevel: number, seconds: number): string {
  const SHOW = 20;
  const rows = results.slice(0, SHOW).map((r) => ({
    unique_id: r.id,
    class: r.demandClass,
    model: r.model,
    'mean/day': n4(r.forecast.reduce((s, v) => s + v, 0) / r.forecast.length),
    [`${leadTime}-day demand`]: n4(r.expectedLeadTimeDemand),
    'reorder point': n4(r.reorderPoint),
    'safety stock': n4(r.safetyStock),
    'backtest RMSSE': r.backtest.length ? n4(r.backtest.find((b) => b.model === r.model)?.rmsse ?? NaN) : '',
  }));
  const lines = [formatTable(rows)];
  if (results.length > SHOW) lines.push(`... ${results.length - SHOW} more series (all of them in the output file)`);
  lines.push('', `models chosen: ${Object.entries(models).map(([m, c]) => `${m} ${c}`).join(', ')}`);
  lines.push(`reorder point = the ${serviceLevel} quantile of demand over a ${leadTime}-day lead time; safety stock = reorder point − expected lead-time demand`);
  lines.push(`${results.length} series in ${seconds.toFixed(2)} s`);
  return lines.join('\n');
}

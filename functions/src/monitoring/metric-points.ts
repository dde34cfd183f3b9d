// Checks MetricsSink points against the MONITORING_SERIES contract (known series, exact label set, op matching the kind, finite values), every problem at once.
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';
import { MONITORING_SERIES, isMonitoringSeries, type MonitoringSeriesName } from '../core/metrics';
import type { MetricPoint } from '../ports/metrics-sink';

const pointSchema = z.object({
  name: z.string().min(1),
  labels: z.record(z.string(), z.string()),
  value: z.number(),
  op: z.enum(['set', 'add']).optional(),
});

export interface CheckedPoint {
  name: MonitoringSeriesName;
  labels: Record<string, string>;
  value: number;
  op: 'set' | 'add';
}

/** The points, checked; throws BAD_REQUEST naming every bad point (nothing is written then). */
export function checkMetricPoints(points: readonly MetricPoint[]): CheckedPoint[] {
  const problems: string[] = [];
  const out: CheckedPoint[] = [];
  points.forEach((raw, i) => {
    const parsed = pointSchema.safeParse(raw);
    if (!parsed.success) return void problems.push(`point ${i}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    const p = parsed.data;
    if (!isMonitoringSeries(p.name)) return void problems.push(`point ${i}: ${p.name} is not a monitoring series`);
    const series = MONITORING_SERIES[p.name];
    const op = p.op ?? 'set';
    const want = series.kind === 'counter' ? 'add' : 'set';
    const here: string[] = [];
    if (op !== want) here.push(`${p.name} is a ${series.kind}: op must be ${want}`);
    const expected = [...series.labels].sort();
    const given = Object.keys(p.labels).sort();
    if (expected.join(',') !== given.join(',')) here.push(`labels must be {${expected.join(', ')}}, got {${given.join(', ')}}`);
    if (!Number.isFinite(p.value)) here.push(`value must be finite, got ${p.value}`);
    else if (op === 'add' && p.value < 0) here.push(`a counter cannot decrease (add ${p.value})`);
    if (here.length) return void problems.push(`point ${i}: ${here.join('; ')}`);
    out.push({ name: p.name, labels: p.labels, value: p.value, op });
  });
  if (problems.length) throw new ShopMlopsError('BAD_REQUEST', `metric points rejected: ${problems.join(' | ')}`, { details: { problems } });
  return out;
}

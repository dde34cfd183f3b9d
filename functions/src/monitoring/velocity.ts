// Sales velocity verdict (pure): the last complete hour's orders against the trailing baseline's hourly mean, with a minimum of orders and a debounce.
import type { MonitoringPolicy } from './config';

export const HOUR_MS = 3_600_000;

/** Orders created in one UTC hour: `hour` = whole hours since the epoch (floor(ms / 3600000)). */
export interface HourlyOrders {
  hour: number;
  orders: number;
}

export type VelocityDirection = 'up' | 'down';

export interface VelocityVerdict {
  /** The hour judged (the last complete one before now), as ISO. */
  hour: string;
  current: number;
  /** Orders per hour over the baseline hours (hours without orders count as 0). */
  baselineMean: number;
  /** Hours the baseline mean is over (from its window start, or from the shop's first order in it). */
  baselineHours: number;
  /** current / baselineMean (Infinity when the baseline had no orders). */
  ratio: number;
  /** The shift seen, whether or not it triggers. */
  direction: VelocityDirection | null;
  /** True when this verdict asks for retraining. */
  trigger: boolean;
  /** ok: no shift; shift: triggers; debounced: a shift within debounceHours of the last velocity trigger; too_few_orders / short_history: no verdict. */
  status: 'ok' | 'shift' | 'debounced' | 'too_few_orders' | 'short_history';
  reason: string;
}

/** The hour window a check needs: [from, to) in epoch hours, `to` exclusive = the hour now is in. */
export function velocityWindow(now: Date, baselineHours: number): { fromHour: number; toHour: number } {
  const toHour = Math.floor(now.getTime() / HOUR_MS);
  return { fromHour: toHour - 1 - baselineHours, toHour };
}

const iso = (hour: number) => new Date(hour * HOUR_MS).toISOString();
const fmt = (x: number) => (Number.isFinite(x) ? (Number.isInteger(x) ? String(x) : x.toFixed(2)) : '∞');

/**
 * Judges the last complete hour before `now` (hour H) against hours [H − baselineHours, H). A shift is a ratio ≥ up or ≤
 * down; it counts only when the larger of the hour's orders and the baseline mean reaches minOrders (a quiet shop's
 * noise is not a shift: a drop needs a busy baseline, a surge a busy hour). A baseline that starts (at the shop's first
 * order in its window) less than half its length before H gives no verdict. A shift within debounceHours after
 * `lastTriggerAt` (the shop's latest velocity request) does not trigger again.
 */
export function velocityVerdict(counts: readonly HourlyOrders[], now: Date, policy: MonitoringPolicy['velocity'], lastTriggerAt: Date | null = null): VelocityVerdict {
  const { fromHour, toHour } = velocityWindow(now, policy.baselineHours);
  const judged = toHour - 1;
  let current = 0;
  let baselineSum = 0;
  let firstHour = Infinity;
  for (const c of counts) {
    if (!(c.orders > 0)) continue;
    if (c.hour === judged) current += c.orders;
    else if (c.hour >= fromHour && c.hour < judged) {
      baselineSum += c.orders;
      firstHour = Math.min(firstHour, c.hour);
    }
  }
  const span = Number.isFinite(firstHour) ? judged - firstHour : 0;
  const baselineMean = span > 0 ? baselineSum / span : 0;
  const ratio = baselineMean > 0 ? current / baselineMean : current > 0 ? Infinity : 1;
  const direction: VelocityDirection | null = ratio >= policy.up ? 'up' : ratio <= policy.down ? 'down' : null;
  const base = { hour: iso(judged), current, baselineMean, baselineHours: span, ratio, direction };
  const numbers = `${current} orders in the hour from ${iso(judged)} against ${fmt(baselineMean)}/h over the ${span} hours before (ratio ${fmt(ratio)}; up ${policy.up}, down ${policy.down})`;
  if (span * 2 < policy.baselineHours) return { ...base, trigger: false, status: 'short_history', reason: `no verdict: the baseline covers ${span} of ${policy.baselineHours} hours` };
  if (Math.max(current, baselineMean) < policy.minOrders) return { ...base, trigger: false, status: 'too_few_orders', reason: `no verdict: ${numbers}; fewer than ${policy.minOrders} orders` };
  if (!direction) return { ...base, trigger: false, status: 'ok', reason: numbers };
  const since = lastTriggerAt ? (now.getTime() - lastTriggerAt.getTime()) / HOUR_MS : Infinity;
  if (since < policy.debounceHours) return { ...base, trigger: false, status: 'debounced', reason: `velocity ${direction}: ${numbers}; debounced (last velocity trigger ${fmt(since)} h ago, debounce ${policy.debounceHours} h)` };
  return { ...base, trigger: true, status: 'shift', reason: `velocity ${direction}: ${numbers}` };
}

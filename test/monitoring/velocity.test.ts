// Velocity verdicts (pure): the last complete hour against the trailing baseline's hourly mean; thresholds, minimum orders, short history and debounce.
import { DEFAULT_MONITORING_POLICY } from '../../functions/src/monitoring/config';
import { HOUR_MS, velocityVerdict, velocityWindow, type HourlyOrders } from '../../functions/src/monitoring/velocity';

const policy = DEFAULT_MONITORING_POLICY.velocity; // up 2, down 0.5, baseline 168 h, minOrders 20, debounce 24 h
const NOW = new Date('2026-05-10T12:34:00Z');
const H = Math.floor(NOW.getTime() / HOUR_MS) - 1; // the judged hour: 11:00-12:00

/** `perHour` orders in every baseline hour, `current` in the judged hour, and orders in the current (incomplete) hour that must be ignored. */
function series(perHour: number, current: number, baselineHours = policy.baselineHours): HourlyOrders[] {
  const rows: HourlyOrders[] = [];
  for (let h = H - baselineHours; h < H; h++) rows.push({ hour: h, orders: perHour });
  rows.push({ hour: H, orders: current }, { hour: H + 1, orders: 1000 }, { hour: H - policy.baselineHours - 1, orders: 1000 });
  return rows;
}

test('the window is the baseline hours before the judged hour, the judged hour, up to the hour now is in', () => {
  expect(velocityWindow(NOW, 168)).toEqual({ fromHour: H - 168, toHour: H + 1 });
  expect(new Date(H * HOUR_MS).toISOString()).toBe('2026-05-10T11:00:00.000Z');
});

test('a steady hour is ok; twice the baseline is a surge, half of it a drop (at the thresholds inclusive)', () => {
  expect(velocityVerdict(series(30, 45), NOW, policy)).toMatchObject({ status: 'ok', trigger: false, current: 45, baselineMean: 30, baselineHours: 168, ratio: 1.5, direction: null });
  const up = velocityVerdict(series(30, 60), NOW, policy);
  expect(up).toMatchObject({ status: 'shift', trigger: true, direction: 'up', ratio: 2, hour: '2026-05-10T11:00:00.000Z' });
  expect(up.reason).toBe('velocity up: 60 orders in the hour from 2026-05-10T11:00:00.000Z against 30/h over the 168 hours before (ratio 2; up 2, down 0.5)');
  expect(velocityVerdict(series(30, 59), NOW, policy)).toMatchObject({ status: 'ok', trigger: false });
  expect(velocityVerdict(series(30, 15), NOW, policy)).toMatchObject({ status: 'shift', trigger: true, direction: 'down', ratio: 0.5 });
  expect(velocityVerdict(series(30, 16), NOW, policy)).toMatchObject({ status: 'ok', trigger: false });
  expect(velocityVerdict(series(30, 0), NOW, policy)).toMatchObject({ status: 'shift', direction: 'down', ratio: 0 });
});

test('hours without orders count as zero in the baseline mean', () => {
  const rows = series(0, 50).map((r) => (r.hour < H && r.hour >= H - 168 && r.hour % 2 === 0 ? { ...r, orders: 40 } : r));
  const v = velocityVerdict(rows.filter((r) => r.orders > 0), NOW, policy);
  expect(v.baselineMean).toBeCloseTo(20, 0);
  expect(v).toMatchObject({ trigger: true, direction: 'up' });
});

test('a quiet shop gives no verdict: a surge needs a busy hour, a drop a busy baseline', () => {
  expect(velocityVerdict(series(3, 10), NOW, policy)).toMatchObject({ status: 'too_few_orders', trigger: false, direction: 'up' });
  expect(velocityVerdict(series(3, 20), NOW, policy)).toMatchObject({ status: 'shift', trigger: true, direction: 'up' });
  expect(velocityVerdict(series(19, 0), NOW, policy)).toMatchObject({ status: 'too_few_orders', trigger: false, direction: 'down' });
  expect(velocityVerdict([], NOW, policy)).toMatchObject({ status: 'short_history', trigger: false });
});

test('a baseline shorter than half its window (a new shop) gives no verdict', () => {
  expect(velocityVerdict(series(30, 100, 83), NOW, policy)).toMatchObject({ status: 'short_history', trigger: false, baselineHours: 83 });
  expect(velocityVerdict(series(30, 100, 84), NOW, policy)).toMatchObject({ status: 'shift', trigger: true, baselineHours: 84, baselineMean: 30 });
});

test('debounce: a shift within debounceHours of the last velocity trigger does not trigger again', () => {
  const rows = series(30, 90);
  const ago = (h: number) => new Date(NOW.getTime() - h * HOUR_MS);
  expect(velocityVerdict(rows, NOW, policy, ago(23.5))).toMatchObject({ status: 'debounced', trigger: false, direction: 'up' });
  expect(velocityVerdict(rows, NOW, policy, ago(24))).toMatchObject({ status: 'shift', trigger: true });
  expect(velocityVerdict(rows, NOW, { ...policy, debounceHours: 0 }, ago(0))).toMatchObject({ status: 'shift', trigger: true });
});

test('the thresholds come from the policy', () => {
  const strict = { ...policy, up: 1.4, down: 0.9, minOrders: 5 };
  expect(velocityVerdict(series(30, 45), NOW, strict)).toMatchObject({ trigger: true, direction: 'up' });
  expect(velocityVerdict(series(30, 27), NOW, strict)).toMatchObject({ trigger: true, direction: 'down' });
  expect(velocityVerdict(series(3, 10), NOW, strict)).toMatchObject({ trigger: true, direction: 'up' });
});

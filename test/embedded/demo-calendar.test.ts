// The demo does not depend on today's date: pinned to several end days (weekdays, months, a DST change, a year end), every model trains and registers.
import { runDemo, demoHoldoutDays } from '../../functions/src/runtime/demo';
import { SECRET, startTestRuntime } from '../helpers/runtime';

const MODELS = ['clv', 'propensity', 'forecast', 'recommend'];

// A Sunday in US DST's spring change, a Wednesday at the year's end, a Friday in late spring; the demo's own
// default (yesterday) is what `npm start` uses and is covered by the CLI test with a pinned day too.
test.each(['2026-03-08', '2025-12-31', '2026-05-29'])('a 120-day demo ending %s trains and registers every model', async (endDate) => {
  const rt = await startTestRuntime({ shopTimezone: 'America/New_York' });
  try {
    const s = await runDemo(rt, { dataDir: rt.dataDir, days: 120, seed: 42, endDate, secret: SECRET });
    expect(s.features).toMatchObject({ ok: true, snapshotDate: expect.any(String) });
    // The snapshot is the last complete day of the simulated history, which ends on the pinned day.
    expect(s.features.snapshotDate <= endDate).toBe(true);
    expect(s.training).toMatchObject({ ok: true });
    const models = s.training && 'models' in s.training ? s.training.models : [];
    expect(models.map((m) => [m.model, m.trained, m.version])).toEqual(MODELS.map((m) => [m, true, 1]));
  } finally {
    await rt.close();
  }
}, 120_000);

test('a short demo trains with a holdout that leaves history before its cut', async () => {
  expect([demoHoldoutDays(30), demoHoldoutDays(60), demoHoldoutDays(120), demoHoldoutDays(400)]).toEqual([7, 15, 28, 28]);
  const rt = await startTestRuntime({ shopTimezone: 'America/New_York' });
  try {
    const s = await runDemo(rt, { dataDir: rt.dataDir, days: 30, seed: 42, endDate: '2026-12-05', secret: SECRET });
    const models = s.training && 'models' in s.training ? s.training.models : [];
    // 30 days cannot label a propensity snapshot (its labels look 30 days ahead); the other three train and register.
    expect(models.filter((m) => m.version === 1).map((m) => m.model)).toEqual(['clv', 'forecast', 'recommend']);
  } finally {
    await rt.close();
  }
}, 120_000);

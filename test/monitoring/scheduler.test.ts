// The runtime's scheduler on a manual clock: due rules (every N minutes, daily at a shop-local hour across DST), one run at a time per job, failures recorded and retried at the next due time.
import { manualClock } from '../../functions/src/core/clock';
import { createScheduler, dailyAt, every } from '../../functions/src/runtime/scheduler';

test('the manual clock sets and advances; bad instants are refused', () => {
  const c = manualClock('2026-11-01T00:00:00Z');
  c.advance(90 * 60_000);
  expect(c.now().toISOString()).toBe('2026-11-01T01:30:00.000Z');
  c.set(new Date('2026-12-24T12:00:00Z'));
  expect(c.now().toISOString()).toBe('2026-12-24T12:00:00.000Z');
  expect(() => c.set('not a date')).toThrow(RangeError);
  expect(() => c.advance(NaN)).toThrow(RangeError);
});

test('every N minutes: first run at once (or N after `since`), then N minutes after each start', async () => {
  const clock = manualClock('2026-11-01T00:00:00Z');
  const runs: string[] = [];
  const s = createScheduler({
    clock,
    jobs: [
      { name: 'a', due: every(60), run: async (now) => void runs.push(`a ${now.toISOString().slice(11, 16)}`) },
      { name: 'b', due: every(30, { since: clock.now() }), run: async (now) => void runs.push(`b ${now.toISOString().slice(11, 16)}`) },
    ],
  });
  await s.tick();
  clock.advance(29 * 60_000);
  await s.tick();
  clock.advance(60_000);
  await s.tick();
  clock.advance(30 * 60_000);
  await s.tick();
  expect(runs).toEqual(['a 00:00', 'b 00:30', 'a 01:00', 'b 01:00']);
});

test('daily at a shop-local hour: once per local day at or after the hour, also across a DST change', async () => {
  const clock = manualClock('2026-11-01T05:00:00Z'); // 01:00 in New York (EDT → EST at 06:00Z that day)
  const days: string[] = [];
  const s = createScheduler({ clock, jobs: [{ name: 'drift', due: dailyAt(2, 'America/New_York'), run: async (now) => void days.push(now.toISOString()) }] });
  for (let h = 0; h < 48; h++) {
    await s.tick();
    clock.advance(3_600_000);
  }
  // 02:00 EST on Nov 1 is 07:00Z; 02:00 EST on Nov 2 is 07:00Z again
  expect(days).toEqual(['2026-11-01T07:00:00.000Z', '2026-11-02T07:00:00.000Z']);
  // started after a day's hour had passed (the runtime was down at 02:00): it still runs that day, once
  const late = manualClock('2026-11-03T20:00:00Z');
  const d2: string[] = [];
  const s2 = createScheduler({ clock: late, jobs: [{ name: 'drift', due: dailyAt(2, 'America/New_York'), run: async (now) => void d2.push(now.toISOString()) }] });
  await s2.tick();
  late.advance(3_600_000);
  await s2.tick();
  expect(d2).toEqual(['2026-11-03T20:00:00.000Z']);
});

test('one run of a job at a time: a tick while it runs does not start another; runNow joins the run under way', async () => {
  const clock = manualClock('2026-11-01T00:00:00Z');
  let release!: () => void;
  let started = 0;
  const s = createScheduler({ clock, jobs: [{ name: 'slow', due: every(1), run: () => (started++, new Promise<void>((r) => (release = r))) }] });
  const first = s.tick();
  clock.advance(10 * 60_000);
  expect(await s.tick()).toEqual([]); // still running: not started again
  const joined = s.runNow('slow');
  expect(started).toBe(1);
  expect(s.status().slow!.running).toBe(true);
  release();
  const [r] = await first;
  expect(await joined).toBe(r);
  expect(r).toMatchObject({ job: 'slow', ok: true, startedAt: '2026-11-01T00:00:00.000Z' });
  expect(s.status().slow!.running).toBe(false);
});

test('a failing run is recorded, does not stop other jobs, and runs again at its next due time', async () => {
  const clock = manualClock('2026-11-01T00:00:00Z');
  let calls = 0;
  const s = createScheduler({
    clock,
    jobs: [
      { name: 'bad', due: every(60), run: async () => { calls++; throw new Error('warehouse down'); } },
      { name: 'good', due: every(60), run: async () => undefined },
    ],
  });
  const runs = await s.tick();
  expect(runs.map((r) => [r.job, r.ok, r.error])).toEqual([['bad', false, 'warehouse down'], ['good', true, undefined]]);
  await s.tick();
  expect(calls).toBe(1);
  clock.advance(3_600_000);
  await s.tick();
  expect(calls).toBe(2);
  expect(() => s.runNow('nope')).toThrow(/no job named nope/);
  expect(() => createScheduler({ clock, jobs: [{ name: 'x', due: every(1), run: async () => 0 }, { name: 'x', due: every(1), run: async () => 0 }] })).toThrow(/two jobs/);
});

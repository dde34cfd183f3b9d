// The local runtime's scheduler: named jobs with a due rule (every N minutes, daily at a shop-local hour), at most one run of a job at a time, read off an injectable Clock; tick() drives it in tests.
import type { Clock } from '../core/clock';
import type { Logger } from '../core/log';
import { silentLogger } from '../core/log';
import { localDate, toLocal } from '../core/shop-days';

/** When a job is due, given "now" and when it last started (null: never). */
export type DueRule = (now: Date, lastStart: Date | null) => boolean;

export interface ScheduledJob {
  name: string;
  due: DueRule;
  run(now: Date): Promise<unknown>;
}

/** Due every `minutes` since the last start; the first run at once, or `minutes` after `since` when given. */
export function every(minutes: number, o: { since?: Date } = {}): DueRule {
  if (!(minutes > 0)) throw new RangeError(`every: minutes must be positive, got ${minutes}`);
  const ms = minutes * 60_000;
  return (now, last) => {
    const from = last ?? o.since ?? null;
    return from === null || now.getTime() - from.getTime() >= ms;
  };
}

/** Due once per shop-local day, at or after `hour` o'clock in the time zone (a day whose hour passed while down still runs once). */
export function dailyAt(hour: number, timeZone: string): DueRule {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new RangeError(`dailyAt: hour must be 0..23, got ${hour}`);
  return (now, last) => {
    if (toLocal(now, timeZone).hour < hour) return false;
    if (!last) return true;
    const today = localDate(now, timeZone);
    const lastDay = localDate(last, timeZone);
    // The last run started today after the hour: done for today.
    return !(lastDay === today && toLocal(last, timeZone).hour >= hour);
  };
}

export interface JobRun {
  job: string;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  error?: string;
}

export interface Scheduler {
  /** Starts every due job that is not already running; resolves when the runs it started have finished. */
  tick(): Promise<JobRun[]>;
  /** Runs a job now (unless a run of it is under way: then waits for that run); for admin routes and CLI verbs. */
  runNow(name: string): Promise<JobRun>;
  /** Ticks every `pollMs` on a timer (unref'd) until stop(). */
  start(pollMs?: number): void;
  /** Stops the timer and waits for runs under way. */
  stop(): Promise<void>;
  /** The last run of each job. */
  status(): Record<string, { running: boolean; lastStart: string | null; last: JobRun | null }>;
}

interface JobState {
  job: ScheduledJob;
  lastStart: Date | null;
  running: Promise<JobRun> | null;
  last: JobRun | null;
}

export function createScheduler(o: { clock: Clock; jobs: readonly ScheduledJob[]; logger?: Logger }): Scheduler {
  const log = o.logger ?? silentLogger;
  const states = new Map<string, JobState>();
  for (const job of o.jobs) {
    if (states.has(job.name)) throw new Error(`scheduler: two jobs named ${job.name}`);
    states.set(job.name, { job, lastStart: null, running: null, last: null });
  }
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<unknown> | null = null;

  const launch = (s: JobState): Promise<JobRun> => {
    const now = o.clock.now();
    s.lastStart = now;
    const p = (async (): Promise<JobRun> => {
      let run: JobRun;
      try {
        await s.job.run(now);
        run = { job: s.job.name, startedAt: now.toISOString(), finishedAt: o.clock.now().toISOString(), ok: true };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log.warn('scheduled job failed', { job: s.job.name, error: message });
        run = { job: s.job.name, startedAt: now.toISOString(), finishedAt: o.clock.now().toISOString(), ok: false, error: message };
      }
      s.last = run;
      s.running = null;
      return run;
    })();
    s.running = p;
    return p;
  };

  const tick = async (): Promise<JobRun[]> => {
    const now = o.clock.now();
    const started: Promise<JobRun>[] = [];
    for (const s of states.values()) if (!s.running && s.job.due(now, s.lastStart)) started.push(launch(s));
    return Promise.all(started);
  };

  return {
    tick,
    runNow: (name) => {
      const s = states.get(name);
      if (!s) throw new Error(`scheduler: no job named ${name}`);
      return s.running ?? launch(s);
    },
    start: (pollMs = 30_000) => {
      if (timer) return;
      timer = setInterval(() => {
        if (ticking) return;
        ticking = tick().finally(() => (ticking = null));
      }, pollMs);
      timer.unref();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      timer = null;
      await Promise.all([...states.values()].map((s) => s.running).filter(Boolean));
    },
    status: () => Object.fromEntries([...states.values()].map((s) => [s.job.name, { running: !!s.running, lastStart: s.lastStart?.toISOString() ?? null, last: s.last }])),
  };
}

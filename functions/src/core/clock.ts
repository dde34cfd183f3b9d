// The clock domain code reads "now" from: the system clock in production, a manual clock the tests and the simulator set and advance.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface ManualClock extends Clock {
  /** Moves the clock to an instant (a Date or an ISO string). */
  set(at: Date | string): void;
  /** Moves the clock forward by milliseconds (negative moves it back). */
  advance(ms: number): void;
}

export function manualClock(start: Date | string): ManualClock {
  const parse = (at: Date | string): number => {
    const t = typeof at === 'string' ? Date.parse(at) : at.getTime();
    if (!Number.isFinite(t)) throw new RangeError(`manual clock: not an instant: ${String(at)}`);
    return t;
  };
  let t = parse(start);
  return {
    now: () => new Date(t),
    set: (at) => void (t = parse(at)),
    advance: (ms) => {
      if (!Number.isFinite(ms)) throw new RangeError(`manual clock: cannot advance by ${ms}`);
      t += ms;
    },
  };
}

// Turns an input series into the models' form: Float64Array from the first sale on, NaN on censored days, plus its profile.
import { classifyDemand, type DemandProfile } from '../../simulator/demand-class';
import { ShopMlopsError } from '../../core/errors';
import type { DemandSeries } from './types';

export interface PreparedSeries {
  /** Units from the first observed sale; NaN = not observed (censored). */
  y: Float64Array;
  /** Offset of y[0] in the input (days before the first sale are dropped). */
  offset: number;
  /** Input length: forecasts start the day after the last input day. */
  inputLength: number;
  missing: number;
  /** All observed values are whole numbers (count data: intervals and reorder points in whole units). */
  integer: boolean;
  profile: DemandProfile;
}

export function prepareSeries(s: DemandSeries): PreparedSeries {
  const n = s.units.length;
  let first = -1;
  for (let t = 0; t < n; t++) {
    const v = s.units[t];
    if (typeof v === 'number' && v > 0 && s.observed?.[t] !== false) {
      first = t;
      break;
    }
  }
  if (first < 0) first = n;
  const y = new Float64Array(n - first);
  let missing = 0;
  let integer = true;
  const observed: number[] = [];
  for (let t = first; t < n; t++) {
    const v = s.units[t];
    const ok = typeof v === 'number' && Number.isFinite(v) && s.observed?.[t] !== false;
    if (!ok) {
      y[t - first] = NaN;
      missing++;
      continue;
    }
    if (v < 0) throw new ShopMlopsError('BAD_REQUEST', `series ${s.id}: negative units ${v} on day ${t} (index from start)`);
    y[t - first] = v;
    observed.push(v);
    if (integer && !Number.isInteger(v)) integer = false;
  }
  return { y, offset: first, inputLength: n, missing, integer, profile: classifyDemand(observed) };
}


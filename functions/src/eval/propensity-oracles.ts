// What calibration could reach on a test month if its labels were known: the ECE after an oracle base-rate shift or Platt map.
import { calibrate, fitPlatt } from '../models/propensity/calibration';
import { expectedCalibrationError } from '../models/propensity/metrics';

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const clip = (p: number) => Math.min(1 - 1e-12, Math.max(1e-12, p));

/** The probabilities with one log-odds shift s such that their mean equals `rate` (bisection; the mean rises with s). */
export function shiftToRate(probs: ArrayLike<number>, rate: number): number[] {
  const z = Array.from(probs, (p) => logit(clip(p)));
  const meanAt = (s: number) => z.reduce((a, v) => a + sigmoid(v + s), 0) / z.length;
  let lo = -20;
  let hi = 20;
  for (let it = 0; it < 100; it++) {
    const mid = (lo + hi) / 2;
    if (meanAt(mid) < rate) lo = mid;
    else hi = mid;
  }
  const s = (lo + hi) / 2;
  return z.map((v) => sigmoid(v + s));
}

export interface CalibrationOracles {
  /** ECE once the probabilities' mean is moved to the month's own rate (the base rate known in advance). */
  baseRate: number;
  /** ECE of a Platt map fitted on the month's own labels (the best two-parameter recalibration, known in advance). */
  platt: number;
}

/** Oracle ECEs of one month: `probs` the model's calibrated probabilities, `logOdds` its uncalibrated linear predictor. */
export function calibrationOracles(labels: ArrayLike<number | boolean>, probs: ArrayLike<number>, logOdds: ArrayLike<number>): CalibrationOracles {
  const y = Uint8Array.from(Array.from(labels, (v) => (v ? 1 : 0)));
  const rate = y.reduce((a, v) => a + v, 0) / Math.max(1, y.length);
  const map = fitPlatt(logOdds, y);
  return {
    baseRate: expectedCalibrationError(y, shiftToRate(probs, rate)),
    platt: expectedCalibrationError(y, Array.from(logOdds, (e) => calibrate(map, e))),
  };
}

// Scaled accuracy: RMSSE and MASE with the scale from the in-sample one-step naive errors (censored days skipped).

export interface NaiveScale {
  /** Mean squared and mean absolute one-step naive error over consecutive observed days of the history. */
  mse: number;
  mae: number;
}

/** Scale of y[from..end): pairs (t−1, t) with both days observed; from = the first sale when the series starts before it. */
export function naiveScale(y: ArrayLike<number>, end: number, from = 0): NaiveScale {
  let sq = 0;
  let ab = 0;
  let k = 0;
  for (let t = from + 1; t < end; t++) {
    const a = y[t - 1]!;
    const b = y[t]!;
    if (a !== a || b !== b) continue;
    const d = b - a;
    sq += d * d;
    ab += Math.abs(d);
    k++;
  }
  return k > 0 ? { mse: sq / k, mae: ab / k } : { mse: NaN, mae: NaN };
}

/** RMSSE = sqrt(MSE / scale.mse), MASE = MAE / scale.mae; NaN when the scale is 0 or unknown. */
export function scaledErrors(mse: number, mae: number, scale: NaiveScale): { rmsse: number; mase: number } {
  return {
    rmsse: scale.mse > 0 ? Math.sqrt(mse / scale.mse) : NaN,
    mase: scale.mae > 0 ? mae / scale.mae : NaN,
  };
}

// Baseline: the historical 30-day repeat rate of the customer's R × F cell (r_score × f_score) over the training snapshots.
import type { PropensityRow, RfmRow } from './rows';

export interface RfCellBaseline {
  /** rates[r − 1][f − 1]: (buyers + prior · overall) / (customers + prior) of the cell. */
  rates: number[][];
  /** Customers per cell in the training rows. */
  counts: number[][];
  overallRate: number;
  /** Pseudo-customers at the overall rate added to every cell (shrinks sparse cells; an empty cell gets the overall rate). */
  prior: number;
}

export function fitRfCellBaseline(rows: readonly PropensityRow[], prior = 2): RfCellBaseline {
  const n = Array.from({ length: 5 }, () => new Array<number>(5).fill(0));
  const pos = Array.from({ length: 5 }, () => new Array<number>(5).fill(0));
  let total = 0;
  for (const r of rows) {
    n[r.r_score - 1]![r.f_score - 1]!++;
    if (r.bought_within_30d) {
      pos[r.r_score - 1]![r.f_score - 1]!++;
      total++;
    }
  }
  const overallRate = rows.length > 0 ? total / rows.length : 0;
  const rates = n.map((row, i) => row.map((c, j) => (pos[i]![j]! + prior * overallRate) / (c + prior)));
  return { rates, counts: n, overallRate, prior };
}

export function scoreRfCellBaseline(b: RfCellBaseline, rows: readonly RfmRow[]): number[] {
  return rows.map((r) => b.rates[r.r_score - 1]![r.f_score - 1]!);
}

// The champion/challenger rule: the challenger "does not lose" when its primary holdout metric is no worse than the champion's on the same holdout.

export type Verdict = 'win' | 'tie' | 'lose' | 'no_champion' | 'incomparable' | 'unscored';

export interface Decision {
  verdict: Verdict;
  /** Move the champion alias onto the challenger. */
  promote: boolean;
  reason: string;
}

/** Scores closer than this (relative to the champion's, absolute near 0) are equal: floating-point noise is not a win. */
export const TIE_TOLERANCE = 1e-9;

export interface ChampionSide {
  version: number;
  /** Its primary metric on this run's holdout; null when it scored nothing there. */
  score: number | null;
  /** Its evaluation fit saw only days before this holdout (else the comparison would flatter it). */
  comparable: boolean;
  /** Why not comparable (or why it has no score). */
  note?: string;
}

/**
 * - challenger without a holdout score (the data could not train it, or the holdout is empty) → unscored, nothing moves;
 * - no champion → no_champion: the challenger becomes champion;
 * - champion not comparable on this holdout (its evaluation fit saw holdout days), or unscorable → incomparable: the champion stays;
 * - else win / tie (within TIE_TOLERANCE) / lose by the primary metric in its direction; win and tie promote.
 */
export function decide(metric: string, better: 'lower' | 'higher', challenger: number | null, champion: ChampionSide | null): Decision {
  if (challenger === null) return { verdict: 'unscored', promote: false, reason: 'the challenger has no holdout score (not trained, or nothing to score on the holdout)' };
  if (!champion) return { verdict: 'no_champion', promote: true, reason: `no champion yet; ${metric} = ${fmt(challenger)}` };
  if (!champion.comparable || champion.score === null) {
    return { verdict: 'incomparable', promote: false, reason: `champion v${champion.version} ${champion.note ?? 'has no score on this holdout'}; it stays champion` };
  }
  const diff = better === 'lower' ? champion.score - challenger : challenger - champion.score;
  const tol = TIE_TOLERANCE * Math.max(1, Math.abs(champion.score));
  const verdict: Verdict = Math.abs(diff) <= tol ? 'tie' : diff > 0 ? 'win' : 'lose';
  return { verdict, promote: verdict !== 'lose', reason: `${metric} ${fmt(challenger)} vs champion v${champion.version} ${fmt(champion.score)} (${better} is better)` };
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(6));

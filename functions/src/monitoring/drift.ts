// Drift analysis (pure): per feature PSI + KS (continuous) or PSI + Jensen-Shannon + chi-square (categorical), effect-size materiality, multiple-test correction, levels and the dataset verdict.
import type { MonitoringPolicy } from './config';
import type { DriftLevel } from '../ports/monitoring-store';
import { adjustPValues, chiSquareHomogeneity, jensenShannon, ksTwoSample, psi, psiCategorical } from './stats';

export type DriftPolicy = MonitoringPolicy['drift'];

/** One feature's two samples: values (continuous) or counts per category (categorical). */
export type FeatureSample =
  | { feature: string; kind: 'continuous'; reference: ArrayLike<number>; current: ArrayLike<number> }
  | { feature: string; kind: 'categorical'; reference: Record<string, number>; current: Record<string, number> };

export interface FeatureDrift {
  feature: string;
  kind: 'continuous' | 'categorical';
  nReference: number;
  nCurrent: number;
  psi: number;
  /** Continuous only. */
  ks: { statistic: number; pValue: number } | null;
  /** Categorical only: Jensen-Shannon divergence, base 2. */
  js: number | null;
  /** The feature's test before correction: KS (continuous) or chi-square homogeneity (categorical). */
  pValue: number;
  /** After the correction over every tested feature of the analysis. */
  pAdjusted: number;
  /** The effect is large enough to matter: PSI ≥ psiWarn, or KS D ≥ ksMinEffect / JS ≥ jsAlert. */
  material: boolean;
  /** (pAdjusted < alpha and material) or PSI ≥ psiAlert. */
  drifted: boolean;
  level: DriftLevel;
}

export interface DriftAnalysis {
  results: FeatureDrift[];
  /** Features left out because a sample was empty (nothing to compare). */
  skipped: { feature: string; reason: string }[];
  /** Any feature drifted. */
  drifted: boolean;
}

const sizeOf = (s: FeatureSample, side: 'reference' | 'current'): number => {
  if (s.kind === 'continuous') {
    const v = s[side];
    let n = 0;
    for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i]!)) n++;
    return n;
  }
  return Object.values(s[side]).reduce((a, b) => a + b, 0);
};

export interface AnalyseOptions {
  /**
   * Fewer values than this on either side: the feature is skipped. PSI is biased upwards on small samples (about
   * (bins − 1)/n with 10 bins: 20 values make ~0.45 out of nothing), and PSI ≥ psiAlert drifts on its own.
   */
  minSamples?: number;
}

/** Tests each feature, corrects the p-values over the features tested, and gives each a level and the dataset a verdict. */
export function analyseDrift(features: readonly FeatureSample[], policy: DriftPolicy, o: AnalyseOptions = {}): DriftAnalysis {
  const minSamples = Math.max(1, o.minSamples ?? 1);
  const skipped: DriftAnalysis['skipped'] = [];
  const partial: Omit<FeatureDrift, 'pAdjusted' | 'drifted' | 'level'>[] = [];
  for (const f of features) {
    const nReference = sizeOf(f, 'reference');
    const nCurrent = sizeOf(f, 'current');
    if (nReference < minSamples || nCurrent < minSamples) {
      const side = nReference < minSamples ? 'reference' : 'current';
      const n = side === 'reference' ? nReference : nCurrent;
      skipped.push({ feature: f.feature, reason: n === 0 ? `no ${side} values` : `${n} ${side} values (fewer than ${minSamples})` });
      continue;
    }
    if (f.kind === 'continuous') {
      const p = psi(f.reference, f.current).psi;
      const ks = ksTwoSample(f.reference, f.current);
      partial.push({ feature: f.feature, kind: f.kind, nReference, nCurrent, psi: p, ks, js: null, pValue: ks.pValue, material: ks.statistic >= policy.ksMinEffect || p >= policy.psiWarn });
    } else {
      const p = psiCategorical(f.reference, f.current);
      const js = jensenShannon(f.reference, f.current);
      const chi = chiSquareHomogeneity(f.reference, f.current);
      partial.push({ feature: f.feature, kind: f.kind, nReference, nCurrent, psi: p, ks: null, js, pValue: chi.pValue, material: js >= policy.jsAlert || p >= policy.psiWarn });
    }
  }
  const adjusted = adjustPValues(
    partial.map((r) => r.pValue),
    policy.correction,
  );
  const results: FeatureDrift[] = partial.map((r, i) => {
    const pAdjusted = adjusted[i]!;
    const drifted = (pAdjusted < policy.alpha && r.material) || r.psi >= policy.psiAlert;
    const level: DriftLevel = drifted || r.psi >= policy.psiAlert ? 'alert' : r.psi >= policy.psiWarn ? 'warn' : 'ok';
    return { ...r, pAdjusted, drifted, level };
  });
  return { results, skipped, drifted: results.some((r) => r.drifted) };
}

// Syntetos–Boylan demand classes from a per-period quantity series: ADI (mean interval between demands) and CV² of sizes.

export type DemandClass = 'smooth' | 'intermittent' | 'erratic' | 'lumpy' | 'none';

export const ADI_CUTOFF = 1.32;
export const CV2_CUTOFF = 0.49;

export interface DemandProfile {
  adi: number;
  cv2: number;
  nonZero: number;
  cls: DemandClass;
}

/** ADI = periods / periods with demand; CV² = (sd / mean)² of the non-zero sizes (population sd). */
export function classifyDemand(series: readonly number[]): DemandProfile {
  const sizes = series.filter((x) => x > 0);
  if (sizes.length === 0) return { adi: Infinity, cv2: NaN, nonZero: 0, cls: 'none' };
  const adi = series.length / sizes.length;
  const mean = sizes.reduce((s, x) => s + x, 0) / sizes.length;
  const variance = sizes.reduce((s, x) => s + (x - mean) ** 2, 0) / sizes.length;
  const cv2 = variance / (mean * mean);
  const frequent = adi < ADI_CUTOFF;
  const steady = cv2 < CV2_CUTOFF;
  const cls: DemandClass = frequent ? (steady ? 'smooth' : 'erratic') : steady ? 'intermittent' : 'lumpy';
  return { adi, cv2, nonZero: sizes.length, cls };
}

// Shapes of the CLV model: customer summaries in, a JSON-serialisable fit, per-customer predictions out.
import type { BgnbdParams } from './bgnbd';
import type { ParamInterval } from './estimate';
import type { GammaGammaParams } from './gamma-gamma';

export type TimeUnit = 'day' | 'week';
export type ClvStatus = 'ok' | 'insufficient_data';

/** One customer in the BG/NBD convention (see summary.ts); recency and T in the fit's unit. */
export interface ClvCustomer {
  id: string;
  /** Repeat purchase days (integer ≥ 0). */
  frequency: number;
  /** Time from the first to the last purchase day. */
  recency: number;
  /** Time from the first purchase day to the end of the observation period. */
  T: number;
  /** Mean value of the repeat purchase days (0 when frequency = 0); absent/null when values are unknown. */
  monetary?: number | null;
}

/** One sub-model's estimate, its uncertainty and what the status rules decided. */
export interface SubmodelFit<P> {
  status: ClvStatus;
  /** Why the status is insufficient_data (empty when ok). */
  reasons: string[];
  /** Maximum-likelihood estimates; null when there was nothing to fit. */
  params: P | null;
  logLik: number | null;
  /** Customers that entered the likelihood. */
  customers: number;
  converged: boolean;
  iterations: number;
  /** max |∂LL/∂θ| at the optimum (θ = log-parameters). */
  gradMax: number | null;
  /** Wald intervals per parameter at `ciLevel`; null when the information matrix is not positive definite. */
  intervals: Record<keyof P & string, ParamInterval> | null;
  /** Asymptotic covariance of the log-parameters, in `paramOrder`; null when not positive definite. */
  covarianceLog: number[][] | null;
  paramOrder: (keyof P & string)[];
}

export interface ClvFit {
  model: 'bgnbd+gammagamma';
  version: 1;
  unit: TimeUnit;
  status: ClvStatus;
  reasons: string[];
  ciLevel: number;
  maxRelativeCiWidth: number;
  bgnbd: SubmodelFit<BgnbdParams>;
  /** Null when the customers carry no monetary values. */
  gammagamma: SubmodelFit<GammaGammaParams> | null;
  diagnostics: {
    customers: number;
    repeatBuyers: number;
    /** Distinct (x, t_x, T) triples: the BG/NBD likelihood's cost. */
    groups: number;
    /** Repeat buyers whose mean repeat value is 0: left out of the Gamma-Gamma likelihood (no density at 0). */
    zeroValueRepeatBuyers: number;
    /**
     * BG/NBD's a + b ran to its bound (AB_BOUND = 1e6, bgnbd-fit.ts): no spread in the dropout probability is detectable and
     * the fit is, to O(1e-6), the model in which every customer drops out with probability a/(a+b) after each purchase.
     * Absent in fits stored before the bound existed.
     */
    abAtBound?: boolean;
  };
}

export interface CustomerPrediction {
  id: string;
  /** E[Y(horizon) | x, t_x, T]: expected repeat purchases over the horizon (fit unit), with its interval. */
  expectedPurchases: number;
  expectedPurchasesLow: number | null;
  expectedPurchasesHigh: number | null;
  pAlive: number;
  /** P(at least one purchase within the horizon). */
  pPurchase: number;
  /** E[M | x, m] from Gamma-Gamma; null without monetary values. */
  expectedOrderValue: number | null;
  /** 1 / E[λ | x, T, alive]: expected time to the next order if the customer is alive, in the fit unit. */
  nextOrderIn: number;
  /** asOf + nextOrderIn (rounded to whole days), when an asOf date was given. */
  nextOrderDate: string | null;
  /** Discounted CLV over the horizon and its interval (parameter uncertainty); null without monetary values. */
  clv: number | null;
  clvLow: number | null;
  clvHigh: number | null;
}

export interface ClvPredictions {
  status: ClvStatus;
  unit: TimeUnit;
  horizon: number;
  monthlyDiscount: number;
  ciLevel: number;
  /** Parameter draws behind the intervals (0 when there are no intervals). */
  draws: number;
  customers: CustomerPrediction[];
}

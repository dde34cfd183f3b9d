// fitClv: BG/NBD and Gamma-Gamma maximum likelihood on customer summaries, with intervals and the status rules (see index.ts).
import { ShopMlopsError } from '../../core/errors';
import { BGNBD_PARAM_NAMES, bgnbdFromLog, groupRfm, type BgnbdParams } from './bgnbd';
import { AB_BOUND, maximiseBgnbd } from './bgnbd-fit';
import { intervals, maximiseLogLik, type MleResult, type ParamInterval } from './estimate';
import { GG_PARAM_NAMES, gammaGammaEvaluator, ggFromLog, type GammaGammaParams } from './gamma-gamma';
import type { ClvCustomer, ClvFit, ClvStatus, SubmodelFit, TimeUnit } from './types';

/** Level of every interval the model reports. */
export const CI_LEVEL = 0.95;
/**
 * A fit is `insufficient_data` when any parameter's CI_LEVEL interval is wider than this multiple of its estimate:
 * (upper - lower) / estimate > 2, i.e. the parameter is not known within a factor of about 2.4 either way. The full
 * CDNOW sample (2,357 customers) has at most 1.2 (BG/NBD b) and 1.1 (Gamma-Gamma γ); random 200-customer samples
 * of it have 4.7 or more for a and b.
 */
export const MAX_RELATIVE_CI_WIDTH = 2;
/** Fewest repeat buyers with a positive mean value for a Gamma-Gamma fit. */
export const MIN_SPEND_CUSTOMERS = 2;

export interface FitOptions {
  /** Unit of recency and T (default 'day'). */
  unit?: TimeUnit;
  ciLevel?: number;
  maxRelativeCiWidth?: number;
}

function checkCustomers(customers: readonly ClvCustomer[]): boolean {
  if (customers.length === 0) throw new ShopMlopsError('UNPROCESSABLE', 'no customers to fit the CLV model on');
  let withMonetary = 0;
  const seen = new Set<string>();
  for (let i = 0; i < customers.length; i++) {
    const c = customers[i]!;
    const where = () => `customer ${JSON.stringify(c.id)} (row ${i + 1})`;
    if (seen.has(c.id)) throw new ShopMlopsError('BAD_REQUEST', `${where()}: duplicate customer id`);
    seen.add(c.id);
    if (!Number.isInteger(c.frequency) || c.frequency < 0) throw new ShopMlopsError('BAD_REQUEST', `${where()}: frequency must be an integer ≥ 0, got ${c.frequency}`);
    if (!Number.isFinite(c.recency) || c.recency < 0) throw new ShopMlopsError('BAD_REQUEST', `${where()}: recency must be ≥ 0, got ${c.recency}`);
    if (!Number.isFinite(c.T) || c.T < c.recency) throw new ShopMlopsError('BAD_REQUEST', `${where()}: T must be ≥ recency, got T = ${c.T}, recency = ${c.recency}`);
    if (c.monetary !== undefined && c.monetary !== null) {
      if (!Number.isFinite(c.monetary) || c.monetary < 0) throw new ShopMlopsError('BAD_REQUEST', `${where()}: monetary must be ≥ 0, got ${c.monetary}`);
      withMonetary++;
    }
  }
  if (withMonetary > 0 && withMonetary < customers.length) {
    throw new ShopMlopsError('BAD_REQUEST', `monetary is given for ${withMonetary} of ${customers.length} customers: give it for all or none`);
  }
  return withMonetary > 0;
}

function describe(v: number): string {
  return Number.isFinite(v) ? (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toPrecision(4)) : String(v);
}

/** The status rules shared by both sub-models. */
function judge<P>(names: readonly (keyof P & string)[], mle: MleResult, ciLevel: number, maxWidth: number): { reasons: string[]; ints: Record<keyof P & string, ParamInterval> | null } {
  const reasons: string[] = [];
  if (!mle.converged) reasons.push(`the optimiser did not converge (${mle.message}; max gradient ${describe(mle.gradMax)})`);
  if (mle.atLimit) reasons.push('a parameter ran to the edge of its range (the likelihood is flat in some direction)');
  const list = intervals(mle.theta, mle.covariance, ciLevel);
  if (!list) reasons.push(`the information matrix is not positive definite (smallest eigenvalue ${describe(mle.minInformationEigenvalue)}): some parameter is not identified by these data`);
  let ints: Record<keyof P & string, ParamInterval> | null = null;
  if (list) {
    ints = Object.fromEntries(names.map((n, i) => [n, list[i]!])) as Record<keyof P & string, ParamInterval>;
    for (const [i, n] of names.entries()) {
      const iv = list[i]!;
      if (!(iv.relativeWidth <= maxWidth)) {
        reasons.push(`${n}: the ${Math.round(ciLevel * 100)}% interval [${describe(iv.lower)}, ${describe(iv.upper)}] is ${describe(iv.relativeWidth)} times the estimate ${describe(iv.value)} wide (bound ${maxWidth})`);
      }
    }
  }
  return { reasons, ints };
}

function submodel<P>(names: readonly (keyof P & string)[], mle: MleResult, params: P, customers: number, ciLevel: number, maxWidth: number, extraReasons: string[] = []): SubmodelFit<P> {
  const { reasons, ints } = judge<P>(names, mle, ciLevel, maxWidth);
  reasons.push(...extraReasons);
  return {
    status: reasons.length === 0 ? 'ok' : 'insufficient_data',
    reasons,
    params,
    logLik: mle.logLik,
    customers,
    converged: mle.converged,
    iterations: mle.iterations,
    gradMax: mle.gradMax,
    intervals: ints,
    covarianceLog: mle.covariance,
    paramOrder: [...names],
  };
}

/** BG/NBD on all customers; Gamma-Gamma on the repeat buyers with a positive mean value (when monetary is given). */
export function fitClv(customers: readonly ClvCustomer[], opts: FitOptions = {}): ClvFit {
  const hasMonetary = checkCustomers(customers);
  const unit = opts.unit ?? 'day';
  const ciLevel = opts.ciLevel ?? CI_LEVEL;
  const maxWidth = opts.maxRelativeCiWidth ?? MAX_RELATIVE_CI_WIDTH;
  const n = customers.length;

  const data = groupRfm(
    customers.map((c) => c.frequency),
    customers.map((c) => (c.frequency > 0 ? c.recency : 0)),
    customers.map((c) => c.T),
  );
  const meanT = customers.reduce((s, c) => s + c.T, 0) / n;
  const meanX = customers.reduce((s, c) => s + c.frequency, 0) / n;
  const alpha0 = Math.log(Math.max(meanT, 1e-3) / Math.max(meanX, 1e-2));
  const bgMle = maximiseBgnbd(data, [
    [0, alpha0, 0, 0],
    [Math.log(0.1), alpha0 + Math.log(0.1), Math.log(0.5), Math.log(2)],
    [Math.log(3), alpha0 + Math.log(3), Math.log(2), Math.log(10)],
  ], n);
  const repeatBuyers = customers.filter((c) => c.frequency > 0).length;
  const bgParams = bgnbdFromLog(bgMle.theta);
  const bgExtra = repeatBuyers === 0 ? ['no customer has a repeat purchase'] : [];
  if (bgMle.abAtBound) {
    bgExtra.push(
      `a + b ran to its bound ${describe(AB_BOUND)}: the data show no spread in the dropout probability; the fit is the limit in which every customer drops out with probability a/(a+b) = ${describe(bgParams.a / (bgParams.a + bgParams.b))} after each purchase`,
    );
  }
  const bgnbd = submodel<BgnbdParams>(BGNBD_PARAM_NAMES, bgMle, bgParams, n, ciLevel, maxWidth, bgExtra);

  let gammagamma: SubmodelFit<GammaGammaParams> | null = null;
  let zeroValue = 0;
  if (hasMonetary) {
    const spenders = customers.filter((c) => c.frequency > 0 && (c.monetary ?? 0) > 0);
    zeroValue = repeatBuyers - spenders.length;
    if (spenders.length < MIN_SPEND_CUSTOMERS) {
      gammagamma = {
        status: 'insufficient_data',
        reasons: [`${spenders.length} repeat buyer(s) with a positive mean value: the Gamma-Gamma model needs at least ${MIN_SPEND_CUSTOMERS}`],
        params: null,
        logLik: null,
        customers: spenders.length,
        converged: false,
        iterations: 0,
        gradMax: null,
        intervals: null,
        covarianceLog: null,
        paramOrder: [...GG_PARAM_NAMES],
      };
    } else {
      const spend = { x: Float64Array.from(spenders, (c) => c.frequency), m: Float64Array.from(spenders, (c) => c.monetary!) };
      const meanM = spenders.reduce((s, c) => s + c.monetary!, 0) / spenders.length;
      const ggMle = maximiseLogLik(gammaGammaEvaluator(spend), [
        [0, 0, Math.log(meanM)],
        [Math.log(5), Math.log(3), Math.log(meanM)],
        [Math.log(0.5), Math.log(1.5), Math.log(meanM) - 2],
      ], spenders.length);
      const params = ggFromLog(ggMle.theta);
      const extra = params.q <= 1 ? [`q = ${describe(params.q)} ≤ 1: the expected order value is infinite`] : [];
      gammagamma = submodel<GammaGammaParams>(GG_PARAM_NAMES, ggMle, params, spenders.length, ciLevel, maxWidth, extra);
    }
  }
  const reasons = [...bgnbd.reasons.map((r) => `BG/NBD: ${r}`), ...(gammagamma?.reasons ?? []).map((r) => `Gamma-Gamma: ${r}`)];
  const status: ClvStatus = reasons.length === 0 ? 'ok' : 'insufficient_data';
  return {
    model: 'bgnbd+gammagamma',
    version: 1,
    unit,
    status,
    reasons,
    ciLevel,
    maxRelativeCiWidth: maxWidth,
    bgnbd,
    gammagamma,
    diagnostics: { customers: n, repeatBuyers, groups: data.x.length, zeroValueRepeatBuyers: zeroValue, abAtBound: bgMle.abAtBound },
  };
}

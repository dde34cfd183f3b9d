// CLV model (BG/NBD + Gamma-Gamma): the public API the training pipeline and the `clv` verb use, and the model's documentation.
//
// INPUT. One row per customer in the BG/NBD convention (summary.ts builds it from transactions): x = repeat purchase days,
// t_x = time from the first to the last purchase day, T = time from the first purchase day to the end of observation,
// m = mean value of the repeat purchase days (same-day transactions summed; 0 when x = 0). Time is in one unit for a fit,
// 'day' or 'week' (= 7 days); the fitted α carries that unit (α in days = 7 × α in weeks), r, a, b, p, q, γ do not depend on it.
//
// BG/NBD (Fader, Hardie & Lee 2005). While alive a customer buys at Poisson rate λ ~ Gamma(r, α); after each purchase they
// drop out with probability p ~ Beta(a, b). Per customer (bgnbd.ts):
//   LL = ln Γ(r+x) - ln Γ(r) + r ln α + ln B(a,b+x) - ln B(a,b) + ln[(α+T)^-(r+x) + δ(x>0) a/(b+x-1) (α+t_x)^-(r+x)]
//   P(alive)        = 1 / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x))
//   E[Y(t) | data]  = P(alive) (a+b+x-1)/(a-1) [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))]
//   P(buy within t) = P(alive) [1 - ((α+T)/(α+T+t))^(r+x)]
// The Gauss hypergeometric 2F1 is evaluated in log space with the Pfaff and 1 - z transformations (hyp2f1.ts). Where that loses
// digits — a ≥ 1e3, large a + b, a near 1, z near 1 — E[Y | alive] = E_p[(1 - (1 + p t/(α+T))^-(r+x))/p], p ~ Beta(a, b+x), is
// evaluated instead by a moment expansion in 1/a or by Euler's series rearranged into positive terms (expectation-large.ts). As
// a, b → ∞ with a/(a+b) fixed the model tends to a fixed dropout probability μ = a/(a+b+x): E[Y | alive] → (1 - (1+μt/(α+T))^-(r+x))/μ.
//
// GAMMA-GAMMA (Fader & Hardie 2013). Transaction values ~ Gamma(p, ν), ν ~ Gamma(q, γ), independent of the purchase process.
// Fitted on the repeat buyers with m > 0 (gamma-gamma.ts):
//   LL = ln Γ(px+q) - ln Γ(px) - ln Γ(q) + q ln γ + (px-1) ln m + px ln x - (px+q) ln(xm+γ)
//   expected order value E[M | x, m] = p(γ + x m)/(px + q - 1)   (population mean pγ/(q-1) when x = 0; needs q > 1)
//
// ESTIMATION (estimate.ts, bfgs.ts). Maximum likelihood on θ = log-parameters (so every parameter stays positive) by BFGS with a
// strong-Wolfe line search and analytic gradients, then Newton steps on the finite-difference Hessian of the analytic
// gradient until the gradient stops shrinking (|∂LL/∂θ| ≈ 1e-10 on CDNOW). Customers with equal (x, t_x, T) are evaluated once.
// BG/NBD is optimised as (ln r, ln α, logit a/(a+b), η) with a + b = 1/(1/AB_BOUND + e^-η) < AB_BOUND = 1e6 (bgnbd-fit.ts), so a
// store without spread in the dropout probability stops at the bound (diagnostics.abAtBound) instead of a ≈ 1e10 … 1e13.
// Uncertainty: the observed information I = -∂²LL/∂θ² at the optimum; cov(θ) = I⁻¹; a parameter's CI_LEVEL (95 %) interval is
// exp(θ ± z·se(θ)) (the delta method on the log scale, so intervals stay positive and are asymmetric).
//
// STATUS (fit.ts). A fit is 'insufficient_data' — numbers are still returned, with the reasons — when, for BG/NBD or Gamma-Gamma:
//   - the optimiser did not converge or a log-parameter ran to ±LOG_PARAM_LIMIT (a flat likelihood);
//   - the information matrix is not positive definite (some parameter is not identified);
//   - any parameter's interval is wider than MAX_RELATIVE_CI_WIDTH = 2 times its estimate ((upper - lower)/estimate);
//   - no customer has a repeat purchase; BG/NBD's a + b ran to AB_BOUND; Gamma-Gamma: fewer than MIN_SPEND_CUSTOMERS repeat
//     buyers with m > 0, or q ≤ 1.
// Otherwise 'ok'. The overall status is 'ok' only when both sub-models are (the spend model is absent without monetary values).
//
// PREDICTIONS (predict.ts), over a horizon h in the fit's unit:
//   expectedPurchases = E[Y(h) | data];   pAlive;   pPurchase = P(buy within h);
//   expectedOrderValue = E[M | x, m];
//   nextOrderIn = 1 / E[λ | x, T, alive] = (α + T)/(r + x): the mean time between orders at the customer's posterior mean rate,
//     i.e. when the next order is expected *if the customer is still alive* (read it with pAlive); nextOrderDate = asOf + that;
//   clv = E[M | x, m] · Σ_k (E[Y(t_k)] - E[Y(t_{k-1})]) / (1 + d)^k, with t_k = min(30 k days, h): purchases are discounted at the
//     end of each 30-day month at the monthly rate d (DEFAULT_MONTHLY_DISCOUNT = 1 %, about 12.7 % a year). Not a margin:
//     multiply by the gross margin for a profit CLV.
//   Intervals (expectedPurchases and clv): DEFAULT_DRAWS = 200 parameter vectors drawn (seeded) from the asymptotic normal of θ of
//     each sub-model (BG/NBD draws moved inside the fit's range: a + b ≤ AB_BOUND keeping a/(a+b), log-parameters within
//     ±LOG_PARAM_LIMIT), every quantity recomputed, the CI_LEVEL central quantiles taken. They carry parameter uncertainty only
//     (not the customer's own Poisson/Gamma randomness), so they shrink with more customers, as the status rules assume.
//
// SERIALISATION. A ClvFit is plain JSON (fit-json.ts: clvFitToJson / clvFitFromJson validates it back); predictClv needs only it.
// The model is described for people in docs/models/clv.md.
export { fitClv, CI_LEVEL, MAX_RELATIVE_CI_WIDTH, MIN_SPEND_CUSTOMERS, type FitOptions } from './fit';
export { predictClv, DEFAULT_MONTHLY_DISCOUNT, DEFAULT_DRAWS, DAYS_PER_MONTH, type PredictOptions } from './predict';
export { clvFitFromJson, clvFitToJson } from './fit-json';
export { summariseTransactions, purchaseDaysBetween, UNIT_DAYS, type Transaction } from './summary';
export { customersFromRfm, type RfmLike } from './rfm-rows';
export { readSummaryCsv, readTransactionsCsv } from './csv-input';
export { parseDay, formatDay } from './days';
export { LOG_PARAM_LIMIT } from './estimate';
export { AB_BOUND } from './bgnbd-fit';
export { conditionalExpectedPurchases, pAlive, expectedPurchasesNewCustomer, type BgnbdParams } from './bgnbd';
export { conditionalExpectedValue, type GammaGammaParams } from './gamma-gamma';
export type { ClvCustomer, ClvFit, ClvPredictions, ClvStatus, CustomerPrediction, SubmodelFit, TimeUnit } from './types';

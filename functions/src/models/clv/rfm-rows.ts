// shop_features.customer_rfm rows (days) → CLV customer summaries, for the training pipeline.
import type { ClvCustomer } from './types';

/** The customer_rfm columns the CLV model reads (docs/data-contracts.md); numbers may arrive as strings from a warehouse client. */
export interface RfmLike {
  customer_id: string | number;
  frequency: number | string;
  recency_days: number | string;
  age_days: number | string;
  monetary?: number | string | null;
}

/** One ClvCustomer per row, in days (fit with `{ unit: 'day' }`); fitClv validates the values. */
export function customersFromRfm(rows: readonly RfmLike[]): ClvCustomer[] {
  return rows.map((r) => ({
    id: String(r.customer_id),
    frequency: Number(r.frequency),
    recency: Number(r.recency_days),
    T: Number(r.age_days),
    ...(r.monetary === undefined || r.monetary === null ? {} : { monetary: Number(r.monetary) }),
  }));
}

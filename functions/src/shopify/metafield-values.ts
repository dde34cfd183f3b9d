// The metafield values a shop should hold, derived from its newest batch scores (shop_predictions.*): pure, deterministic text per contract type.
import type { PredictionRow, PredictionTableName } from '../serving/prediction-tables';
import { METAFIELD_CONTRACT, METAFIELD_NAMESPACE, ownerGid, type MetafieldInput, type MetafieldOwnerType } from './metafield-contract';

/** The newest batch of each table of a shop (rows + the version that wrote them); a table never scored is absent. */
export type ScoreBatches = Partial<Record<PredictionTableName, { version: number; snapshotDate: string; rows: PredictionRow[] }>>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
/** number_decimal text with fixed decimals (stable across runs, so an unchanged value is never rewritten). */
const dec = (v: number | null, digits: number): string | null => (v === null ? null : (Object.is(Number(v.toFixed(digits)), -0) ? 0 : v).toFixed(digits));

function push(out: MetafieldInput[], owner: MetafieldOwnerType, id: string, key: string, value: string | null): void {
  if (value === null) return;
  const type = (METAFIELD_CONTRACT[owner] as Record<string, MetafieldInput['type']>)[key]!;
  out.push({ ownerId: ownerGid(owner, id), namespace: METAFIELD_NAMESPACE, key, type, value });
}

/**
 * Customers: CLV over 90 days (the clv row's own clv when its horizon is 90 days, else E[purchases in 90 d] × E[order value] with
 * the purchases' interval), P(alive), the next order date, the RFM segment, repeat propensity and the versions used.
 * Variants: forecast over 28 days (when the version's horizon is 28 days), days of cover, reorder point.
 * Products: recommended products in rank order. A null score leaves its metafield unwritten.
 */
export function desiredMetafields(b: ScoreBatches): MetafieldInput[] {
  const out: MetafieldInput[] = [];
  const customers = new Map<string, { clv?: PredictionRow; prop?: PredictionRow }>();
  for (const r of b.customer_clv?.rows ?? []) customers.set(String(r['customer_id']), { ...customers.get(String(r['customer_id'])), clv: r });
  for (const r of b.customer_propensity?.rows ?? []) customers.set(String(r['customer_id']), { ...customers.get(String(r['customer_id'])), prop: r });
  for (const [id, { clv, prop }] of customers) {
    if (clv) {
      const horizon90 = num(clv['clv_horizon_days']) === 90;
      const eov = num(clv['expected_order_value']);
      const scaled = (k: string) => (eov === null || num(clv[k]) === null ? null : num(clv[k])! * eov);
      push(out, 'CUSTOMER', id, 'clv_90d', dec(horizon90 ? num(clv['clv']) : scaled('expected_purchases_90d'), 2));
      push(out, 'CUSTOMER', id, 'clv_90d_low', dec(horizon90 ? num(clv['clv_low']) : scaled('expected_purchases_90d_low'), 2));
      push(out, 'CUSTOMER', id, 'clv_90d_high', dec(horizon90 ? num(clv['clv_high']) : scaled('expected_purchases_90d_high'), 2));
      push(out, 'CUSTOMER', id, 'p_alive', dec(num(clv['p_alive']), 4));
      const next = clv['expected_next_order_date'];
      push(out, 'CUSTOMER', id, 'expected_next_order', typeof next === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(next) ? next : null);
    }
    if (prop) push(out, 'CUSTOMER', id, 'repeat_propensity', dec(num(prop['p_repeat_30d']), 4));
    const segment = (clv ?? prop)?.['rfm_segment'];
    push(out, 'CUSTOMER', id, 'rfm_segment', typeof segment === 'string' && segment !== '' ? segment : null);
    const versions: Record<string, number> = {};
    if (clv && b.customer_clv) versions['clv'] = b.customer_clv.version;
    if (prop && b.customer_propensity) versions['propensity'] = b.customer_propensity.version;
    push(out, 'CUSTOMER', id, 'model_versions', JSON.stringify(versions));
  }
  const rep = b.variant_replenishment;
  for (const r of rep?.rows ?? []) {
    const id = String(r['variant_id']);
    push(out, 'PRODUCTVARIANT', id, 'forecast_28d', num(r['horizon_days']) === 28 ? dec(num(r['forecast_total']), 2) : null);
    push(out, 'PRODUCTVARIANT', id, 'days_of_cover', dec(num(r['days_of_cover']), 1));
    push(out, 'PRODUCTVARIANT', id, 'reorder_point', dec(num(r['reorder_point']), 2));
    push(out, 'PRODUCTVARIANT', id, 'forecast_version', String(rep!.version));
  }
  const recs = new Map<string, { rank: number; product: string }[]>();
  for (const r of b.product_recommendations?.rows ?? []) {
    const list = recs.get(String(r['product_id'])) ?? [];
    list.push({ rank: Number(r['rank']), product: String(r['recommended_product_id']) });
    recs.set(String(r['product_id']), list);
  }
  for (const [id, list] of recs) {
    list.sort((a, c) => a.rank - c.rank);
    push(out, 'PRODUCT', id, 'recommended_products', JSON.stringify(list.map((x) => ownerGid('PRODUCT', x.product))));
    push(out, 'PRODUCT', id, 'recommendations_version', String(b.product_recommendations!.version));
  }
  return out.sort((a, c) => (a.ownerId < c.ownerId ? -1 : a.ownerId > c.ownerId ? 1 : a.key < c.key ? -1 : a.key > c.key ? 1 : 0));
}

/** The identity of one metafield (owner + key; the namespace is the contract's). */
export const slotOf = (m: Pick<MetafieldInput, 'ownerId' | 'key'>): string => `${m.ownerId}|${m.key}`;

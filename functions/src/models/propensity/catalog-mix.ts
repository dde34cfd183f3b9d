// Catalog-mix and price features of a customer at a snapshot, from their order lines: breadth, price band, re-buy affinity of what they buy.
import { ShopMlopsError } from '../../core/errors';
import { dayNumber } from './rfm-snapshot';
import type { RfmRow } from './rows';

/** One product line of an included order of a known customer (non-product lines — postage, fees — left out). */
export interface CatalogLine {
  customerId: string;
  /** Shop-local day, YYYY-MM-DD. */
  day: string;
  /** Product id (UCI: StockCode). */
  product: string;
  quantity: number;
  /** Price per unit paid on this line. */
  unitPrice: number;
}

/** The catalog terms a customer_rfm row may carry (all three, or none). */
export interface CatalogMix {
  /** Distinct products bought on or before the snapshot. */
  distinct_products: number;
  /** Mean over the customer's lines of the product's price percentile in the catalogue sold so far (0 cheapest … 1 dearest). */
  mean_price_band: number;
  /**
   * Mean over the customer's distinct products of the share of that product's other buyers who bought it again on a
   * later day (shrunk by 5 pseudo-buyers toward the shop's rate): high for consumables people re-order.
   */
  rebuy_affinity: number;
}

export const CATALOG_FIELDS = ['distinct_products', 'mean_price_band', 'rebuy_affinity'] as const;

/** Pseudo-buyers shrinking a product's re-buy share toward the shop's. */
const PRIOR_BUYERS = 5;

export interface PreparedLines {
  kind: 'catalog-lines';
  /** Lines sorted by day, as parallel arrays. */
  day: Int32Array;
  customer: string[];
  product: string[];
  unitPrice: Float64Array;
}

/** Sorts and validates the lines once for many snapshots. */
export function prepareCatalogLines(lines: readonly CatalogLine[]): PreparedLines {
  const days = lines.map((l, i) => {
    if (!l.customerId || !l.product) throw new ShopMlopsError('BAD_REQUEST', `catalog line ${i + 1}: customerId and product are required`);
    if (!(Number.isFinite(l.unitPrice) && l.unitPrice >= 0)) throw new ShopMlopsError('BAD_REQUEST', `catalog line ${i + 1}: unitPrice ${String(l.unitPrice)} is not a price`);
    return dayNumber(l.day, `catalog line ${i + 1}: day`);
  });
  const order = Array.from({ length: lines.length }, (_, i) => i).sort((a, b) => days[a]! - days[b]! || a - b);
  return {
    kind: 'catalog-lines',
    day: Int32Array.from(order, (i) => days[i]!),
    customer: order.map((i) => lines[i]!.customerId),
    product: order.map((i) => lines[i]!.product),
    unitPrice: Float64Array.from(order, (i) => lines[i]!.unitPrice),
  };
}

/** Every customer's catalog terms from their lines on or before `snapshotDate`. */
export function catalogMix(lines: PreparedLines | readonly CatalogLine[], snapshotDate: string): Map<string, CatalogMix> {
  const L = 'kind' in lines && lines.kind === 'catalog-lines' ? lines : prepareCatalogLines(lines as readonly CatalogLine[]);
  const S = dayNumber(snapshotDate, 'snapshot date');
  let n = 0;
  while (n < L.day.length && L.day[n]! <= S) n++;
  // product prices (mean unit price of its lines) → percentile in the catalogue sold so far
  const priceSum = new Map<string, { s: number; k: number }>();
  // (product, customer) → distinct days bought
  const bought = new Map<string, Map<string, { last: number; days: number }>>();
  for (let i = 0; i < n; i++) {
    const p = L.product[i]!;
    const ps = priceSum.get(p);
    if (ps) {
      ps.s += L.unitPrice[i]!;
      ps.k++;
    } else priceSum.set(p, { s: L.unitPrice[i]!, k: 1 });
    let byCustomer = bought.get(p);
    if (!byCustomer) bought.set(p, (byCustomer = new Map()));
    const c = L.customer[i]!;
    const b = byCustomer.get(c);
    if (!b) byCustomer.set(c, { last: L.day[i]!, days: 1 });
    else if (b.last !== L.day[i]) {
      b.last = L.day[i]!;
      b.days++;
    }
  }
  // the mean rounded to 6 decimals, so equal prices tie exactly however their lines' sum rounds (as the SQL's ROUND(AVG, 6))
  const products = [...priceSum.entries()].map(([p, v]) => [p, Math.round((v.s / v.k) * 1e6) / 1e6] as const).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const band = new Map<string, number>();
  products.forEach(([p], r) => band.set(p, products.length > 1 ? r / (products.length - 1) : 0.5));
  let buyers = 0;
  let rebuyers = 0;
  const rebuy = new Map<string, { buyers: number; rebuyers: number }>();
  for (const [p, byCustomer] of bought) {
    let r = 0;
    for (const b of byCustomer.values()) if (b.days >= 2) r++;
    rebuy.set(p, { buyers: byCustomer.size, rebuyers: r });
    buyers += byCustomer.size;
    rebuyers += r;
  }
  const shopRate = buyers > 0 ? rebuyers / buyers : 0;
  const acc = new Map<string, { lines: number; bandSum: number; products: number; affinitySum: number }>();
  const get = (c: string) => {
    let a = acc.get(c);
    if (!a) acc.set(c, (a = { lines: 0, bandSum: 0, products: 0, affinitySum: 0 }));
    return a;
  };
  for (let i = 0; i < n; i++) {
    const a = get(L.customer[i]!);
    a.lines++;
    a.bandSum += band.get(L.product[i]!)!;
  }
  for (const [p, byCustomer] of bought) {
    const r = rebuy.get(p)!;
    for (const [c, b] of byCustomer) {
      const a = get(c);
      a.products++;
      // the others' behaviour: the customer's own re-buy is left out (it is in their frequency already)
      const others = r.buyers - 1;
      const othersRe = r.rebuyers - (b.days >= 2 ? 1 : 0);
      a.affinitySum += (othersRe + PRIOR_BUYERS * shopRate) / (others + PRIOR_BUYERS);
    }
  }
  const out = new Map<string, CatalogMix>();
  for (const [c, a] of acc) out.set(c, { distinct_products: a.products, mean_price_band: a.bandSum / a.lines, rebuy_affinity: a.affinitySum / a.products });
  return out;
}

/**
 * The rows with their customer's catalog terms added. A customer without lines (every order non-product, or lines
 * outside the data read) gets the neutral values: no products, the middle band, the shop's re-buy rate.
 */
export function withCatalogMix<T extends RfmRow>(rows: readonly T[], mix: ReadonlyMap<string, CatalogMix>): T[] {
  let rateSum = 0;
  for (const m of mix.values()) rateSum += m.rebuy_affinity;
  const neutral: CatalogMix = { distinct_products: 0, mean_price_band: 0.5, rebuy_affinity: mix.size ? rateSum / mix.size : 0 };
  return rows.map((r) => ({ ...r, ...(mix.get(r.customer_id) ?? neutral) }));
}

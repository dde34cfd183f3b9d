// The checkout offer's logic, free of UI: ids from GIDs, the prediction route's answer checked, the add-on chosen, the cart attribute's value.

/** The cart attribute that carries the arm onto the order (note_attributes); leading underscore: hidden from the buyer. */
export const ARM_ATTRIBUTE = '_shop_mlops_arm';
export const DEFAULT_API_URL = 'https://demo-shop-mlops.web.app';
/** Recommendations asked for (the first not already in the cart is offered). */
export const ASK_K = 5;

export type Arm = 'champion' | 'challenger' | 'holdout';

export interface RouteAnswer {
  model: string;
  arm: Arm;
  version: number | null;
  assigned_version: number | null;
  /** The unit's bucket; null when the request had no unit (a guest: the champion answered, outside the A/B). */
  bucket: number | null;
  recommended: string[];
}

/** `gid://shopify/Product/123` → `123` (null for anything else). */
export function numericId(gid: string | undefined | null, type: string): string | null {
  const m = new RegExp(`^gid://shopify/${type}/(\\d+)$`).exec(gid ?? '');
  return m ? m[1]! : null;
}

const ARMS: readonly string[] = ['champion', 'challenger', 'holdout'];
const versionOf = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

/** The prediction route's JSON (GET /api/recommendations/cart), checked; null when it is not one. */
export function parseAnswer(json: unknown): RouteAnswer | null {
  if (!json || typeof json !== 'object') return null;
  const o = json as Record<string, unknown>;
  if (typeof o['model'] !== 'string' || typeof o['arm'] !== 'string' || !ARMS.includes(o['arm'])) return null;
  const list = Array.isArray(o['prediction']) ? (o['prediction'] as unknown[]) : [];
  const recommended = list
    .map((p) => (p && typeof p === 'object' ? (p as Record<string, unknown>)['recommended_product_id'] : undefined))
    .filter((id): id is string | number => (typeof id === 'string' && /^\d+$/.test(id)) || (typeof id === 'number' && Number.isInteger(id)))
    .map(String);
  return { model: o['model'], arm: o['arm'] as Arm, version: versionOf(o['version']), assigned_version: versionOf(o['assigned_version']), bucket: versionOf(o['bucket']), recommended };
}

/** The add-on to offer: the first recommended product not in the cart; none for the holdout arm. */
export function pickOffer(answer: RouteAnswer, inCart: readonly string[]): string | null {
  if (answer.arm === 'holdout') return null;
  return answer.recommended.find((id) => !inCart.includes(id)) ?? null;
}

/**
 * The attribute's value: the arm and the version of the unit's arm (`challenger:v7`), read by the monitoring outcome
 * join; null when the answer was not assigned to a unit (guest checkout: not part of the A/B).
 */
export function armAttributeValue(answer: RouteAnswer): string | null {
  if (answer.bucket === null) return null;
  return answer.assigned_version === null ? answer.arm : `${answer.arm}:v${answer.assigned_version}`;
}

/** The route's URL for the cart's products. */
export function routeUrl(apiUrl: string, productIds: readonly string[]): string {
  const base = apiUrl.replace(/\/+$/, '');
  return `${base}/api/recommendations/cart?${new URLSearchParams({ product_ids: productIds.join(','), k: String(ASK_K) }).toString()}`;
}

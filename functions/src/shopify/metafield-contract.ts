// The app-owned metafield contract shared with the theme block, segments and Flow (RULES.md): namespace, keys, types per owner, and their metafield definitions.
import { z } from 'zod';

/** App-owned namespace: only this app writes it; Liquid reads it as `app--<app id>--shop_mlops` inside the app's theme extension. */
export const METAFIELD_NAMESPACE = '$app:shop_mlops';

/** Owner types as metafieldDefinitionCreate names them. */
export type MetafieldOwnerType = 'PRODUCT' | 'PRODUCTVARIANT' | 'CUSTOMER';
export type MetafieldType = 'list.product_reference' | 'single_line_text_field' | 'number_decimal' | 'date' | 'json';

/** Exactly the contract of RULES.md: owner → key → type. */
export const METAFIELD_CONTRACT = {
  PRODUCT: {
    recommended_products: 'list.product_reference',
    recommendations_version: 'single_line_text_field',
  },
  PRODUCTVARIANT: {
    forecast_28d: 'number_decimal',
    days_of_cover: 'number_decimal',
    reorder_point: 'number_decimal',
    forecast_version: 'single_line_text_field',
  },
  CUSTOMER: {
    clv_90d: 'number_decimal',
    clv_90d_low: 'number_decimal',
    clv_90d_high: 'number_decimal',
    p_alive: 'number_decimal',
    repeat_propensity: 'number_decimal',
    expected_next_order: 'date',
    rfm_segment: 'single_line_text_field',
    model_versions: 'json',
  },
} as const satisfies Record<MetafieldOwnerType, Record<string, MetafieldType>>;

export type ProductKey = keyof (typeof METAFIELD_CONTRACT)['PRODUCT'];
export type VariantKey = keyof (typeof METAFIELD_CONTRACT)['PRODUCTVARIANT'];
export type CustomerKey = keyof (typeof METAFIELD_CONTRACT)['CUSTOMER'];
export type MetafieldKey = ProductKey | VariantKey | CustomerKey;

/** GraphQL global id prefix of each owner type. */
export const OWNER_GID: Record<MetafieldOwnerType, string> = {
  PRODUCT: 'gid://shopify/Product/',
  PRODUCTVARIANT: 'gid://shopify/ProductVariant/',
  CUSTOMER: 'gid://shopify/Customer/',
};

export const ownerGid = (owner: MetafieldOwnerType, id: string): string => `${OWNER_GID[owner]}${id}`;

/** The owner type of a gid of the contract, or null. */
export function ownerTypeOf(gid: string): MetafieldOwnerType | null {
  for (const [t, prefix] of Object.entries(OWNER_GID)) if (gid.startsWith(prefix) && /^\d+$/.test(gid.slice(prefix.length))) return t as MetafieldOwnerType;
  return null;
}

/** The contract type of (owner, key), or null when the key is not in the contract for that owner. */
export function contractType(owner: MetafieldOwnerType, key: string): MetafieldType | null {
  const keys = METAFIELD_CONTRACT[owner] as Record<string, MetafieldType>;
  return Object.prototype.hasOwnProperty.call(keys, key) ? keys[key]! : null;
}

/** One metafield value as metafieldsSet takes it (MetafieldsSetInput). */
export const metafieldInput = z.strictObject({
  ownerId: z.string().regex(/^gid:\/\/shopify\/(Product|ProductVariant|Customer)\/\d+$/),
  namespace: z.literal(METAFIELD_NAMESPACE),
  key: z.string().min(1),
  type: z.enum(['list.product_reference', 'single_line_text_field', 'number_decimal', 'date', 'json']),
  value: z.string(),
});
export type MetafieldInput = z.infer<typeof metafieldInput>;

const NAMES: Record<string, { name: string; description: string }> = {
  recommended_products: { name: 'Recommended products', description: 'Products bought with this one (shop-mlops recommend model), best first.' },
  recommendations_version: { name: 'Recommendations model version', description: 'Registered recommend version that produced recommended_products.' },
  forecast_28d: { name: 'Forecast, 28 days (units)', description: 'Expected units sold over the next 28 days (shop-mlops forecast model).' },
  days_of_cover: { name: 'Days of cover', description: 'Days the current stock lasts at the forecast.' },
  reorder_point: { name: 'Reorder point (units)', description: 'Reorder when available stock falls to this.' },
  forecast_version: { name: 'Forecast model version', description: 'Registered forecast version that produced these values.' },
  clv_90d: { name: 'Predicted CLV, 90 days', description: 'Discounted customer value over the next 90 days (shop currency, revenue).' },
  clv_90d_low: { name: 'Predicted CLV, 90 days (low)', description: 'Lower end of the CLV interval.' },
  clv_90d_high: { name: 'Predicted CLV, 90 days (high)', description: 'Upper end of the CLV interval.' },
  p_alive: { name: 'P(alive)', description: 'Probability the customer is still active (0–1).' },
  repeat_propensity: { name: 'Repeat propensity, 30 days', description: 'Calibrated probability of an order in the next 30 days (0–1).' },
  expected_next_order: { name: 'Expected next order', description: 'When the next order is expected if the customer is still active.' },
  rfm_segment: { name: 'RFM segment', description: 'Recency-frequency-monetary segment.' },
  model_versions: { name: 'Model versions', description: 'Model name → registered version that produced the customer values.' },
};

/** MetafieldDefinitionInput for every key of the contract: typed, pinned, filterable in the admin (segments) and readable by the storefront (Liquid). */
export function metafieldDefinitions(): Array<{ name: string; namespace: string; key: string; type: MetafieldType; ownerType: MetafieldOwnerType; description: string; pin: boolean; access: { admin: string; storefront: string }; capabilities: { adminFilterable: { enabled: boolean } } }> {
  const out = [];
  for (const [owner, keys] of Object.entries(METAFIELD_CONTRACT) as [MetafieldOwnerType, Record<string, MetafieldType>][]) {
    for (const [key, type] of Object.entries(keys)) {
      out.push({
        name: NAMES[key]!.name,
        namespace: METAFIELD_NAMESPACE,
        key,
        type,
        ownerType: owner,
        description: NAMES[key]!.description,
        pin: true,
        access: { admin: 'MERCHANT_READ', storefront: 'PUBLIC_READ' },
        // json and list types are not filterable in Shopify's admin; the others are (segments, bulk editor).
        capabilities: { adminFilterable: { enabled: type !== 'json' && !type.startsWith('list.') } },
      });
    }
  }
  return out;
}

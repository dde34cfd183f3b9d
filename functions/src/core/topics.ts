// The Shopify webhook topics we subscribe to and a zod schema per topic for the fields the product uses.
import { z } from 'zod';

/** An id as Shopify sends it (a JSON number, possibly beyond 2^53, parsed exactly by core/json) → a decimal string. */
export const shopifyId = z.union([z.string().regex(/^\d+$/, 'must be a decimal id'), z.number().int().nonnegative()]).transform((v) => String(v));
const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 timestamp');
const money = z.union([z.string(), z.number()]).transform((v) => String(v));
const nullish = <T extends z.ZodTypeAny>(t: T) => t.nullable().optional();

const customerRef = z.looseObject({ id: shopifyId, email: nullish(z.string()), phone: nullish(z.string()) });

const lineItem = z.looseObject({
  id: shopifyId,
  variant_id: nullish(shopifyId),
  product_id: nullish(shopifyId),
  sku: nullish(z.string()),
  title: nullish(z.string()),
  quantity: z.number().int(),
  price: money,
});

const order = z.looseObject({
  id: shopifyId,
  created_at: timestamp,
  updated_at: nullish(timestamp),
  processed_at: nullish(timestamp),
  cancelled_at: nullish(timestamp),
  currency: z.string(),
  total_price: money,
  test: nullish(z.boolean()),
  customer: nullish(customerRef),
  line_items: z.array(lineItem),
});

const refund = z.looseObject({
  id: shopifyId,
  order_id: shopifyId,
  created_at: nullish(timestamp),
  processed_at: nullish(timestamp),
  refund_line_items: z.array(z.looseObject({ line_item_id: shopifyId, quantity: z.number().int(), subtotal: nullish(money) })),
});

const product = z.looseObject({
  id: shopifyId,
  title: z.string(),
  updated_at: nullish(timestamp),
  status: nullish(z.string()),
  variants: z.array(z.looseObject({ id: shopifyId, product_id: nullish(shopifyId), sku: nullish(z.string()), price: money, inventory_item_id: nullish(shopifyId) })),
});

const customer = z.looseObject({ id: shopifyId, updated_at: nullish(timestamp), created_at: nullish(timestamp), email: nullish(z.string()), phone: nullish(z.string()) });

const inventoryLevel = z.looseObject({ inventory_item_id: shopifyId, location_id: shopifyId, available: z.number().int().nullable(), updated_at: timestamp });

const appUninstalled = z.looseObject({ id: shopifyId, myshopify_domain: nullish(z.string()), domain: nullish(z.string()) });

const bulkOperationFinish = z.looseObject({ admin_graphql_api_id: z.string(), status: z.string(), type: z.string(), completed_at: nullish(timestamp), error_code: nullish(z.string()) });

/** A shop's permanent domain, the only form Shopify puts in X-Shopify-Shop-Domain and in privacy payloads. */
export const MYSHOPIFY_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;
const shopDomain = z.string().regex(MYSHOPIFY_DOMAIN, 'must be a <name>.myshopify.com domain');
/**
 * The three privacy payloads are mutually exclusive: each requires its own fields and refuses the fields that
 * identify the other two, so a body re-sent under another privacy topic (the topic header is not signed) fails.
 */
const ofOtherPrivacyTopic = z.never({ error: 'belongs to another privacy topic' }).optional();
const dataRequest = z.looseObject({
  shop_id: shopifyId,
  shop_domain: shopDomain,
  customer: customerRef,
  orders_requested: z.array(shopifyId),
  data_request: z.looseObject({ id: shopifyId }),
  orders_to_redact: ofOtherPrivacyTopic,
});
const customerRedact = z.looseObject({
  shop_id: shopifyId,
  shop_domain: shopDomain,
  customer: customerRef,
  orders_to_redact: z.array(shopifyId),
  orders_requested: ofOtherPrivacyTopic,
  data_request: ofOtherPrivacyTopic,
});
const shopRedact = z.looseObject({
  shop_id: shopifyId,
  shop_domain: shopDomain,
  customer: ofOtherPrivacyTopic,
  orders_to_redact: ofOtherPrivacyTopic,
  orders_requested: ofOtherPrivacyTopic,
  data_request: ofOtherPrivacyTopic,
});

export const TOPIC_SCHEMAS = {
  'orders/create': order,
  'orders/updated': order,
  'orders/paid': order,
  'orders/cancelled': order,
  'refunds/create': refund,
  'products/create': product,
  'products/update': product,
  'customers/create': customer,
  'customers/update': customer,
  'inventory_levels/update': inventoryLevel,
  'app/uninstalled': appUninstalled,
  'bulk_operations/finish': bulkOperationFinish,
  'customers/data_request': dataRequest,
  'customers/redact': customerRedact,
  'shop/redact': shopRedact,
} as const;

export type Topic = keyof typeof TOPIC_SCHEMAS;
export const TOPICS = Object.keys(TOPIC_SCHEMAS) as Topic[];
export const PRIVACY_TOPICS = ['customers/data_request', 'customers/redact', 'shop/redact'] as const satisfies readonly Topic[];
export type PrivacyTopic = (typeof PRIVACY_TOPICS)[number];

export type TopicPayload<T extends Topic> = z.output<(typeof TOPIC_SCHEMAS)[T]>;
export type OrderPayload = z.output<typeof order>;
export type CustomerRedactPayload = z.output<typeof customerRedact>;
export type DataRequestPayload = z.output<typeof dataRequest>;
export type ShopRedactPayload = z.output<typeof shopRedact>;

export function isTopic(value: string): value is Topic {
  return Object.prototype.hasOwnProperty.call(TOPIC_SCHEMAS, value);
}

export function isPrivacyTopic(value: string): value is PrivacyTopic {
  return (PRIVACY_TOPICS as readonly string[]).includes(value);
}

/**
 * Why a delivery's (unsigned) shop header cannot be trusted for its (signed) payload, or null: privacy topics
 * need a <name>.myshopify.com header equal to the payload's shop_domain; any payload naming its shop must agree.
 */
export function shopProblem(topic: Topic, headerShop: string, payload: unknown): string | null {
  const header = shopHeaderProblem(topic, headerShop);
  if (header) return header;
  const p = payload as { shop_domain?: unknown; myshopify_domain?: unknown } | null;
  const named = topic === 'app/uninstalled' ? p?.myshopify_domain : p?.shop_domain;
  if (typeof named === 'string' && named !== headerShop) return `payload names shop ${JSON.stringify(named)} but the shop header is ${JSON.stringify(headerShop)}`;
  return null;
}

/** Why a privacy topic's shop header is refused before its body is read (not a <name>.myshopify.com domain), or null. */
export function shopHeaderProblem(topic: Topic, headerShop: string): string | null {
  return isPrivacyTopic(topic) && !MYSHOPIFY_DOMAIN.test(headerShop) ? `shop header ${JSON.stringify(headerShop)} is not a <name>.myshopify.com domain` : null;
}

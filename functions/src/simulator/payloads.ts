// Shopify webhook bodies built from the store state, shaped like the fixtures in shared/fixtures/shopify.
import { gid } from './ids';
import { jsonId, jsonIdOrNull, toJsonText } from './json-text';
import { formatCents, moneySet } from './money';
import type { CustomerState, OrderLineState, OrderState, ProductState, RefundState, VariantState } from './store-model';
import { formatShopifyTime } from './zoned-time';

export interface PayloadContext {
  timeZone: string;
  currency: string;
  shop: string;
  locationId: string;
}

const t = (ctx: PayloadContext, d: Date | null) => (d ? formatShopifyTime(d, ctx.timeZone) : null);

export function variantJson(ctx: PayloadContext, p: ProductState, v: VariantState) {
  return {
    admin_graphql_api_id: gid('ProductVariant', v.id),
    barcode: null,
    compare_at_price: v.compareAtCents === null ? null : formatCents(v.compareAtCents),
    created_at: t(ctx, p.createdAt),
    fulfillment_service: 'manual',
    id: jsonId(v.id),
    inventory_item_id: jsonId(v.inventoryItemId),
    inventory_management: p.isGiftCard ? null : 'shopify',
    inventory_policy: 'deny',
    inventory_quantity: v.available,
    old_inventory_quantity: v.available,
    position: v.position + 1,
    price: formatCents(v.priceCents),
    product_id: jsonId(p.id),
    sku: v.sku,
    taxable: !p.isGiftCard,
    title: v.title,
    updated_at: t(ctx, p.updatedAt),
    option1: v.title,
    option2: null,
    option3: null,
    grams: v.grams,
    image_id: null,
    weight: v.grams,
    weight_unit: 'g',
    requires_shipping: !p.isGiftCard,
  };
}

export function productBody(ctx: PayloadContext, p: ProductState): string {
  return toJsonText({
    admin_graphql_api_id: gid('Product', p.id),
    body_html: `<p>${p.title} from ${p.vendor}.</p>`,
    created_at: t(ctx, p.createdAt),
    handle: p.handle,
    id: jsonId(p.id),
    product_type: p.productType,
    published_at: t(ctx, p.createdAt),
    template_suffix: null,
    title: p.title,
    updated_at: t(ctx, p.updatedAt),
    vendor: p.vendor,
    status: 'active',
    published_scope: 'web',
    tags: p.tags,
    variants: p.variants.map((v) => variantJson(ctx, p, v)),
    options: [{ name: p.optionName, position: 1, values: p.variants.map((v) => v.title) }],
    images: [],
    image: null,
  });
}

function addressJson(c: CustomerState) {
  return {
    id: jsonId(c.address.id),
    customer_id: jsonId(c.id),
    first_name: c.firstName,
    last_name: c.lastName,
    company: null,
    address1: c.address.address1,
    address2: null,
    city: c.address.city,
    province: c.address.province,
    country: c.address.country,
    zip: c.address.zip,
    phone: c.phone,
    name: `${c.firstName} ${c.lastName}`,
    province_code: c.address.province_code,
    country_code: c.address.country_code,
    country_name: c.address.country,
    default: true,
  };
}

function marketing(c: CustomerState, ctx: PayloadContext) {
  return { state: c.acceptsMarketing ? 'subscribed' : 'not_subscribed', opt_in_level: c.acceptsMarketing ? 'single_opt_in' : null, consent_updated_at: c.acceptsMarketing ? t(ctx, c.createdAt) : null };
}

/** The customer object embedded in an order. */
function orderCustomerJson(ctx: PayloadContext, c: CustomerState) {
  return {
    id: jsonId(c.id),
    email: c.email,
    accepts_marketing: c.acceptsMarketing,
    created_at: t(ctx, c.createdAt),
    updated_at: t(ctx, c.updatedAt),
    first_name: c.firstName,
    last_name: c.lastName,
    state: 'enabled',
    note: c.note,
    verified_email: true,
    multipass_identifier: null,
    tax_exempt: false,
    phone: c.phone,
    email_marketing_consent: marketing(c, ctx),
    sms_marketing_consent: null,
    tags: c.tags,
    currency: ctx.currency,
    accepts_marketing_updated_at: t(ctx, c.createdAt),
    marketing_opt_in_level: c.acceptsMarketing ? 'single_opt_in' : null,
    tax_exemptions: [],
    admin_graphql_api_id: gid('Customer', c.id),
    default_address: addressJson(c),
  };
}

export function customerBody(ctx: PayloadContext, c: CustomerState): string {
  return toJsonText({
    id: jsonId(c.id),
    email: c.email,
    accepts_marketing: c.acceptsMarketing,
    created_at: t(ctx, c.createdAt),
    updated_at: t(ctx, c.updatedAt),
    first_name: c.firstName,
    last_name: c.lastName,
    orders_count: c.ordersCount,
    state: 'enabled',
    total_spent: formatCents(c.totalSpentCents),
    last_order_id: jsonIdOrNull(c.lastOrderId),
    note: c.note,
    verified_email: true,
    multipass_identifier: null,
    tax_exempt: false,
    tags: c.tags,
    last_order_name: c.lastOrderName,
    currency: ctx.currency,
    phone: c.phone,
    addresses: [addressJson(c)],
    default_address: addressJson(c),
    accepts_marketing_updated_at: t(ctx, c.createdAt),
    marketing_opt_in_level: c.acceptsMarketing ? 'single_opt_in' : null,
    tax_exemptions: [],
    email_marketing_consent: marketing(c, ctx),
    sms_marketing_consent: null,
    admin_graphql_api_id: gid('Customer', c.id),
  });
}

export function inventoryLevelBody(ctx: PayloadContext, v: VariantState, at: Date): string {
  return toJsonText({
    inventory_item_id: jsonId(v.inventoryItemId),
    location_id: jsonId(ctx.locationId),
    available: v.available,
    updated_at: t(ctx, at),
    admin_graphql_api_id: `gid://shopify/InventoryLevel/${ctx.locationId}?inventory_item_id=${v.inventoryItemId}`,
  });
}

function lineItemJson(ctx: PayloadContext, l: OrderLineState, fulfilled: boolean) {
  const p = l.product;
  const v = l.variant;
  return {
    id: jsonId(l.id),
    admin_graphql_api_id: gid('LineItem', l.id),
    attributed_staffs: [],
    current_quantity: l.quantity - l.refundedQuantity,
    fulfillable_quantity: fulfilled ? 0 : l.quantity - l.refundedQuantity,
    fulfillment_service: 'manual',
    fulfillment_status: fulfilled ? 'fulfilled' : null,
    gift_card: p.isGiftCard,
    grams: v.grams,
    name: p.variants.length > 1 ? `${p.title} - ${v.title}` : p.title,
    price: formatCents(l.priceCents),
    price_set: moneySet(l.priceCents, ctx.currency),
    product_exists: true,
    product_id: jsonId(p.id),
    properties: [],
    quantity: l.quantity,
    requires_shipping: !p.isGiftCard,
    sku: v.sku,
    taxable: !p.isGiftCard,
    title: p.title,
    total_discount: '0.00',
    total_discount_set: moneySet(0, ctx.currency),
    variant_id: jsonId(v.id),
    variant_inventory_management: p.isGiftCard ? null : 'shopify',
    variant_title: p.variants.length > 1 ? v.title : null,
    vendor: p.vendor,
    tax_lines: [],
    duties: [],
    discount_allocations: [],
  };
}

export function refundJson(ctx: PayloadContext, o: OrderState, r: RefundState) {
  return {
    id: jsonId(r.id),
    order_id: jsonId(o.id),
    created_at: t(ctx, r.createdAt),
    note: r.note,
    user_id: null,
    processed_at: t(ctx, r.createdAt),
    restock: r.restock,
    duties: [],
    total_duties_set: moneySet(0, ctx.currency),
    return: null,
    admin_graphql_api_id: gid('Refund', r.id),
    refund_line_items: r.lines.map((rl) => ({
      id: jsonId(rl.id),
      quantity: rl.quantity,
      line_item_id: jsonId(rl.line.id),
      location_id: r.restock ? jsonId(ctx.locationId) : null,
      restock_type: r.restock ? 'return' : 'no_restock',
      subtotal: rl.subtotalCents / 100,
      total_tax: rl.taxCents / 100,
      subtotal_set: moneySet(rl.subtotalCents, ctx.currency),
      total_tax_set: moneySet(rl.taxCents, ctx.currency),
      line_item: lineItemJson(ctx, rl.line, o.fulfillmentStatus === 'fulfilled'),
    })),
    transactions: [
      {
        id: jsonId(r.transactionId),
        order_id: jsonId(o.id),
        kind: 'refund',
        gateway: o.gateway,
        status: 'success',
        message: null,
        created_at: t(ctx, r.createdAt),
        test: false,
        authorization: null,
        currency: ctx.currency,
        amount: formatCents(r.amountCents),
        parent_id: null,
      },
    ],
    order_adjustments: [],
  };
}

export function refundBody(ctx: PayloadContext, o: OrderState, r: RefundState): string {
  return toJsonText(refundJson(ctx, o, r));
}

function addressOf(o: OrderState) {
  const first = o.customer?.firstName ?? o.guestName?.first ?? null;
  const last = o.customer?.lastName ?? o.guestName?.last ?? null;
  return {
    first_name: first,
    address1: o.address.address1,
    phone: o.customer?.phone ?? null,
    city: o.address.city,
    zip: o.address.zip,
    province: o.address.province,
    country: o.address.country,
    last_name: last,
    address2: null,
    company: null,
    latitude: null,
    longitude: null,
    name: [first, last].filter(Boolean).join(' '),
    country_code: o.address.country_code,
    province_code: o.address.province_code,
  };
}

/** An order body as of now (orders/create, orders/paid, orders/updated and orders/cancelled share this shape). */
export function orderBody(ctx: PayloadContext, o: OrderState): string {
  const c = ctx.currency;
  const refundedCents = o.refunds.reduce((s, r) => s + r.amountCents, 0);
  const refundedSubtotal = o.refunds.reduce((s, r) => s + r.lines.reduce((x, l) => x + l.subtotalCents, 0), 0);
  const refundedTax = o.refunds.reduce((s, r) => s + r.lines.reduce((x, l) => x + l.taxCents, 0), 0);
  const currentSubtotal = o.subtotalCents - refundedSubtotal;
  const currentTax = o.taxCents - refundedTax;
  const currentTotal = o.totalCents - refundedCents;
  const fulfilled = o.fulfillmentStatus === 'fulfilled';
  const outstanding = o.financialStatus === 'pending' ? o.totalCents : 0;
  return toJsonText({
    id: jsonId(o.id),
    admin_graphql_api_id: gid('Order', o.id),
    app_id: null,
    browser_ip: null,
    buyer_accepts_marketing: o.customer?.acceptsMarketing ?? false,
    cancel_reason: o.cancelReason,
    cancelled_at: t(ctx, o.cancelledAt),
    cart_token: null,
    checkout_id: null,
    checkout_token: null,
    client_details: null,
    closed_at: null,
    confirmation_number: o.token.slice(0, 9).toUpperCase(),
    confirmed: true,
    contact_email: o.email,
    created_at: t(ctx, o.createdAt),
    currency: c,
    current_subtotal_price: formatCents(currentSubtotal),
    current_subtotal_price_set: moneySet(currentSubtotal, c),
    current_total_additional_fees_set: null,
    current_total_discounts: '0.00',
    current_total_discounts_set: moneySet(0, c),
    current_total_duties_set: null,
    current_total_price: formatCents(currentTotal),
    current_total_price_set: moneySet(currentTotal, c),
    current_total_tax: formatCents(currentTax),
    current_total_tax_set: moneySet(currentTax, c),
    customer_locale: 'en',
    device_id: null,
    discount_codes: [],
    email: o.email,
    estimated_taxes: false,
    financial_status: o.financialStatus,
    fulfillment_status: o.fulfillmentStatus,
    landing_site: '/',
    landing_site_ref: null,
    location_id: null,
    merchant_of_record_app_id: null,
    name: o.name,
    note: o.note,
    note_attributes: [],
    number: o.number - 1000,
    order_number: o.number,
    order_status_url: `https://${ctx.shop}/orders/${o.token}/authenticate?key=${o.token}`,
    original_total_additional_fees_set: null,
    original_total_duties_set: null,
    payment_gateway_names: [o.gateway],
    phone: null,
    po_number: null,
    presentment_currency: c,
    processed_at: t(ctx, o.processedAt),
    reference: null,
    referring_site: null,
    source_identifier: null,
    source_name: 'web',
    source_url: null,
    subtotal_price: formatCents(o.subtotalCents),
    subtotal_price_set: moneySet(o.subtotalCents, c),
    tags: o.tags,
    tax_exempt: false,
    tax_lines: o.taxCents > 0 ? [{ price: formatCents(o.taxCents), rate: Math.round((o.taxCents / Math.max(1, o.subtotalCents)) * 1000) / 1000, title: 'Tax', price_set: moneySet(o.taxCents, c) }] : [],
    taxes_included: false,
    test: false,
    token: o.token,
    total_discounts: '0.00',
    total_discounts_set: moneySet(0, c),
    total_line_items_price: formatCents(o.subtotalCents),
    total_line_items_price_set: moneySet(o.subtotalCents, c),
    total_outstanding: formatCents(outstanding),
    total_price: formatCents(o.totalCents),
    total_price_set: moneySet(o.totalCents, c),
    total_shipping_price_set: moneySet(o.shippingCents, c),
    total_tax: formatCents(o.taxCents),
    total_tax_set: moneySet(o.taxCents, c),
    total_tip_received: '0.00',
    total_weight: o.lines.reduce((s, l) => s + l.variant.grams * l.quantity, 0),
    updated_at: t(ctx, o.updatedAt),
    user_id: null,
    billing_address: addressOf(o),
    customer: o.customer ? orderCustomerJson(ctx, o.customer) : null,
    discount_applications: [],
    fulfillments: [],
    line_items: o.lines.map((l) => lineItemJson(ctx, l, fulfilled)),
    payment_terms: null,
    refunds: o.refunds.map((r) => refundJson(ctx, o, r)),
    shipping_address: addressOf(o),
    shipping_lines: [
      {
        id: jsonId(o.shippingLineId),
        carrier_identifier: null,
        code: o.shippingCents === 0 ? 'Free Shipping' : 'Standard',
        discounted_price: formatCents(o.shippingCents),
        discounted_price_set: moneySet(o.shippingCents, c),
        phone: null,
        price: formatCents(o.shippingCents),
        price_set: moneySet(o.shippingCents, c),
        requested_fulfillment_service_id: null,
        source: 'shopify',
        title: o.shippingCents === 0 ? 'Free Shipping' : 'Standard Shipping',
        tax_lines: [],
        discount_allocations: [],
      },
    ],
  });
}

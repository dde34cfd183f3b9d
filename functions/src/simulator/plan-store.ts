// Pure planner of a believable Shopify store's webhook history: seeded, deterministic, all days in the shop's time zone.
import { CATALOGUE, handleOf, skuOf, variantPriceCents } from './catalogue';
import { countByTopic, sortByTriggeredAt, type PlannedDelivery } from './delivery';
import { EventQueue } from './event-queue';
import { IdGenerator } from './ids';
import { FIRST_NAMES, LAST_NAMES, STREETS, localeForTimeZone } from './locale';
import { customerBody, inventoryLevelBody, orderBody, productBody, refundBody, type PayloadContext } from './payloads';
import { Prng } from './prng';
import type { CustomerState, OrderLineState, OrderState, ProductState, RefundState, VariantState } from './store-model';
import { addDays, assertTimeZone, dayOfWeek, dayOfYear, daysBetween, fromLocal, localDate, parseDate } from './zoned-time';

export interface PlanStoreOptions {
  days: number;
  seed: number | string;
  /** IANA zone of the shop; every "day" is a calendar day there. Default America/New_York. */
  timezone?: string;
  /** Shop domain. Default demo-store.myshopify.com. */
  shop?: string;
  /** First simulated shop-local day, YYYY-MM-DD. Default 2026-01-05 (fixed, so a seed alone reproduces a run). */
  startDate?: string;
  /** Plan redeliveries (same webhook id twice) and multi-subscription duplicates (same event id). Default false. */
  duplicates?: boolean;
  /** Multiplies the customer arrival rate (1 ≈ 10–15 orders a day). Default 1. */
  scale?: number;
}

export interface StoreSummary {
  seed: number | string;
  shop: string;
  timezone: string;
  currency: string;
  startDate: string;
  endDate: string;
  days: number;
  deliveries: number;
  byTopic: Record<string, number>;
  products: number;
  variants: number;
  orders: number;
  guestOrders: number;
  customers: number;
  repeatBuyers: number;
  repeatBuyerShare: number;
  refunds: number;
  refundedOrders: number;
  refundedOrderShare: number;
  cancelledOrders: number;
  pendingPayments: number;
  priceChanges: number;
  stockouts: number;
  lostLines: number;
  duplicates: { enabled: boolean; redeliveries: number; multiSubscription: number };
}

export interface StorePlan {
  deliveries: PlannedDelivery[];
  summary: StoreSummary;
}

export const DEFAULT_TIMEZONE = 'America/New_York';
export const DEFAULT_SHOP = 'demo-store.myshopify.com';
export const DEFAULT_START_DATE = '2026-01-05';

/** Model constants, in one place. */
const MODEL = {
  newCustomersPerDay: 7.5,
  guestShare: 0.18,
  storeGrowthPerYear: 0.9,
  /** Day-of-week multipliers, Sunday first: weekday peak, quiet Saturday. */
  weekly: [0.85, 1.18, 1.12, 1.08, 1.05, 0.95, 0.62],
  yearlyAmp: 0.15,
  yearlyPeakDay: 345,
  /** Purchase rate per day ~ Gamma(shape, rate): mean 1/40 days, heterogeneous. */
  rateShape: 0.8,
  rateRate: 0.8 * 40,
  /** Dropout after each purchase ~ Beta(a, b) (BG/NBD's p), mean ≈ 0.33. */
  dropoutA: 1.5,
  dropoutB: 3,
  pendingPaymentShare: 0.05,
  pendingNeverPaidShare: 0.2,
  cancelShare: 0.012,
  refundShare: 0.038,
  updateShare: 0.1,
  customerUpdateShare: 0.1,
  priceChangePerProductDay: 0.004,
  freeShippingOverCents: 7500,
  shippingCents: 695,
};

/** Shopper activity by local hour (night lull, lunch and evening peaks). */
const HOURLY = [0.3, 0.2, 0.12, 0.08, 0.08, 0.15, 0.35, 0.6, 0.9, 1.1, 1.2, 1.3, 1.45, 1.35, 1.2, 1.2, 1.25, 1.35, 1.55, 1.8, 1.9, 1.7, 1.15, 0.6];
const REFUND_NOTES = ['Damaged in transit', 'Wrong size', 'Changed mind', 'Arrived late', 'Not as described', 'Duplicate order'];
const CANCEL_REASONS = ['customer', 'customer', 'inventory', 'fraud', 'other'];
const DAY_MS = 86400000;

export function planStore(opts: PlanStoreOptions): StorePlan {
  const days = opts.days;
  if (!Number.isInteger(days) || days < 1 || days > 3660) throw new RangeError(`days must be an integer in 1..3660, got ${days}`);
  const timeZone = opts.timezone ?? DEFAULT_TIMEZONE;
  assertTimeZone(timeZone);
  const shop = opts.shop ?? DEFAULT_SHOP;
  const startDate = opts.startDate ?? DEFAULT_START_DATE;
  parseDate(startDate);
  const scale = opts.scale ?? 1;

  const rng = new Prng(opts.seed);
  const ids = new IdGenerator(new Prng(`${String(opts.seed)}/ids`));
  const uuids = new Prng(`${String(opts.seed)}/uuids`);
  const locale = localeForTimeZone(timeZone);
  const ctx: PayloadContext = { timeZone, currency: locale.currency, shop, locationId: ids.next() };

  const dateOf = (dayIndex: number) => addDays(startDate, dayIndex);
  const localAt = (dayIndex: number, h: number, m: number, s: number) => {
    const [year, month, day] = parseDate(dateOf(dayIndex));
    return fromLocal({ year, month, day, hour: h, minute: m, second: s }, timeZone);
  };
  const startMs = localAt(0, 0, 0, 0).getTime();
  const endMs = localAt(days, 0, 0, 0).getTime();
  const dayIndexOf = (at: Date) => daysBetween(startDate, localDate(at, timeZone));

  const planned: PlannedDelivery[] = [];
  const emit = (topic: string, body: string, at: Date) => {
    if (at.getTime() >= endMs) return;
    planned.push({ topic, body, triggeredAt: at, webhookId: uuids.uuid(), eventId: uuids.uuid(), shop });
  };
  const queue = new EventQueue();
  const schedule = (at: Date, run: () => void) => {
    if (at.getTime() < endMs) queue.push(at, run);
  };
  const plus = (at: Date, ms: number) => new Date(at.getTime() + ms);
  const randomTimeOn = (dayIndex: number) => {
    const h = rng.weightedIndex(HOURLY);
    return localAt(dayIndex, h, rng.int(60), rng.int(60));
  };

  // ---- catalogue -------------------------------------------------------------------------------------------------
  const products: ProductState[] = [];
  const ranks = CATALOGUE.map((_, i) => i);
  for (let i = ranks.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!];
  }
  const launchSlots = days >= 30 ? [0.3, 0.55, 0.8].map((f) => Math.floor(days * f)) : [];
  CATALOGUE.forEach((tpl, i) => {
    const productWeight = 1 / Math.pow(ranks[i]! + 1, 1.3);
    const launchDay = i >= CATALOGUE.length - launchSlots.length ? launchSlots[i - (CATALOGUE.length - launchSlots.length)]! : 0;
    const createdAt = launchDay === 0 ? new Date(startMs + i * 7000) : localAt(launchDay, 9, rng.int(60), rng.int(60));
    const productId = ids.next();
    const optionShares = tpl.option.values.map((v) => (/^(M|L)$/.test(v) ? 1.6 : /^XL$/.test(v) ? 0.6 : 1) * rng.gamma(1.5, 1.5));
    const shareSum = optionShares.reduce((s, x) => s + x, 0);
    const isGiftCard = tpl.productType === 'Gift Card';
    const variants: VariantState[] = tpl.option.values.map((value, pos) => {
      const weight = (productWeight * optionShares[pos]!) / shareSum;
      const dailyUnits = weight * 14 * 1.6 * 1.3;
      const leadDays = rng.chance(0.18) ? rng.between(18, 32) : rng.between(3, 10);
      const cover = rng.between(14, 40);
      const reorderPoint = Math.max(1, Math.round(dailyUnits * Math.min(leadDays, 10) * (rng.chance(0.25) ? 0.4 : 1.1)));
      return {
        id: ids.next(),
        productId,
        inventoryItemId: ids.next(),
        sku: skuOf(tpl.title, value, pos),
        title: value,
        position: pos,
        priceCents: variantPriceCents(tpl, pos),
        compareAtCents: null,
        grams: tpl.grams,
        weight,
        available: isGiftCard ? 0 : Math.max(3, Math.round(dailyUnits * cover)),
        reorderPoint,
        reorderQty: Math.max(6, Math.round(dailyUnits * rng.between(20, 45))),
        leadDays,
        restockPending: false,
        stockouts: 0,
      };
    });
    products.push({
      id: productId,
      title: tpl.title,
      handle: handleOf(tpl.title),
      productType: tpl.productType,
      vendor: tpl.vendor,
      tags: tpl.tags,
      optionName: tpl.option.name,
      createdAt,
      updatedAt: createdAt,
      launchDay,
      growthPerYear: 0.2 + 0.6 * rng.normal(),
      peakDay: tpl.peakDay,
      seasonAmp: tpl.seasonAmp,
      // Best sellers sell by the piece (steady series); bulk buys come from the long tail (lumpy series).
      bulkShare: ranks[i]! < 4 ? 0 : tpl.bulkShare * 2,
      isGiftCard,
      variants,
    });
  });
  for (const p of products) {
    schedule(p.createdAt, () => {
      emit('products/create', productBody(ctx, p), p.createdAt);
      for (const v of p.variants) if (!p.isGiftCard) emit('inventory_levels/update', inventoryLevelBody(ctx, v, p.createdAt), plus(p.createdAt, 500));
    });
  }

  // ---- counters ----------------------------------------------------------------------------------------------------
  const customers: CustomerState[] = [];
  let alive: CustomerState[] = [];
  let orderNumber = 1000;
  let orders = 0;
  let guestOrders = 0;
  let refunds = 0;
  const refundedOrderIds = new Set<string>();
  let cancelled = 0;
  let pending = 0;
  let priceChanges = 0;
  let lostLines = 0;

  // ---- inventory -----------------------------------------------------------------------------------------------------
  const adjustStock = (v: VariantState, delta: number, at: Date) => {
    v.available += delta;
    emit('inventory_levels/update', inventoryLevelBody(ctx, v, at), at);
    if (delta < 0 && v.available === 0) v.stockouts++;
    if (v.available <= v.reorderPoint && !v.restockPending) {
      v.restockPending = true;
      const arrivalDay = dayIndexOf(at) + v.leadDays;
      if (arrivalDay < days) {
        const arrival = localAt(arrivalDay, 8 + rng.int(4), rng.int(60), rng.int(60));
        schedule(arrival, () => {
          v.restockPending = false;
          adjustStock(v, v.reorderQty, arrival);
        });
      }
    }
  };

  // ---- demand ------------------------------------------------------------------------------------------------------
  let productFactors: number[] = products.map(() => 1);
  const refreshFactors = (dayIndex: number) => {
    const doy = dayOfYear(dateOf(dayIndex));
    productFactors = products.map((p) => {
      if (dayIndex < p.launchDay) return 0;
      const trend = Math.exp((p.growthPerYear * dayIndex) / 365);
      const season = 1 + p.seasonAmp * Math.cos((2 * Math.PI * (doy - p.peakDay)) / 365);
      const launchBoost = p.launchDay > 0 && dayIndex - p.launchDay < 14 ? 2 : 1;
      return trend * season * launchBoost;
    });
  };

  const chooseLines = (): OrderLineState[] => {
    const nLines = 1 + Math.min(4, rng.poisson(0.6));
    const candidates: Array<{ p: ProductState; v: VariantState }> = [];
    const weights: number[] = [];
    products.forEach((p, pi) => {
      for (const v of p.variants) {
        candidates.push({ p, v });
        weights.push(v.weight * productFactors[pi]!);
      }
    });
    const lines: OrderLineState[] = [];
    for (let k = 0; k < nLines; k++) {
      const idx = rng.weightedIndex(weights);
      if (idx < 0) break;
      const { p, v } = candidates[idx]!;
      weights[idx] = 0;
      let quantity = rng.chance(p.bulkShare) ? rng.between(4, 12) : 1 + rng.geometric(0.9);
      let variant = v;
      if (!p.isGiftCard && variant.available <= 0) {
        // Out of stock: some shoppers take a sibling variant, the rest leave the line.
        const sibling = p.variants.find((s) => s.available > 0);
        if (sibling && rng.chance(0.4)) variant = sibling;
        else {
          lostLines++;
          continue;
        }
      }
      if (lines.some((l) => l.variant === variant)) continue;
      if (!p.isGiftCard) quantity = Math.min(quantity, variant.available);
      lines.push({ id: ids.next(), variant, product: p, quantity, priceCents: variant.priceCents, refundedQuantity: 0 });
    }
    return lines;
  };

  // ---- customers ---------------------------------------------------------------------------------------------------
  const newCustomer = (at: Date): CustomerState => {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const n = customers.length + 1;
    const addr = rng.pick(locale.addresses);
    const c: CustomerState = {
      id: ids.next(),
      firstName: first,
      lastName: last,
      email: `${first}.${last}.${n}@example.com`.toLowerCase(),
      phone: rng.chance(0.6) ? `${locale.phonePrefix}555${String(rng.int(10_000_000)).padStart(7, '0')}` : null,
      address: { ...addr, address1: `${rng.between(1, 999)} ${rng.pick(STREETS)}`, id: ids.next() },
      acceptsMarketing: rng.chance(0.4),
      createdAt: at,
      updatedAt: at,
      rate: rng.gamma(MODEL.rateShape, MODEL.rateRate),
      dropout: rng.beta(MODEL.dropoutA, MODEL.dropoutB),
      alive: true,
      ordersCount: 0,
      totalSpentCents: 0,
      lastOrderId: null,
      lastOrderName: null,
      note: null,
      tags: '',
    };
    customers.push(c);
    alive.push(c);
    return c;
  };

  const scheduleCustomerUpdate = (c: CustomerState) => {
    const at = plus(c.createdAt, rng.between(1, 60) * DAY_MS + rng.int(DAY_MS));
    schedule(at, () => {
      const what = rng.int(3);
      if (what === 0) c.acceptsMarketing = !c.acceptsMarketing;
      else if (what === 1) c.phone = `${locale.phonePrefix}555${String(rng.int(10_000_000)).padStart(7, '0')}`;
      else c.note = 'Prefers plastic-free packaging';
      if (c.ordersCount >= 3) c.tags = 'vip';
      c.updatedAt = at;
      emit('customers/update', customerBody(ctx, c), at);
    });
  };

  // ---- orders ------------------------------------------------------------------------------------------------------
  const refundOrder = (o: OrderState, at: Date, full: boolean, restock: boolean, note: string): RefundState | null => {
    const open = o.lines.filter((l) => l.quantity - l.refundedQuantity > 0);
    if (open.length === 0) return null;
    const chosen = full ? open : [rng.pick(open)];
    const lines = chosen.map((l) => {
      const remaining = l.quantity - l.refundedQuantity;
      const quantity = full ? remaining : rng.between(1, remaining);
      l.refundedQuantity += quantity;
      const subtotalCents = l.priceCents * quantity;
      const taxCents = l.product.isGiftCard ? 0 : Math.round(subtotalCents * locale.taxRate);
      return { id: ids.next(), line: l, quantity, subtotalCents, taxCents };
    });
    const amountCents = lines.reduce((s, l) => s + l.subtotalCents + l.taxCents, 0);
    const r: RefundState = { id: ids.next(), createdAt: at, note, restock, lines, transactionId: ids.next(), amountCents };
    o.refunds.push(r);
    refunds++;
    refundedOrderIds.add(o.id);
    const allRefunded = o.lines.every((l) => l.refundedQuantity >= l.quantity);
    if (o.financialStatus !== 'voided') o.financialStatus = allRefunded ? 'refunded' : 'partially_refunded';
    o.updatedAt = at;
    emit('refunds/create', refundBody(ctx, o, r), at);
    if (restock) for (const l of lines) if (!l.line.product.isGiftCard) adjustStock(l.line.variant, l.quantity, plus(at, 1000));
    return r;
  };

  const cancelOrder = (o: OrderState, at: Date, reason: string) => {
    if (o.cancelledAt) return;
    o.cancelledAt = at;
    o.cancelReason = reason;
    o.updatedAt = at;
    cancelled++;
    if (o.financialStatus === 'pending') {
      o.financialStatus = 'voided';
      for (const l of o.lines) if (!l.product.isGiftCard) adjustStock(l.variant, l.quantity - l.refundedQuantity, plus(at, 1000));
    } else {
      refundOrder(o, plus(at, 2000), true, true, reason === 'customer' ? 'Cancelled at customer request' : 'Order cancelled');
      o.updatedAt = at;
    }
    emit('orders/cancelled', orderBody(ctx, o), at);
    emit('orders/updated', orderBody(ctx, o), plus(at, 3000));
  };

  const placeOrder = (at: Date, kind: 'new' | 'guest' | 'repeat', existing: CustomerState | null) => {
    if (existing && !existing.alive) return;
    const lines = chooseLines();
    if (lines.length === 0) return;
    let customer = existing;
    if (kind === 'new') {
      customer = newCustomer(plus(at, -4000));
      emit('customers/create', customerBody(ctx, customer), customer.createdAt);
      if (rng.chance(MODEL.customerUpdateShare)) scheduleCustomerUpdate(customer);
    }
    const guest = kind === 'guest' ? { first: rng.pick(FIRST_NAMES), last: rng.pick(LAST_NAMES) } : null;
    const subtotalCents = lines.reduce((s, l) => s + l.priceCents * l.quantity, 0);
    const taxable = lines.reduce((s, l) => s + (l.product.isGiftCard ? 0 : l.priceCents * l.quantity), 0);
    const taxCents = Math.round(taxable * locale.taxRate);
    const shipsSomething = lines.some((l) => !l.product.isGiftCard);
    const shippingCents = !shipsSomething || subtotalCents >= MODEL.freeShippingOverCents ? 0 : MODEL.shippingCents;
    const isPending = rng.chance(MODEL.pendingPaymentShare);
    orderNumber++;
    orders++;
    if (!customer) guestOrders++;
    const token = [uuids.nextU32(), uuids.nextU32(), uuids.nextU32(), uuids.nextU32()].map((w) => w.toString(16).padStart(8, '0')).join('');
    const o: OrderState = {
      id: ids.next(),
      number: orderNumber,
      name: `#${orderNumber}`,
      token,
      createdAt: at,
      updatedAt: at,
      processedAt: at,
      customer,
      email: customer ? customer.email : `${guest!.first}.${guest!.last}.g${orderNumber}@example.net`.toLowerCase(),
      guestName: guest,
      address: customer ? customer.address : { ...rng.pick(locale.addresses), address1: `${rng.between(1, 999)} ${rng.pick(STREETS)}` },
      lines,
      subtotalCents,
      shippingCents,
      taxCents,
      totalCents: subtotalCents + shippingCents + taxCents,
      gateway: isPending ? 'bank_transfer' : rng.chance(0.15) ? 'paypal' : 'shopify_payments',
      financialStatus: isPending ? 'pending' : 'paid',
      fulfillmentStatus: null,
      cancelledAt: null,
      cancelReason: null,
      refunds: [],
      tags: '',
      note: null,
      shippingLineId: ids.next(),
    };
    if (customer) {
      customer.ordersCount++;
      customer.totalSpentCents += o.totalCents;
      customer.lastOrderId = o.id;
      customer.lastOrderName = o.name;
      customer.updatedAt = at;
    }
    emit('orders/create', orderBody(ctx, o), at);
    for (const l of lines) if (!l.product.isGiftCard) adjustStock(l.variant, -l.quantity, plus(at, 1000));

    if (isPending) {
      pending++;
      if (rng.chance(MODEL.pendingNeverPaidShare)) {
        schedule(plus(at, 3 * DAY_MS), () => cancelOrder(o, plus(at, 3 * DAY_MS), 'declined'));
      } else {
        const paidAt = plus(at, rng.between(1, 72) * 3600000 + rng.int(3600000));
        schedule(paidAt, () => {
          if (o.cancelledAt) return;
          o.financialStatus = 'paid';
          o.updatedAt = paidAt;
          emit('orders/paid', orderBody(ctx, o), paidAt);
        });
      }
    } else {
      const paidAt = plus(at, rng.between(2, 20) * 1000);
      o.updatedAt = paidAt;
      emit('orders/paid', orderBody(ctx, o), paidAt);
    }
    if (rng.chance(MODEL.cancelShare)) {
      const when = plus(at, rng.between(1, 36) * 3600000 + rng.int(3600000));
      schedule(when, () => cancelOrder(o, when, rng.pick(CANCEL_REASONS)));
    } else if (rng.chance(MODEL.refundShare)) {
      const when = plus(at, rng.between(3, 30) * DAY_MS + rng.int(DAY_MS));
      schedule(when, () => {
        if (o.cancelledAt || o.financialStatus === 'pending') return;
        const r = refundOrder(o, when, rng.chance(0.35), rng.chance(0.6), rng.pick(REFUND_NOTES));
        if (r) emit('orders/updated', orderBody(ctx, o), plus(when, 2000));
      });
    }
    if (rng.chance(MODEL.updateShare)) {
      const when = plus(at, rng.between(1, 4) * DAY_MS + rng.int(DAY_MS));
      schedule(when, () => {
        if (o.cancelledAt) return;
        o.fulfillmentStatus = 'fulfilled';
        o.tags = 'shipped';
        o.updatedAt = when;
        emit('orders/updated', orderBody(ctx, o), when);
      });
    }
    if (customer && rng.chance(customer.dropout)) customer.alive = false;
  };

  // ---- days ----------------------------------------------------------------------------------------------------------
  const startDay = (d: number) => {
    const date = dateOf(d);
    const dow = dayOfWeek(date);
    const doy = dayOfYear(date);
    refreshFactors(d);
    const yearly = 1 + MODEL.yearlyAmp * Math.cos((2 * Math.PI * (doy - MODEL.yearlyPeakDay)) / 365);
    const season = MODEL.weekly[dow]! * yearly;
    const growth = 1 + (MODEL.storeGrowthPerYear * d) / 365;
    const noise = Math.exp(0.12 * rng.normal() - 0.0072);
    const arrivals = rng.poisson(MODEL.newCustomersPerDay * scale * growth * season * noise);
    for (let i = 0; i < arrivals; i++) {
      const kind = rng.chance(MODEL.guestShare) ? 'guest' : 'new';
      const at = randomTimeOn(d);
      schedule(at, () => placeOrder(at, kind, null));
    }
    alive = alive.filter((c) => c.alive);
    for (const c of alive) {
      const k = rng.poisson(c.rate * season);
      for (let i = 0; i < k; i++) {
        const at = randomTimeOn(d);
        schedule(at, () => placeOrder(at, 'repeat', c));
      }
    }
    for (const p of products) {
      if (d <= p.launchDay || !rng.chance(MODEL.priceChangePerProductDay)) continue;
      const at = localAt(d, 10 + rng.int(6), rng.int(60), rng.int(60));
      schedule(at, () => {
        const factor = rng.chance(0.5) ? 1 + rng.between(5, 20) / 100 : 1 - rng.between(5, 25) / 100;
        for (const v of p.variants) {
          if (p.isGiftCard) continue;
          const next = Math.max(100, Math.round((v.priceCents * factor) / 50) * 50);
          v.compareAtCents = next < v.priceCents ? (v.compareAtCents ?? v.priceCents) : null;
          v.priceCents = next;
        }
        p.updatedAt = at;
        priceChanges++;
        emit('products/update', productBody(ctx, p), at);
      });
    }
    if (d + 1 < days) schedule(localAt(d + 1, 0, 0, 0), () => startDay(d + 1));
  };
  queue.push(startMs, () => startDay(0));

  for (let h = queue.pop(); h; h = queue.pop()) h.run();

  // ---- duplicates ------------------------------------------------------------------------------------------------------
  let deliveries = sortByTriggeredAt(planned);
  let redeliveries = 0;
  let multiSubscription = 0;
  if (opts.duplicates) {
    const dup = new Prng(`${String(opts.seed)}/duplicates`);
    const withDups: PlannedDelivery[] = [];
    for (const d of deliveries) {
      withDups.push(d);
      if (dup.chance(0.01)) {
        withDups.push({ ...d });
        redeliveries++;
      }
      if (dup.chance(0.005)) {
        withDups.push({ ...d, webhookId: dup.uuid() });
        multiSubscription++;
      }
    }
    deliveries = withDups;
  }

  const repeatBuyers = customers.filter((c) => c.ordersCount >= 2).length;
  const buyers = customers.filter((c) => c.ordersCount >= 1).length;
  return {
    deliveries,
    summary: {
      seed: opts.seed,
      shop,
      timezone: timeZone,
      currency: locale.currency,
      startDate,
      endDate: dateOf(days - 1),
      days,
      deliveries: deliveries.length,
      byTopic: countByTopic(deliveries),
      products: products.length,
      variants: products.reduce((s, p) => s + p.variants.length, 0),
      orders,
      guestOrders,
      customers: buyers,
      repeatBuyers,
      repeatBuyerShare: buyers ? repeatBuyers / buyers : 0,
      refunds,
      refundedOrders: refundedOrderIds.size,
      refundedOrderShare: orders ? refundedOrderIds.size / orders : 0,
      cancelledOrders: cancelled,
      pendingPayments: pending,
      priceChanges,
      stockouts: products.reduce((s, p) => s + p.variants.reduce((x, v) => x + v.stockouts, 0), 0),
      lostLines,
      duplicates: { enabled: Boolean(opts.duplicates), redeliveries, multiSubscription },
    },
  };
}

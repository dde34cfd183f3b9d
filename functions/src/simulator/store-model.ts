// The mutable state of a simulated store: products and variants with stock, customers with BG/NBD-like habits, orders.
import type { Address } from './locale';

export interface VariantState {
  id: string;
  productId: string;
  inventoryItemId: string;
  sku: string;
  title: string;
  position: number;
  priceCents: number;
  compareAtCents: number | null;
  grams: number;
  /** Relative demand weight within the store (Zipf over products × option shares). */
  weight: number;
  available: number;
  reorderPoint: number;
  reorderQty: number;
  leadDays: number;
  restockPending: boolean;
  /** Times the variant ran out of stock. */
  stockouts: number;
}

export interface ProductState {
  id: string;
  title: string;
  handle: string;
  productType: string;
  vendor: string;
  tags: string;
  optionName: string;
  createdAt: Date;
  updatedAt: Date;
  /** Index of the first simulated day the product is on sale. */
  launchDay: number;
  /** Log growth per year of this product's demand (trend) and its yearly peak. */
  growthPerYear: number;
  peakDay: number;
  seasonAmp: number;
  bulkShare: number;
  isGiftCard: boolean;
  variants: VariantState[];
}

export interface CustomerState {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  address: Address & { id: string };
  acceptsMarketing: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** Purchases per day while alive (gamma-distributed across customers). */
  rate: number;
  /** Probability of dropping out after each purchase (beta-distributed across customers). */
  dropout: number;
  alive: boolean;
  ordersCount: number;
  totalSpentCents: number;
  lastOrderId: string | null;
  lastOrderName: string | null;
  note: string | null;
  tags: string;
}

export interface OrderLineState {
  id: string;
  variant: VariantState;
  product: ProductState;
  quantity: number;
  priceCents: number;
  refundedQuantity: number;
}

export interface RefundState {
  id: string;
  createdAt: Date;
  note: string;
  restock: boolean;
  lines: Array<{ id: string; line: OrderLineState; quantity: number; subtotalCents: number; taxCents: number }>;
  transactionId: string;
  amountCents: number;
}

export interface OrderState {
  id: string;
  number: number;
  name: string;
  token: string;
  createdAt: Date;
  updatedAt: Date;
  processedAt: Date;
  customer: CustomerState | null;
  email: string | null;
  guestName: { first: string; last: string } | null;
  address: Address;
  lines: OrderLineState[];
  subtotalCents: number;
  shippingCents: number;
  taxCents: number;
  totalCents: number;
  gateway: string;
  financialStatus: 'pending' | 'paid' | 'partially_refunded' | 'refunded' | 'voided';
  fulfillmentStatus: 'fulfilled' | null;
  cancelledAt: Date | null;
  cancelReason: string | null;
  refunds: RefundState[];
  tags: string;
  note: string | null;
  shippingLineId: string;
}

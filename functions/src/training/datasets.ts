// The six feature datasets the training pipeline extracts: one zod schema per table (columns, types, non-null keys, value ranges, keys), validation that names table/column/row count, NDJSON I/O.
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';

/** Warehouse clients return 64-bit integers and NUMERIC as decimal strings: numbers arrive as numbers or such strings. */
const NUMERIC_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const numeric = z.union([z.number(), z.string().regex(NUMERIC_TEXT, 'must be a number').transform(Number)], { error: (i) => (i.input === null || i.input === undefined ? 'is null' : 'must be a number') });
const finite = numeric.pipe(z.number().finite('must be a finite number'));
const count = numeric.pipe(z.number().int('must be a whole number').min(0, 'must be ≥ 0'));
const nonNegative = finite.pipe(z.number().min(0, 'must be ≥ 0'));
const unit = finite.pipe(z.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]'));
const score = numeric.pipe(z.number().int('must be a whole number').min(1, 'must be in 1–5').max(5, 'must be in 1–5'));
const day = z.string({ error: (i) => (i.input === null || i.input === undefined ? 'is null' : 'must be a date YYYY-MM-DD') }).regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const id = z.union([z.string().min(1, 'must be a non-empty id'), z.number().int().transform(String)], { error: (i) => (i.input === null || i.input === undefined ? 'is null' : 'must be an id (text)') });
const flag = z.boolean({ error: (i) => (i.input === null || i.input === undefined ? 'is null' : 'must be true or false') });
const nullable = <T extends z.ZodType>(t: T) => z.union([z.null(), t]).optional().transform((v) => (v === undefined ? null : v));

export const SEGMENTS = ['Champions', 'Loyal', 'New', 'Potential loyalists', 'Cannot lose', 'At risk', 'Hibernating', 'Lost'] as const;

const customerRfm = z
  .object({
    shop: id,
    snapshot_date: day,
    customer_id: id,
    frequency: count,
    recency_days: count,
    age_days: count,
    days_since_last: count,
    monetary: nonNegative,
    r_score: score,
    f_score: score,
    m_score: score,
    segment: z.enum(SEGMENTS, { error: `must be one of ${SEGMENTS.join(', ')}` }),
  })
  .superRefine((r, ctx) => {
    if (r.recency_days > r.age_days) ctx.addIssue({ code: 'custom', path: ['recency_days'], message: `must be ≤ age_days (${r.age_days})` });
    else if (r.days_since_last !== r.age_days - r.recency_days) ctx.addIssue({ code: 'custom', path: ['days_since_last'], message: `must equal age_days − recency_days (${r.age_days - r.recency_days})` });
    if (r.frequency === 0 && (r.recency_days !== 0 || r.monetary !== 0)) ctx.addIssue({ code: 'custom', path: [r.recency_days !== 0 ? 'recency_days' : 'monetary'], message: 'must be 0 when frequency is 0' });
  });

const customerLabels = z.object({ shop: id, snapshot_date: day, customer_id: id, bought_within_30d: flag, label_complete: flag });

const variantDailyDemand = z.object({
  shop: id,
  variant_id: id,
  product_id: nullable(id),
  date: day,
  units: count,
  revenue: finite,
  avg_price: nullable(finite),
  in_stock: nullable(flag),
  /** The product's type (shop_staging.products; catalog), absent in older extracts. */
  product_type: z.string().nullish(),
});

const coPurchase = z
  .object({
    shop: id,
    snapshot_date: day,
    product_a: id,
    product_b: id,
    orders_together: count.pipe(z.number().min(1, 'must be ≥ 1')),
    orders_with_a: count,
    orders_with_b: count,
    baskets: count,
    support: unit,
    confidence: unit,
    lift: nonNegative,
  })
  .superRefine((r, ctx) => {
    if (r.product_a === r.product_b) ctx.addIssue({ code: 'custom', path: ['product_b'], message: 'must differ from product_a' });
    if (r.orders_together > Math.min(r.orders_with_a, r.orders_with_b)) ctx.addIssue({ code: 'custom', path: ['orders_together'], message: `must be ≤ orders_with_a and orders_with_b (${Math.min(r.orders_with_a, r.orders_with_b)})` });
  });

const orderLines = z
  .object({
    shop: id,
    order_id: id,
    line_item_id: id,
    customer_id: nullable(id),
    order_date: day,
    product_id: nullable(id),
    variant_id: nullable(id),
    net_quantity: count,
    net_revenue: finite,
    is_non_product: flag,
  })
  .superRefine((r, ctx) => {
    if (!r.is_non_product && r.product_id === null) ctx.addIssue({ code: 'custom', path: ['product_id'], message: 'is null on a product line' });
  });

const strings = z.array(z.string(), { error: 'must be a list of text' });
const productAttributes = z.object({
  shop: id,
  snapshot_date: day,
  product_id: id,
  variant_id: id,
  title: nullable(z.string()),
  title_tokens: strings,
  product_type: nullable(z.string()),
  vendor: nullable(z.string()),
  tags: strings,
  option1: nullable(z.string()),
  option2: nullable(z.string()),
  option3: nullable(z.string()),
  price: nonNegative,
  price_band: score,
  age_days: count,
  source: z.enum(['catalog', 'order_lines'], { error: "must be 'catalog' or 'order_lines'" }),
});

/** Table → schema, key columns (unique together) and the columns identifying a row in messages. */
export const DATASETS = {
  'shop_features.customer_rfm': { schema: customerRfm, key: ['shop', 'snapshot_date', 'customer_id'] },
  'shop_features.customer_labels': { schema: customerLabels, key: ['shop', 'snapshot_date', 'customer_id'] },
  'shop_features.variant_daily_demand': { schema: variantDailyDemand, key: ['shop', 'variant_id', 'date'] },
  'shop_features.co_purchase': { schema: coPurchase, key: ['shop', 'snapshot_date', 'product_a', 'product_b'] },
  'shop_staging.order_lines': { schema: orderLines, key: ['shop', 'line_item_id'] },
  'shop_features.product_attributes': { schema: productAttributes, key: ['shop', 'variant_id'] },
} as const;

export type DatasetTable = keyof typeof DATASETS;
export type DatasetRow<T extends DatasetTable> = z.output<(typeof DATASETS)[T]['schema']>;
export type CustomerRfmRow = DatasetRow<'shop_features.customer_rfm'>;
export type CustomerLabelRow = DatasetRow<'shop_features.customer_labels'>;
export type DemandRow = DatasetRow<'shop_features.variant_daily_demand'>;
export type CoPurchaseRow = DatasetRow<'shop_features.co_purchase'>;
export type OrderLineRow = DatasetRow<'shop_staging.order_lines'>;
export type ProductAttributeRow = DatasetRow<'shop_features.product_attributes'>;

export const DATASET_TABLES = Object.keys(DATASETS) as DatasetTable[];

/** One problem column of a table: how many rows fail and the first of them. */
export interface ColumnFailure {
  column: string;
  message: string;
  rows: number;
  firstRow: number;
  firstKey: string;
  got: unknown;
}

export interface DatasetCheck<T extends DatasetTable> {
  table: T;
  rows: DatasetRow<T>[];
  failures: ColumnFailure[];
}

const keyText = (raw: Record<string, unknown>, key: readonly string[]) => key.filter((k) => k !== 'shop').map((k) => `${k} ${String(raw[k])}`).join(', ');

/**
 * Validates every row of one table: schema per row (columns, types, nulls, ranges, row rules) and key uniqueness.
 * Failures are grouped by column with their row count and the first failing row (1-based, in dataset order).
 */
export function checkDataset<T extends DatasetTable>(table: T, raw: readonly unknown[]): DatasetCheck<T> {
  const { schema, key } = DATASETS[table];
  const failures = new Map<string, ColumnFailure>();
  const fail = (column: string, message: string, row: number, r: Record<string, unknown>, got: unknown) => {
    const k = `${column}\u0000${message}`;
    const f = failures.get(k);
    if (f) f.rows++;
    else failures.set(k, { column, message, rows: 1, firstRow: row, firstKey: keyText(r, key), got });
  };
  const rows: DatasetRow<T>[] = [];
  const seen = new Set<string>();
  raw.forEach((value, i) => {
    const r = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
    const res = (schema as z.ZodType).safeParse(value);
    if (!res.success) {
      // One failure per column and row (the first issue of each column).
      const columns = new Set<string>();
      for (const issue of res.error.issues) {
        const column = String(issue.path[0] ?? '(row)');
        if (columns.has(column)) continue;
        columns.add(column);
        fail(column, issue.message, i + 1, r, r[column]);
      }
      return;
    }
    const k = key.map((c) => String(r[c])).join('\u0000');
    if (seen.has(k)) fail(key[key.length - 1]!, `duplicate key (${key.join(', ')})`, i + 1, r, r[key[key.length - 1]!]);
    else seen.add(k);
    rows.push(res.data as DatasetRow<T>);
  });
  return { table, rows, failures: [...failures.values()].sort((a, b) => a.firstRow - b.firstRow) };
}

/** The message of a failed check: table, each failing column with its row count and first failing row. */
export function describeFailures(table: string, total: number, failures: readonly ColumnFailure[]): string {
  const parts = failures.map((f) => `column ${f.column}: ${f.rows} of ${total} row(s) ${f.message}; first at row ${f.firstRow} (${f.firstKey}), got ${JSON.stringify(f.got) ?? 'nothing'}`);
  return `${table}: ${parts.join('; ')}`;
}

/** Parses rows known to be valid (downstream of the validate step); throws the validation error otherwise. */
export function parseDataset<T extends DatasetTable>(table: T, raw: readonly unknown[]): DatasetRow<T>[] {
  const c = checkDataset(table, raw);
  if (c.failures.length) throw new ShopMlopsError('UNPROCESSABLE', describeFailures(table, raw.length, c.failures), { details: { table, column: c.failures[0]!.column, rows: c.failures[0]!.rows } });
  return c.rows;
}

/** Rows as JSON lines (the dataset artifacts' format). */
export function toNdjson(rows: readonly unknown[]): string {
  let out = '';
  for (const r of rows) out += JSON.stringify(r) + '\n';
  return out;
}

export function fromNdjson(text: string, what: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let line = 0;
  for (const l of text.split('\n')) {
    line++;
    if (!l) continue;
    try {
      out.push(JSON.parse(l) as Record<string, unknown>);
    } catch (err) {
      throw new ShopMlopsError('UNPROCESSABLE', `${what}: line ${line} is not JSON: ${(err as Error).message}`);
    }
  }
  return out;
}

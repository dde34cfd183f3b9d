// Orders per shop per UTC hour from shop_raw.events (current between feature builds; shop_staging.orders lags until the next build), in DuckDB's and BigQuery's spelling.
import { ShopMlopsError } from '../core/errors';
import { assertShop } from '../training/extract-sql';
import { HOUR_MS } from './velocity';

export type Dialect = 'duckdb' | 'bigquery';

/** The order topics: any of them carries the order's created_at, so a lost orders/create still counts the order once. */
const ORDER_TOPICS = ['orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled'];

const tsLiteral = (dialect: Dialect, hour: number) => {
  const text = new Date(hour * HOUR_MS).toISOString().slice(0, 19).replace('T', ' ');
  return dialect === 'duckdb' ? `TIMESTAMPTZ '${text}+00'` : `TIMESTAMP '${text} UTC'`;
};

/**
 * Distinct non-test orders per (shop, hour) created in epoch hours [fromHour, toHour): columns shop (STRING), hour (INT64:
 * whole hours since the epoch) and orders (INT64); hours without orders are absent. Deliveries repeat (at least once in
 * the cloud) and an order has several events: orders are counted by id. The window is on the order's created_at, not on
 * received_at (a replayed history arrives long after it happened).
 */
export function ordersPerHourSql(dialect: Dialect, o: { fromHour: number; toHour: number; shop?: string }): string {
  if (!Number.isInteger(o.fromHour) || !Number.isInteger(o.toHour) || o.fromHour < 0 || o.toHour <= o.fromHour) {
    throw new ShopMlopsError('BAD_REQUEST', `hour window must be whole epoch hours with from < to, got [${o.fromHour}, ${o.toHour})`);
  }
  if (o.shop !== undefined) assertShop(o.shop);
  const duck = dialect === 'duckdb';
  const json = (path: string) => (duck ? `json_extract_string(payload, '${path}')` : `JSON_VALUE(payload, '${path}')`);
  const createdAt = duck ? `CAST(${json('$.created_at')} AS TIMESTAMPTZ)` : `TIMESTAMP(${json('$.created_at')})`;
  const hourOf = duck ? 'CAST(floor(epoch(created_at) / 3600) AS BIGINT)' : 'DIV(UNIX_SECONDS(created_at), 3600)';
  return `WITH orders AS (
  SELECT DISTINCT shop, ${json('$.id')} AS order_id, ${createdAt} AS created_at
  FROM shop_raw.events
  WHERE topic IN (${ORDER_TOPICS.map((t) => `'${t}'`).join(', ')})${o.shop !== undefined ? `\n    AND shop = '${o.shop}'` : ''}
    AND COALESCE(${json('$.test')}, 'false') <> 'true'
)
SELECT shop, ${hourOf} AS hour, COUNT(DISTINCT order_id) AS orders
FROM orders
WHERE created_at >= ${tsLiteral(dialect, o.fromHour)} AND created_at < ${tsLiteral(dialect, o.toHour)}
GROUP BY shop, hour
ORDER BY shop, hour`;
}

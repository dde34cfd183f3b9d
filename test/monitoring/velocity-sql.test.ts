// Orders per hour SQL: golden text for both dialects; on DuckDB exact counts from real order payloads (repeated deliveries, several events per order, test orders, window edges); the BigQuery text passes the ZetaSQL analyzer.
// Regenerate the golden files after an intended change with: UPDATE_GOLDEN=1 npx jest test/monitoring/velocity-sql
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import type { LandedEvent } from '../../functions/src/core/classify';
import { analyzeBigQueryGraph, formatAnalysisFailures, stopBigQueryAnalyzer } from '../../functions/src/features/bigquery-check/analyze';
import { compileProject } from '../../functions/src/features/compile';
import type { CompiledGraph } from '../../functions/src/features/compiled-graph';
import { ordersPerHourSql } from '../../functions/src/monitoring/velocity-sql';
import { HOUR_MS } from '../../functions/src/monitoring/velocity';
import { FIXTURES } from '../helpers/shared';

const GOLDEN = path.join(__dirname, 'golden');
const update = process.env['UPDATE_GOLDEN'] === '1';
const hourOf = (iso: string) => Math.floor(Date.parse(iso) / HOUR_MS);
const WINDOW = { fromHour: hourOf('2026-05-10T00:00:00Z'), toHour: hourOf('2026-05-10T03:00:00Z') };

describe.each(['duckdb', 'bigquery'] as const)('%s', (dialect) => {
  test('matches its golden file', () => {
    const file = path.join(GOLDEN, `orders-per-hour.${dialect}.sql`);
    const sql = `${ordersPerHourSql(dialect, WINDOW)}\n-- one shop:\n${ordersPerHourSql(dialect, { ...WINDOW, shop: 'a.myshopify.com' })}\n`;
    if (update || !existsSync(file)) writeFileSync(file, sql);
    expect(sql).toBe(readFileSync(file, 'utf8'));
  });
});

test('refuses a bad window or a shop that is not a domain', () => {
  expect(() => ordersPerHourSql('duckdb', { fromHour: 10, toHour: 10 })).toThrow(/from < to/);
  expect(() => ordersPerHourSql('duckdb', { fromHour: 1.5, toHour: 10 })).toThrow(/whole epoch hours/);
  expect(() => ordersPerHourSql('bigquery', { ...WINDOW, shop: "x' OR '1'='1" })).toThrow(/shop must be a shop domain/);
});

/** The real orders/create fixture with another id, created_at and test flag (text edits: the 18-digit ids stay exact). */
const FIXTURE = readFileSync(path.join(FIXTURES, 'orders_create.json'), 'utf8');
function order(id: string, createdAt: string, test = false): string {
  const out = FIXTURE.replace(/^ {2}"id": \d+,$/m, `  "id": ${id},`).replace(/^ {2}"created_at": "[^"]*",$/m, `  "created_at": "${createdAt}",`).replace(/^ {2}"test": (true|false),$/m, `  "test": ${test},`);
  expect(out).toContain(`"id": ${id},`);
  expect(out).toContain(`"created_at": "${createdAt}"`);
  expect(out).toContain(`"test": ${test},`);
  return out;
}
let seq = 0;
const ev = (shop: string, topic: LandedEvent['topic'], payload: string): LandedEvent => ({
  shop,
  topic,
  webhook_id: `w-${++seq}`,
  event_id: null,
  api_version: '2026-10',
  triggered_at: null,
  received_at: '2026-06-01T00:00:00.000Z', // a replay: received long after the orders were created
  payload,
});

describe('on DuckDB', () => {
  let w: DuckDbWarehouse;
  beforeAll(async () => {
    w = await openDuckDbWarehouse({ path: ':memory:' });
    const a = 'a.myshopify.com';
    const b = 'b.myshopify.com';
    const events: LandedEvent[] = [
      // a, hour 00: three orders; 820982911946154501 arrives three times (create, paid, updated), once with another offset
      ev(a, 'orders/create', order('820982911946154501', '2026-05-10T00:05:00Z')),
      ev(a, 'orders/paid', order('820982911946154501', '2026-05-10T00:05:00Z')),
      ev(a, 'orders/updated', order('820982911946154501', '2026-05-09T20:05:00-04:00')),
      ev(a, 'orders/create', order('820982911946154502', '2026-05-10T00:59:59Z')),
      ev(a, 'orders/cancelled', order('820982911946154503', '2026-05-09T20:30:00-04:00')), // its create was lost; cancelled still a created order
      ev(a, 'orders/create', order('820982911946154504', '2026-05-10T00:10:00Z', true)), // test order: not counted
      ev(a, 'refunds/create', order('820982911946154505', '2026-05-10T00:10:00Z')), // not an order topic
      // a, hour 02: one; and outside the window on both sides
      ev(a, 'orders/create', order('820982911946154506', '2026-05-10T02:00:00Z')),
      ev(a, 'orders/create', order('820982911946154507', '2026-05-09T23:59:59Z')),
      ev(a, 'orders/create', order('820982911946154508', '2026-05-10T03:00:00Z')),
      // b, hour 01: two orders with ids equal to a's (ids are per shop)
      ev(b, 'orders/create', order('820982911946154501', '2026-05-10T01:00:00Z')),
      ev(b, 'orders/create', order('820982911946154502', '2026-05-10T01:30:00+00:00')),
    ];
    expect(await w.landEvents(events)).toEqual({ inserted: events.length, duplicates: 0 });
  }, 60_000);
  afterAll(() => w.close());

  const rows = async (sql: string) => (await w.query(sql)).map((r) => ({ shop: r['shop'], hour: Number(r['hour']), orders: Number(r['orders']) }));

  test('distinct non-test orders per shop and hour of created_at, window [from, to)', async () => {
    expect(await rows(ordersPerHourSql('duckdb', WINDOW))).toEqual([
      { shop: 'a.myshopify.com', hour: WINDOW.fromHour, orders: 3 },
      { shop: 'a.myshopify.com', hour: WINDOW.fromHour + 2, orders: 1 },
      { shop: 'b.myshopify.com', hour: WINDOW.fromHour + 1, orders: 2 },
    ]);
    expect(await rows(ordersPerHourSql('duckdb', { ...WINDOW, shop: 'b.myshopify.com' }))).toEqual([{ shop: 'b.myshopify.com', hour: WINDOW.fromHour + 1, orders: 2 }]);
    expect(await rows(ordersPerHourSql('duckdb', { fromHour: WINDOW.fromHour - 1, toHour: WINDOW.toHour + 1, shop: 'a.myshopify.com' }))).toEqual([
      { shop: 'a.myshopify.com', hour: WINDOW.fromHour - 1, orders: 1 },
      { shop: 'a.myshopify.com', hour: WINDOW.fromHour, orders: 3 },
      { shop: 'a.myshopify.com', hour: WINDOW.fromHour + 2, orders: 1 },
      { shop: 'a.myshopify.com', hour: WINDOW.fromHour + 3, orders: 1 },
    ]);
  });
});

describe('BigQuery (ZetaSQL analyzer)', () => {
  let graph: CompiledGraph;
  beforeAll(async () => {
    graph = await compileProject({ projectDir: path.resolve(__dirname, '../../dataform'), dialect: 'bigquery' });
  }, 120_000);
  afterAll(() => stopBigQueryAnalyzer());

  /** The real project's graph plus the query as an assertion reading the raw events declaration. */
  const withQuery = (query: string): CompiledGraph => {
    const g = structuredClone(graph);
    const events = g.declarations.find((d) => d.target.schema === 'shop_raw' && d.target.name === 'events')!.target;
    g.assertions.push({ target: { ...(events.database ? { database: events.database } : {}), schema: 'shop_monitoring_check', name: 'orders_per_hour' }, dependencyTargets: [events], query });
    return g;
  };
  const ours = async (query: string) => (await analyzeBigQueryGraph(withQuery(query))).filter((r) => r.action.includes('shop_monitoring_check.'));

  test('passes, with the column types the check reads', async () => {
    for (const sql of [ordersPerHourSql('bigquery', WINDOW), ordersPerHourSql('bigquery', { ...WINDOW, shop: 'a.myshopify.com' })]) {
      const results = await ours(sql);
      expect(results).toHaveLength(1);
      expect(formatAnalysisFailures(results)).toBe('');
      expect(results[0]!.outputColumns).toEqual([
        { name: 'shop', type: 'STRING' },
        { name: 'hour', type: 'INT64' },
        { name: 'orders', type: 'INT64' },
      ]);
    }
  }, 120_000);

  test('the check is real: the DuckDB text fails it', async () => {
    const [r] = await ours(ordersPerHourSql('duckdb', WINDOW));
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/json_extract_string|epoch|TIMESTAMPTZ/) });
  }, 120_000);
});

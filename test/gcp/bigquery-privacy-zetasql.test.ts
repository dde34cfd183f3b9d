// The privacy statements this branch adds to the BigQuery warehouse (pending requests, the idempotent audit, shop/redact keeping its request, the late-delivery scrub) pass the ZetaSQL analyzer against the raw tables' infra/schemas with their typed parameters; a mutated one fails.
import type { TypeProto } from '@fivetrandevelopers/zetasql/lib/types/zetasql/TypeProto';
import * as sql from '../../functions/src/adapters/gcp/bigquery-sql';
import type { ParamType, Statement } from '../../functions/src/adapters/gcp/bigquery-sql';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Catalog, type ZType } from '../../functions/src/features/bigquery-check/catalog';
import { stopZetaSqlServer, zetasqlServer, type ZetaSqlServer } from '../../functions/src/features/bigquery-check/server';

const P = 'demo-shop-mlops';
const KIND: Record<string, number> = { STRING: 8, INTEGER: 2, INT64: 2, FLOAT: 7, FLOAT64: 7, BOOLEAN: 5, BOOL: 5, DATE: 10, TIMESTAMP: 19, JSON: 26 };
const paramType = (t: ParamType): ZType =>
  typeof t === 'string' ? { typeKind: KIND[t]! } : Array.isArray(t) ? { typeKind: 16, arrayType: { elementType: paramType(t[0]!) } } : { typeKind: 17, structType: { field: Object.entries(t).map(([fieldName, ft]) => ({ fieldName, fieldType: paramType(ft) })) } };

let zs: ZetaSqlServer;
let catalogId: number;
beforeAll(async () => {
  zs = await zetasqlServer();
  const catalog = new Catalog();
  // The tables as Terraform creates them (infra/schemas: privacy_audit.details is STRING there, JSON in DuckDB).
  for (const name of ['events', 'quarantine', 'privacy_audit']) {
    const cols = JSON.parse(readFileSync(path.join(__dirname, '../../infra/schemas', `${name}.json`), 'utf8')) as Array<{ name: string; type: string }>;
    catalog.set({ project: P, dataset: 'shop_raw', name, columns: cols.map((c) => ({ name: c.name, type: { typeKind: KIND[c.type]! } })) });
  }
  const log = JSON.parse(readFileSync(path.join(__dirname, '../../infra/schemas/prediction_log.json'), 'utf8')) as Array<{ name: string; type: string }>;
  catalog.set({ project: P, dataset: 'shop_predictions', name: 'prediction_log', columns: log.map((c) => ({ name: c.name, type: { typeKind: KIND[c.type]! } })) });
  catalogId = Number((await zs.client.registerCatalog({ simpleCatalog: catalog.toProto('bigquery', zs.languageOptions) }))?.registeredId);
}, 120_000);
afterAll(async () => {
  await zs.client.unRegisterCatalog({ registeredId: catalogId }).catch(() => undefined);
  await stopZetaSqlServer();
});

async function analyse(s: Statement): Promise<string> {
  const queryParameters = Object.entries(s.types).map(([name, t]) => ({ name, type: paramType(t) as TypeProto }));
  try {
    await zs.client.analyze({ registeredCatalogId: catalogId, sqlStatement: s.sql, options: { languageOptions: zs.languageOptions, queryParameters, errorMessageMode: 'ERROR_MESSAGE_ONE_LINE', defaultTimezone: 'UTC' } });
    return '';
  } catch (e) {
    return `${s.sql.split('\n')[0]}: ${(e as { details?: string }).details ?? String(e)}`;
  }
}

const t = sql.tableNames(P, 'shop_raw');
const row = { audit_id: 'a', shop: 's', action: 'customers/redact' as const, customer_id: '1', webhook_id: 'w', requested_at: '2026-01-01T00:00:00Z', completed_at: '2026-01-01T00:00:00Z', details: '{}' };
const [lateRecords, lateOrders, lateQuarantine] = sql.scrubLateDeliveriesSql(t, '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z');
const statements: Array<[string, Statement]> = [
  ['pending privacy requests', sql.pendingPrivacyRequestsSql(t, '2026-01-01T00:00:00Z')],
  ['audit once per webhook id', sql.insertPrivacyAuditSql(t, row)],
  ['shop/redact keeps its request', sql.deleteShopEventsSql(t, 's')],
  ['late customer records', lateRecords!],
  ['late orders and refunds', lateOrders!],
  ['late quarantine', lateQuarantine!],
  ['late served predictions', sql.scrubLatePredictionLogSql(t, sql.qualified(P, 'shop_predictions.prediction_log'), '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')],
];

test.each(statements)('%s passes the ZetaSQL analyzer', async (_name, s) => {
  expect(await analyse(s)).toBe('');
}, 60_000);

test('a mutated statement fails (the analyzer reads our columns)', async () => {
  expect(await analyse({ ...lateOrders!, sql: lateOrders!.sql.replace("JSON_VALUE(e.payload, '$.order_id')", "JSON_VALUE(e.body, '$.order_id')") })).toMatch(/body/);
}, 60_000);

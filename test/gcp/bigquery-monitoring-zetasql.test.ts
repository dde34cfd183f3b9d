// Every BigQuery statement of the MonitoringStore passes the ZetaSQL analyzer (GoogleSQL) against the infra/ schemas with its typed parameters; a mutated one fails.
import * as sql from '../../functions/src/adapters/gcp/bigquery-monitoring-sql';
import type { Statement } from '../../functions/src/adapters/gcp/bigquery-sql';
import { Catalog } from '../../functions/src/features/bigquery-check/catalog';
import { analyzeStatements, paramZType } from '../../functions/src/features/bigquery-check/statements';
import { stopZetaSqlServer } from '../../functions/src/features/bigquery-check/server';
import { toWire } from '../../functions/src/monitoring/monitoring-rows';
import { MONITORING_DATASET, MONITORING_TABLE_NAMES, monitoringBigQuerySchema } from '../../functions/src/monitoring/monitoring-tables';
import { decision } from '../contracts/monitoring-store.contract';

const P = 'demo-shop-mlops';
const SHOP = 'demo-store.myshopify.com';

const catalog = new Catalog();
beforeAll(() => {
  for (const t of MONITORING_TABLE_NAMES) {
    catalog.set({ project: P, dataset: MONITORING_DATASET, name: t, columns: monitoringBigQuerySchema(t).map((c) => ({ name: c.name, type: paramZType(c.mode === 'REPEATED' ? [c.type] : c.type) })) });
  }
});
afterAll(() => stopZetaSqlServer());

/** Each statement of the job (a script splits at `;` line ends), analysed with the job's parameters; '' when all pass. */
async function analyse(s: Statement): Promise<string> {
  const [r] = await analyzeStatements(catalog, [{ label: 'statement', sql: s.sql, types: s.types }]);
  return r!.error ?? '';
}

const claim = { request_id: 'r1', shop: SHOP, models: ['clv'], trigger: 'velocity' as const, reason: 'x', requested_at: '2026-05-01T10:00:00.000Z' };
const run = { shop: SHOP, run_date: '2026-05-01', subject: 'features', model: null, computed_at: '2026-05-01T02:00:00.000Z', features_tested: 1, features_drifted: 0, correction: 'bonferroni', alpha: 0.05, drifted: false };
const result = { shop: SHOP, run_date: '2026-05-01', subject: 'features', model: null, feature: 'units', kind: 'continuous', reference: 'a', current: 'b', n_reference: 1, n_current: 1, psi: 0, ks_statistic: null, ks_p_value: null, js_divergence: null, p_adjusted: null, material: false, drifted: false, level: 'ok' };

const statements: Array<[string, Statement]> = [
  ['insert decision unless recorded', sql.insertRowsSql(P, 'decisions', [toWire('decisions', { ...decision() })], 'decision_id')],
  ['replace a night of drift', sql.replaceDriftSql(P, toWire('drift_runs', run), [toWire('drift_results', result)])],
  ['claim retrain', sql.claimRetrainSql(P, claim, '2026-05-01T09:00:00Z')],
  ['read back the claim', sql.claimReadBackSql(P, claim, '2026-05-01T09:00:00Z')],
  ['join the owner', sql.joinOwnerSql(P, 'r1', 'r0')],
  ['update retrain', sql.updateRetrainSql(P, 'r1', { status: 'failed', run_id: 'x', finished_at: '2026-05-01T10:00:00.000Z', error: 'e' })],
  ['update retrain (nothing to set)', sql.updateRetrainSql(P, 'r1', {})],
  ...MONITORING_TABLE_NAMES.map((t): [string, Statement] => [`read ${t}`, sql.readSql(P, t, { shop: SHOP, model: 'clv', since: '2026-05-01' })]),
  ...MONITORING_TABLE_NAMES.map((t): [string, Statement] => [`redact ${t}`, sql.deleteShopRowsSql(P, t, SHOP)]),
];

test.each(statements)('%s is valid GoogleSQL', async (_, s) => {
  expect(await analyse(s)).toBe('');
});

test('the check can fail: `current` unquoted (a reserved word), a column not in the schema, a text parameter into a TIMESTAMP column', async () => {
  const c = sql.claimRetrainSql(P, claim, '2026-05-01T09:00:00Z');
  expect(await analyse({ ...c, sql: c.sql.replace('CAST(@requested_at AS TIMESTAMP)', '@requested_at') })).toMatch(/requested_at/);
  const s = sql.readSql(P, 'drift_results', {});
  expect(await analyse({ ...s, sql: s.sql.replace('`current` AS `current`', 'current AS current_') })).toMatch(/Syntax error/);
  expect(await analyse({ ...s, sql: s.sql.replace('`psi`', '`psi_value`') })).toMatch(/Unrecognized name: psi_value/);
});

// Golden BigQuery SQL of the MonitoringStore: what only BigQuery sees (backtick names, PARSE_JSON / TO_JSON_STRING / FORMAT_TIMESTAMP, the transaction script, typed parameters).
import { claimRetrainSql, insertRowsSql, readSql, replaceDriftSql, updateRetrainSql } from '../../functions/src/adapters/gcp/bigquery-monitoring-sql';
import { toWire } from '../../functions/src/monitoring/monitoring-rows';

const P = 'demo-shop-mlops';
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
const SHOP = 'demo-store.myshopify.com';

test('the retrain claim is one INSERT … SELECT that coalesces into the window\'s earliest run owner, unless the request is already recorded', () => {
  const s = claimRetrainSql(P, { request_id: 'r1', shop: SHOP, models: ['clv', 'propensity'], trigger: 'velocity', reason: 'x', requested_at: '2026-05-01T10:00:00.000Z' }, '2026-05-01T09:00:00+00:00');
  expect(norm(s.sql)).toBe(norm(`INSERT INTO \`${P}.shop_monitoring.retrain_requests\` (\`request_id\`, \`shop\`, \`models\`, \`trigger\`, \`reason\`, \`requested_at\`, \`status\`, \`run_request_id\`, \`run_id\`, \`finished_at\`, \`error\`)
    WITH owner AS (SELECT o.request_id FROM \`${P}.shop_monitoring.retrain_requests\` AS o
      WHERE o.shop = @shop AND o.requested_at >= CAST(@since AS TIMESTAMP) AND o.run_request_id = o.request_id AND o.status != 'failed'
        AND EXISTS (SELECT 1 FROM UNNEST(o.models) AS m WHERE m IN UNNEST(@models))
      ORDER BY o.requested_at, o.request_id LIMIT 1)
    SELECT @request_id, @shop, @models, @trigger, @reason, CAST(@requested_at AS TIMESTAMP),
      CASE WHEN owner.request_id IS NULL THEN 'started' ELSE 'coalesced' END, COALESCE(owner.request_id, @request_id),
      CAST(NULL AS STRING), CAST(NULL AS TIMESTAMP), CAST(NULL AS STRING)
    FROM (SELECT 1 AS one) AS one LEFT JOIN owner ON TRUE
    WHERE NOT EXISTS (SELECT 1 FROM \`${P}.shop_monitoring.retrain_requests\` AS x WHERE x.request_id = @request_id)`));
  expect(s.params).toEqual({ request_id: 'r1', shop: SHOP, models: ['clv', 'propensity'], trigger: 'velocity', reason: 'x', requested_at: '2026-05-01T10:00:00.000Z', since: '2026-05-01T09:00:00.000Z' });
  expect(s.types).toEqual({ request_id: 'STRING', shop: 'STRING', models: ['STRING'], trigger: 'STRING', reason: 'STRING', requested_at: 'STRING', since: 'STRING' });
});

test('a decision is inserted unless its decision_id is recorded; JSON columns through PARSE_JSON, read back with TO_JSON_STRING', () => {
  const s = insertRowsSql(P, 'decisions', [], 'decision_id');
  expect(norm(s.sql)).toMatch(/^INSERT INTO `demo-shop-mlops\.shop_monitoring\.decisions` \(`decision_id`, .*`flow_event`\) SELECT r\.`decision_id`, r\.`shop`, r\.`model`, CAST\(r\.`decided_at` AS TIMESTAMP\), .*PARSE_JSON\(r\.`precision`\), PARSE_JSON\(r\.`guardrails`\), .* FROM UNNEST\(@rows\) AS r WHERE NOT EXISTS \(SELECT 1 FROM `demo-shop-mlops\.shop_monitoring\.decisions` AS x WHERE x\.`decision_id` = r\.`decision_id`\)$/);
  expect(s.types['rows']).toEqual([expect.objectContaining({ decided_at: 'STRING', version: 'INT64', precision: 'STRING', revision_before: 'INT64' })]);
  const r = readSql(P, 'decisions', { shop: SHOP, model: 'propensity', since: '2026-05-01' });
  expect(norm(r.sql)).toMatch(/^SELECT `decision_id` AS `decision_id`, .*FORMAT_TIMESTAMP\('%Y-%m-%dT%H:%M:%E3SZ', `decided_at`\) AS `decided_at`, .*TO_JSON_STRING\(`precision`\) AS `precision`, .* FROM `demo-shop-mlops\.shop_monitoring\.decisions` WHERE shop = @shop AND model = @model AND `decided_at` >= CAST\(@since AS TIMESTAMP\) ORDER BY decided_at, decision_id$/);
  expect(r.params).toEqual({ shop: SHOP, model: 'propensity', since: '2026-05-01T00:00:00.000Z' });
});

test('a night of drift is one transaction script: delete the key in both tables, insert the run and its results', () => {
  const run = { shop: SHOP, run_date: '2026-05-01', subject: 'features', model: null, computed_at: '2026-05-01T02:00:00.000Z', features_tested: 1, features_drifted: 0, correction: 'bonferroni', alpha: 0.05, drifted: false };
  const s = replaceDriftSql(P, toWire('drift_runs', run), []);
  expect(s.sql.split('\n').filter((l) => /^(BEGIN|DELETE|INSERT|COMMIT)/.test(l))).toEqual([
    'BEGIN TRANSACTION;',
    `DELETE FROM \`${P}.shop_monitoring.drift_runs\` WHERE shop = @shop AND run_date = CAST(@run_date AS DATE) AND subject = @subject AND model IS NOT DISTINCT FROM @model;`,
    `DELETE FROM \`${P}.shop_monitoring.drift_results\` WHERE shop = @shop AND run_date = CAST(@run_date AS DATE) AND subject = @subject AND model IS NOT DISTINCT FROM @model;`,
    expect.stringMatching(/^INSERT INTO `demo-shop-mlops\.shop_monitoring\.drift_runs` /),
    'COMMIT TRANSACTION;',
  ]);
  expect(s.sql).toContain('FROM UNNEST(@runs) AS r;');
  expect([s.params['model'], s.types['model']]).toEqual([null, 'STRING']);
});

test('updateRetrain sets only the fields given, finished_at cast to TIMESTAMP', () => {
  const s = updateRetrainSql(P, 'r1', { status: 'failed', finished_at: '2026-05-01T10:10:00.000Z', error: 'boom' });
  expect(norm(s.sql)).toBe(`UPDATE \`${P}.shop_monitoring.retrain_requests\` SET \`status\` = @status, \`finished_at\` = CAST(@finished_at AS TIMESTAMP), \`error\` = @error WHERE request_id = @request_id`);
  expect(s.params).toEqual({ request_id: 'r1', status: 'failed', finished_at: '2026-05-01T10:10:00.000Z', error: 'boom' });
});

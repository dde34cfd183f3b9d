// Infra and deploy config agree with the code: Terraform (parsed with @cdktf/hcl2json), table schemas, firebase.json, shopify.app.toml.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { ROUTES, buildBusMessage } from '../../functions/src/adapters/gcp/pubsub-event-bus';
import { defaultArtifactBucket } from '../../functions/src/adapters/gcp/cloud-runtime';
import { loadConfig } from '../../functions/src/core/config';
import { PRIVACY_TOPICS, TOPICS } from '../../functions/src/core/topics';
import type { LandedEvent, QuarantineRecord } from '../../functions/src/core/classify';
import type { PrivacyAuditRow, StoredQuarantine } from '../../functions/src/ports/warehouse';
import * as fns from '../../functions/src/index';
import { SERVICE_ACCOUNT } from '../../functions/src/index';
import { SERVING_ACCOUNT_ID } from '../../functions/src/adapters/gcp/vertex-endpoints';
import { CUSTOMER_DATA_TABLES } from '../../functions/src/core/privacy';
import { RAW_TABLES } from '../../functions/src/core/raw-schema';
import { PREDICTIONS_DATASET, PREDICTION_TABLES, PREDICTION_TABLE_NAMES, bigQuerySchema } from '../../functions/src/serving/prediction-tables';
import { PREDICTION_LOG_TABLE, predictionLogBigQuerySchema } from '../../functions/src/serving/prediction-log-table';
import { MONITORING_DATASET, MONITORING_TABLES, MONITORING_TABLE_NAMES, monitoringBigQuerySchema } from '../../functions/src/monitoring/monitoring-tables';

// smol-toml ships CommonJS under `require` but only ESM typings, which a CommonJS TypeScript file cannot import.
const { parse: parseToml } = require('smol-toml') as { parse(text: string): unknown };

const ROOT = path.join(__dirname, '../..');
const INFRA = path.join(ROOT, 'infra');
type Block = Record<string, unknown>;
type Tf = { resource: Record<string, Record<string, Block[]>>; variable?: Record<string, Block[]>; locals?: Block[]; provider?: Record<string, Block[]>; terraform?: Block[] };

let tf: Tf;
const defaults = loadConfig({});

/** Merges every infra/*.tf into one document, failing on a resource defined twice. */
beforeAll(async () => {
  tf = { resource: {}, variable: {}, locals: [], provider: {}, terraform: [] };
  for (const f of readdirSync(INFRA).filter((n) => n.endsWith('.tf')).sort()) {
    const doc = (await parseHcl(f, readFileSync(path.join(INFRA, f), 'utf8'))) as Partial<Tf>;
    for (const [type, byName] of Object.entries(doc.resource ?? {})) {
      tf.resource[type] ??= {};
      for (const [name, blocks] of Object.entries(byName)) {
        expect(tf.resource[type]![name]).toBeUndefined();
        tf.resource[type]![name] = blocks;
      }
    }
    Object.assign(tf.variable!, doc.variable ?? {});
    Object.assign(tf.provider!, doc.provider ?? {});
    tf.locals!.push(...(doc.locals ?? []));
    tf.terraform!.push(...(doc.terraform ?? []));
  }
});

const res = (type: string, name: string): Block => {
  const b = tf.resource[type]?.[name]?.[0];
  if (!b) throw new Error(`missing resource ${type}.${name}`);
  return b;
};
const all = (type: string): Array<[string, Block]> => Object.entries(tf.resource[type] ?? {}).map(([n, b]) => [n, b[0]!]);
const first = (v: unknown): Block => (Array.isArray(v) ? (v[0] as Block) : (v as Block));
const schemaFile = (name: string) => JSON.parse(readFileSync(path.join(INFRA, 'schemas', name), 'utf8')) as Array<{ name: string; type: string; mode: string }>;

// Column lists written out as records typed by the code, so a renamed field breaks compilation or this test.
const eventColumns: Record<keyof LandedEvent, true> = { shop: true, topic: true, webhook_id: true, event_id: true, api_version: true, triggered_at: true, received_at: true, payload: true };
const quarantineColumns: Record<keyof StoredQuarantine, true> = {
  quarantine_id: true, quarantined_at: true, replayed_at: true, shop: true, topic: true, webhook_id: true, event_id: true, api_version: true, triggered_at: true, received_at: true, reason: true, body: true, body_encoding: true,
};
const auditColumns: Record<keyof PrivacyAuditRow, true> = { audit_id: true, shop: true, action: true, customer_id: true, webhook_id: true, requested_at: true, completed_at: true, details: true };
const quarantineRecordColumns: Record<keyof QuarantineRecord, true> = { shop: true, topic: true, webhook_id: true, event_id: true, api_version: true, triggered_at: true, received_at: true, reason: true, body: true, body_encoding: true };

const envelope = { shop: 's.myshopify.com', topic: 'orders/create', webhookId: 'w', eventId: 'e', apiVersion: '2026-10', triggeredAt: null, receivedAt: '2026-01-01T00:00:00.000Z', body: Buffer.from('{}') };

describe('Terraform', () => {
  test('providers google and google-beta are declared and configured', () => {
    const req = first(first(tf.terraform![0]!['required_providers']));
    expect(Object.keys(req).sort()).toEqual(['google', 'google-beta']);
    expect(Object.keys(tf.provider!).sort()).toEqual(['google', 'google-beta']);
    expect(Object.keys(tf.variable!)).toEqual(expect.arrayContaining(['project', 'region', 'bucket']));
  });

  test('topic names equal the config defaults the functions publish to', () => {
    expect(res('google_pubsub_topic', 'webhooks')['name']).toBe(defaults.pubsubTopic);
    expect(res('google_pubsub_topic', 'privacy')['name']).toBe(defaults.privacyTopic);
    expect(res('google_pubsub_topic', 'dead_letter')['name']).toBe(`${defaults.pubsubTopic}-dead-letter`);
    expect(res('google_pubsub_topic', 'webhooks')['message_retention_duration']).toMatch(/^\d+s$/);
    const dl = res('google_pubsub_subscription', 'dead_letter');
    expect(dl['topic']).toBe('${google_pubsub_topic.dead_letter.id}');
    expect(dl).not.toHaveProperty('bigquery_config');
  });

  test('the dataset is the configured raw dataset; events is partitioned by day on received_at and clustered by shop, topic', () => {
    expect(res('google_bigquery_dataset', 'shop_raw')['dataset_id']).toBe(defaults.rawDataset);
    const events = res('google_bigquery_table', 'events');
    expect(events['table_id']).toBe('events');
    expect(first(events['time_partitioning'])).toEqual({ type: 'DAY', field: 'received_at' });
    expect(events['clustering']).toEqual(['shop', 'topic']);
    expect(events['schema']).toBe('${file("${path.module}/schemas/events.json")}');
    expect(res('google_bigquery_table', 'quarantine')['schema']).toBe('${file("${path.module}/schemas/quarantine.json")}');
    expect(res('google_bigquery_table', 'privacy_audit')['schema']).toBe('${file("${path.module}/schemas/privacy_audit.json")}');
  });

  test('the events schema has exactly the LandedEvent columns, payload as JSON and timestamps as TIMESTAMP', () => {
    const s = schemaFile('events.json');
    expect(s.map((c) => c.name).sort()).toEqual(Object.keys(eventColumns).sort());
    const type = Object.fromEntries(s.map((c) => [c.name, c.type]));
    expect(type).toMatchObject({ payload: 'JSON', received_at: 'TIMESTAMP', triggered_at: 'TIMESTAMP', webhook_id: 'STRING' });
    const nullable = s.filter((c) => c.mode === 'NULLABLE').map((c) => c.name).sort();
    expect(nullable).toEqual(['event_id', 'triggered_at']);
  });

  test('the quarantine schema is the QuarantineRecord columns plus quarantine_id, quarantined_at, replayed_at', () => {
    const names = schemaFile('quarantine.json').map((c) => c.name).sort();
    expect(names).toEqual(Object.keys(quarantineColumns).sort());
    expect(names).toEqual([...Object.keys(quarantineRecordColumns), 'quarantine_id', 'quarantined_at', 'replayed_at'].sort());
    expect(schemaFile('privacy_audit.json').map((c) => c.name).sort()).toEqual(Object.keys(auditColumns).sort());
  });

  test('the raw tables\' schema files are core/raw-schema.ts (names, types, modes): the one definition DuckDB and the BigQuery statements are checked against', () => {
    for (const [table, cols] of Object.entries(RAW_TABLES)) {
      expect([table, schemaFile(`${table}.json`).map((c) => [c.name, c.type, c.mode])]).toEqual([table, cols.map((c) => [c.name, c.type, c.mode])]);
    }
  });

  test('every column the publisher writes exists in its table, and every REQUIRED column is written', () => {
    const check = (file: string, row: Record<string, unknown>) => {
      const s = schemaFile(file);
      for (const k of Object.keys(row)) expect(s.map((c) => c.name)).toContain(k);
      for (const c of s.filter((x) => x.mode === 'REQUIRED')) expect(row[c.name]).not.toBeUndefined();
    };
    check('events.json', JSON.parse(buildBusMessage(envelope).data.toString()) as Record<string, unknown>);
    check('quarantine.json', JSON.parse(buildBusMessage(envelope, { quarantineReason: 'x' }).data.toString()) as Record<string, unknown>);
  });

  test('two BigQuery subscriptions route by the attribute values the publisher sets, with table schema and dead letters', () => {
    const subs = all('google_pubsub_subscription').filter(([, b]) => b['bigquery_config'] && b['topic'] === '${google_pubsub_topic.webhooks.id}');
    expect(subs.map(([n]) => n).sort()).toEqual(['events_to_bigquery', 'quarantine_to_bigquery']);
    const byRoute: Record<string, string> = {};
    for (const [, b] of subs) {
      expect(b['topic']).toBe('${google_pubsub_topic.webhooks.id}');
      const m = /^attributes\.route = "([a-z]+)"$/.exec(String(b['filter']));
      expect(m).not.toBeNull();
      const cfg = first(b['bigquery_config']);
      expect(cfg['use_table_schema']).toBe(true);
      byRoute[m![1]!] = String(cfg['table']);
      const dlp = first(b['dead_letter_policy']);
      expect(dlp['dead_letter_topic']).toBe('${google_pubsub_topic.dead_letter.id}');
      expect(dlp['max_delivery_attempts']).toBeDefined();
    }
    expect(Object.keys(byRoute).sort()).toEqual(Object.values(ROUTES).sort());
    expect(byRoute[ROUTES.events]).toMatch(/google_bigquery_table\.events\.table_id\}$/);
    expect(byRoute[ROUTES.quarantine]).toMatch(/google_bigquery_table\.quarantine\.table_id\}$/);
    expect(buildBusMessage(envelope).attributes['route']).toBe(ROUTES.events);
    expect(buildBusMessage(envelope, { quarantineReason: 'x' }).attributes['route']).toBe(ROUTES.quarantine);
  });

  test('the Pub/Sub service agent can write the dataset, publish dead letters and subscribe to the BigQuery subscriptions', () => {
    const agent = '${local.pubsub_agent}';
    const ds = all('google_bigquery_dataset_iam_member').filter(([, b]) => b['member'] === agent);
    expect(ds.map(([, b]) => [b['dataset_id'], b['role']]).sort()).toEqual([['${google_bigquery_dataset.shop_predictions.dataset_id}', 'roles/bigquery.dataEditor'], ['${google_bigquery_dataset.shop_raw.dataset_id}', 'roles/bigquery.dataEditor']]);
    const topics = all('google_pubsub_topic_iam_member').filter(([, b]) => b['member'] === agent);
    expect(topics.map(([, b]) => [b['topic'], b['role']]).sort()).toEqual([['${google_pubsub_topic.dead_letter.name}', 'roles/pubsub.publisher'], ['${google_pubsub_topic.predictions_dead_letter.name}', 'roles/pubsub.publisher']]);
    const subs = all('google_pubsub_subscription_iam_member').filter(([, b]) => b['member'] === agent);
    expect(subs.map(([, b]) => b['role'])).toEqual(['roles/pubsub.subscriber', 'roles/pubsub.subscriber']);
    expect(res('google_pubsub_subscription_iam_member', 'pubsub_agent_predictions_subscriber')['subscription']).toBe('${google_pubsub_subscription.predictions_to_bigquery.name}');
    const locals = Object.assign({}, ...tf.locals!) as Record<string, unknown>;
    expect(locals['pubsub_agent']).toBe('serviceAccount:${google_project_service_identity.pubsub.email}');
    expect(Object.keys(locals['bq_subscripts'] as object).sort()).toEqual(['events', 'quarantine']);
  });

  test("the functions' service account is the one the functions run as, with exactly the roles they need", () => {
    expect(`${res('google_service_account', 'functions')['account_id']}@`).toBe(SERVICE_ACCOUNT);
    const sa = '${local.functions_sa}';
    const roles = Object.entries(tf.resource)
      .filter(([t]) => t.endsWith('_iam_member'))
      .flatMap(([, byName]) => Object.values(byName).map((b) => b[0]!))
      .filter((b) => b['member'] === sa)
      .map((b) => b['role'])
      .sort();
    // dataEditor on shop_raw (landing, privacy), shop_predictions (redaction deletes batch scores), shop_monitoring
    // (the monitor's records, shop/redact), shop_staging and shop_features (redaction edits them; the api function reads
    // its online features there); publisher on webhooks, privacy, predictions; metricWriter for the monitoring series
    // (infra/alerts.tf); eventReceiver + run.invoker for the privacy worker's trigger; datastore.user for Firestore (offline
    // tokens, infra/firestore.tf); act as the serving and pipelines
    // accounts. test/gcp/infra-iam.test.ts checks each against what the code touches.
    expect(roles).toEqual(['roles/aiplatform.user', 'roles/bigquery.dataEditor', 'roles/bigquery.dataEditor', 'roles/bigquery.dataEditor', 'roles/bigquery.dataEditor', 'roles/bigquery.dataEditor', 'roles/bigquery.jobUser', 'roles/datastore.user', 'roles/eventarc.eventReceiver', 'roles/iam.serviceAccountUser', 'roles/iam.serviceAccountUser', 'roles/monitoring.metricWriter', 'roles/pubsub.publisher', 'roles/pubsub.publisher', 'roles/pubsub.publisher', 'roles/run.invoker', 'roles/secretmanager.secretAccessor', 'roles/storage.objectAdmin']);
  });

  test('serving: endpoints are created per shop at deploy time (none declared); the functions may manage them and act as the serving account, which only reads artifacts', () => {
    expect(tf.resource['google_vertex_ai_endpoint']).toBeUndefined();
    expect(res('google_service_account', 'serving')['account_id']).toBe(SERVING_ACCOUNT_ID);
    const aip = res('google_project_iam_member', 'functions_aiplatform_user');
    expect([aip['role'], aip['member'], aip['depends_on']]).toEqual(['roles/aiplatform.user', '${local.functions_sa}', ['${google_project_service.aiplatform}', '${google_project_service.apis}']]);
    const actAs = res('google_service_account_iam_member', 'functions_act_as_serving');
    expect([actAs['service_account_id'], actAs['role'], actAs['member']]).toEqual(['${google_service_account.serving.name}', 'roles/iam.serviceAccountUser', '${local.functions_sa}']);
    const locals = Object.assign({}, ...tf.locals!) as Record<string, unknown>;
    expect(locals['serving_sa']).toBe('serviceAccount:${google_service_account.serving.email}');
    const servingGrants = Object.values(tf.resource)
      .flatMap((byName) => Object.values(byName).map((b) => b[0]!))
      .filter((b) => b['member'] === '${local.serving_sa}');
    expect(servingGrants.map((b) => [b['bucket'], b['role']])).toEqual([['${google_storage_bucket.artifacts.name}', 'roles/storage.objectViewer']]);
    expect(tf.variable!['serving_machine_type']).toBeDefined();
  });

  test('shop_predictions: the dataset and every table the PredictionStore writes, with the code\'s schema, clustering and day partitions; writers and redaction may edit it', () => {
    expect(res('google_bigquery_dataset', 'shop_predictions')['dataset_id']).toBe(PREDICTIONS_DATASET);
    const tables = res('google_bigquery_table', 'predictions');
    expect(tables['for_each']).toBe('${local.prediction_tables}');
    expect(tables['dataset_id']).toBe('${google_bigquery_dataset.shop_predictions.dataset_id}');
    expect(tables['schema']).toBe('${file("${path.module}/schemas/predictions_${each.key}.json")}');
    expect(first(tables['time_partitioning'])).toEqual({ type: 'DAY', field: 'snapshot_date' });
    const locals = Object.assign({}, ...tf.locals!) as Record<string, unknown>;
    expect(locals['prediction_tables']).toEqual(Object.fromEntries(PREDICTION_TABLE_NAMES.map((t) => [t, [...PREDICTION_TABLES[t].clustering]])));
    // The schema files are what the code writes: same columns, types and modes (regenerate them from bigQuerySchema).
    for (const t of PREDICTION_TABLE_NAMES) expect([t, JSON.parse(readFileSync(path.join(INFRA, 'schemas', `predictions_${t}.json`), 'utf8'))]).toEqual([t, bigQuerySchema(t)]);
    // Customer score tables are in the redaction list.
    for (const t of PREDICTION_TABLE_NAMES.filter((x) => PREDICTION_TABLES[x].columns.some((c) => c.name === 'customer_id'))) expect(CUSTOMER_DATA_TABLES[`${PREDICTIONS_DATASET}.${t}`]?.customers).toBe('delete');
    const editors = all('google_bigquery_dataset_iam_member').filter(([, b]) => b['dataset_id'] === '${google_bigquery_dataset.shop_predictions.dataset_id}');
    // The Pub/Sub service agent writes the prediction log through its BigQuery subscription; Dataform's outcome join reads it.
    expect(editors.map(([, b]) => [b['member'], b['role']]).sort()).toEqual([['${local.dataform_sa}', 'roles/bigquery.dataViewer'], ['${local.functions_sa}', 'roles/bigquery.dataEditor'], ['${local.pipelines_sa}', 'roles/bigquery.dataEditor'], ['${local.pubsub_agent}', 'roles/bigquery.dataEditor']]);
  });

  test('shop_monitoring: the dataset and every table the MonitoringStore writes, with the code\'s schema, partitions and clustering; the functions may edit it', () => {
    expect(res('google_bigquery_dataset', 'shop_monitoring')['dataset_id']).toBe(MONITORING_DATASET);
    const tables = res('google_bigquery_table', 'monitoring');
    expect([tables['for_each'], tables['dataset_id'], tables['table_id'], tables['clustering']]).toEqual(['${local.monitoring_tables}', '${google_bigquery_dataset.shop_monitoring.dataset_id}', '${each.key}', '${each.value.clustering}']);
    expect(tables['schema']).toBe('${file("${path.module}/schemas/monitoring_${each.key}.json")}');
    expect(first(tables['time_partitioning'])).toEqual({ type: 'DAY', field: '${each.value.partition}' });
    const locals = Object.assign({}, ...tf.locals!) as Record<string, unknown>;
    expect(locals['monitoring_tables']).toEqual(Object.fromEntries(MONITORING_TABLE_NAMES.map((t) => [t, { partition: MONITORING_TABLES[t].partition, clustering: [...MONITORING_TABLES[t].clustering] }])));
    // The schema files are what the code writes (regenerate them from monitoringBigQuerySchema); the store holds no customer ids.
    for (const t of MONITORING_TABLE_NAMES) {
      const schema = JSON.parse(readFileSync(path.join(INFRA, 'schemas', `monitoring_${t}.json`), 'utf8')) as ReturnType<typeof monitoringBigQuerySchema>;
      expect([t, schema]).toEqual([t, monitoringBigQuerySchema(t)]);
      expect([t, schema.filter((c) => /customer|visitor|email/.test(c.name))]).toEqual([t, []]);
      expect([t, schema[MONITORING_TABLES[t].columns.findIndex((c) => c.name === 'shop')]?.mode]).toEqual([t, 'REQUIRED']);
    }
    const editors = all('google_bigquery_dataset_iam_member').filter(([, b]) => b['dataset_id'] === '${google_bigquery_dataset.shop_monitoring.dataset_id}');
    expect(editors.map(([, b]) => [b['member'], b['role']])).toContainEqual(['${local.functions_sa}', 'roles/bigquery.dataEditor']);
  });

  test('prediction log: the topic the api function publishes to, a BigQuery subscription into shop_predictions.prediction_log with the code\'s schema, dead letters', () => {
    expect(res('google_pubsub_topic', 'predictions')['name']).toBe(defaults.predictionTopic);
    const table = res('google_bigquery_table', 'prediction_log');
    expect([table['dataset_id'], table['table_id'], table['schema'], table['clustering']]).toEqual(['${google_bigquery_dataset.shop_predictions.dataset_id}', PREDICTION_LOG_TABLE, '${file("${path.module}/schemas/prediction_log.json")}', ['shop', 'model']]);
    expect(first(table['time_partitioning'])).toEqual({ type: 'DAY', field: 'served_at' });
    expect(JSON.parse(readFileSync(path.join(INFRA, 'schemas', 'prediction_log.json'), 'utf8'))).toEqual(predictionLogBigQuerySchema());
    const sub = res('google_pubsub_subscription', 'predictions_to_bigquery');
    expect(sub['topic']).toBe('${google_pubsub_topic.predictions.id}');
    expect(sub).not.toHaveProperty('filter');
    expect(first(sub['bigquery_config'])).toEqual({ table: '${var.project}.${google_bigquery_dataset.shop_predictions.dataset_id}.${google_bigquery_table.prediction_log.table_id}', use_table_schema: true });
    expect(first(sub['dead_letter_policy'])['dead_letter_topic']).toBe('${google_pubsub_topic.predictions_dead_letter.id}');
    expect(res('google_pubsub_subscription', 'predictions_dead_letter')['topic']).toBe('${google_pubsub_topic.predictions_dead_letter.id}');
    expect(CUSTOMER_DATA_TABLES[`${PREDICTIONS_DATASET}.${PREDICTION_LOG_TABLE}`]?.customers).toBe('delete');
    const pub = res('google_pubsub_topic_iam_member', 'functions_publish_predictions');
    expect([pub['topic'], pub['role'], pub['member']]).toEqual(['${google_pubsub_topic.predictions.name}', 'roles/pubsub.publisher', '${local.functions_sa}']);
  });

  test('every Google API the exported functions require (Cloud Scheduler for the scheduled ones) is enabled', () => {
    const enabled = new Set<string>();
    for (const blocks of Object.values(tf.resource['google_project_service'] ?? {})) {
      for (const b of blocks) {
        const each = b['for_each'];
        if (typeof b['service'] === 'string' && !String(b['service']).includes('${')) enabled.add(b['service']);
        if (typeof each === 'string') for (const m of each.matchAll(/"([a-z0-9.-]+\.googleapis\.com)"/g)) enabled.add(m[1]!);
      }
    }
    const required = Object.values(fns).flatMap((f) => ((f as { __requiredAPIs?: Array<{ api: string }> }).__requiredAPIs ?? []).map((r) => r.api));
    expect(required).toContain('cloudscheduler.googleapis.com');
    expect(required.filter((a) => !enabled.has(a))).toEqual([]);
  });

  test('the secret and the artifact bucket are named as the functions expect', () => {
    expect(res('google_secret_manager_secret', 'shopify_api_secret')['secret_id']).toBe('SHOPIFY_API_SECRET');
    expect(res('google_storage_bucket', 'artifacts')['name']).toBe('${local.bucket}');
    const locals = Object.assign({}, ...tf.locals!) as Record<string, unknown>;
    expect(locals['bucket']).toBe('${coalesce(var.bucket, "${var.project}-shop-mlops-artifacts")}');
    expect(defaultArtifactBucket('PROJ')).toBe('PROJ-shop-mlops-artifacts');
  });
});

describe('firebase.json, .firebaserc and shopify.app.toml', () => {
  const firebase = JSON.parse(readFileSync(path.join(ROOT, 'firebase.json'), 'utf8')) as {
    functions: Array<{ source: string; runtime: string; predeploy: string[]; ignore: string[] }>;
    hosting: { public: string; rewrites: Array<{ source: string; function: { functionId: string; region: string } }> };
    emulators: Record<string, { port?: number }>;
  };

  test('functions build from functions/ on nodejs24 and hosting rewrites /webhooks to the webhooks function in us-central1', () => {
    expect(firebase.functions).toHaveLength(1);
    expect(firebase.functions[0]).toMatchObject({ source: 'functions', runtime: 'nodejs24' });
    expect(firebase.functions[0]!.predeploy).toEqual(['npm --prefix "$RESOURCE_DIR" run build']);
    expect(firebase.functions[0]!.ignore).toContain('node_modules');
    expect(firebase.hosting.public).toBe('hosting');
    expect(firebase.hosting.rewrites).toEqual([
      { source: '/webhooks', function: { functionId: 'webhooks', region: 'us-central1' } },
      { source: '/api/**', function: { functionId: 'api', region: 'us-central1' } },
      // the Flow action's runtime_url (extensions/retrain-models-action) is served by the api function
      { source: '/flow/**', function: { functionId: 'api', region: 'us-central1' } },
      // the embedded app's install (POST /shopify/install: token exchange, offline token into Firestore) too
      { source: '/shopify/**', function: { functionId: 'api', region: 'us-central1' } },
    ]);
    expect(readFileSync(path.join(ROOT, 'extensions/retrain-models-action/shopify.extension.toml'), 'utf8')).toMatch(/^runtime_url = "https:\/\/demo-shop-mlops\.web\.app\/flow\/actions\/retrain"$/m);
    expect(firebase.emulators['functions']?.port).toEqual(expect.any(Number));
    expect(firebase.emulators['hosting']?.port).toEqual(expect.any(Number));
    const rc = JSON.parse(readFileSync(path.join(ROOT, '.firebaserc'), 'utf8')) as { projects: { default: string } };
    expect(rc.projects.default).toBe('demo-shop-mlops');
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'functions/package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };
    expect(pkg.main).toBe('lib/index.js');
    expect(pkg.scripts['build']).toBeDefined();
  });

  test('shopify.app.toml subscribes every topic in TOPICS once, privacy topics as compliance topics, all to /webhooks', () => {
    const app = parseToml(readFileSync(path.join(ROOT, 'shopify.app.toml'), 'utf8')) as { webhooks: { api_version: string; subscriptions: Array<{ topics?: string[]; compliance_topics?: string[]; uri: string }> } };
    expect(app.webhooks.api_version).toMatch(/^\d{4}-\d{2}$/);
    const subs = app.webhooks.subscriptions;
    const topics = subs.flatMap((s) => s.topics ?? []);
    const compliance = subs.flatMap((s) => s.compliance_topics ?? []);
    expect([...topics, ...compliance].sort()).toEqual([...TOPICS].sort());
    expect(new Set(topics).size).toBe(topics.length);
    expect(compliance.sort()).toEqual([...PRIVACY_TOPICS].sort());
    for (const s of subs) expect(s.uri).toBe('/webhooks');
  });
});

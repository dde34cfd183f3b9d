// IAM on a fresh project (infra/*.tf via hcl2json): for every BigQuery dataset, topic, subscription and bucket the code touches, the identity that touches it has a role allowing that operation; service agents, APIs and accounts exist before grants use them.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { DERIVED_DATASETS } from '../../functions/src/adapters/gcp/bigquery-warehouse';
import { loadConfig } from '../../functions/src/core/config';
import { CUSTOMER_DATA_TABLES } from '../../functions/src/core/privacy';
import { compileProject } from '../../functions/src/features/compile';
import type { CompiledGraph } from '../../functions/src/features/compiled-graph';
import { SERVICE_ACCOUNT } from '../../functions/src/index';
import { MONITORING_DATASET } from '../../functions/src/monitoring/monitoring-tables';
import { PIPELINES_ACCOUNT_ID } from '../../functions/src/monitoring/retrain-start-vertex';
import { PREDICTIONS_DATASET } from '../../functions/src/serving/prediction-tables';
import { SERVING_ACCOUNT_ID } from '../../functions/src/adapters/gcp/vertex-endpoints';
import { importGraph, specifiersOf } from './support/import-graph';
import { METAFIELDS_JOURNAL_PREFIX } from '../../functions/src/adapters/gcp/cloud-metafields';

const ROOT = path.join(__dirname, '../..');
const INFRA = path.join(ROOT, 'infra');
const SRC = path.join(ROOT, 'functions/src');
type Block = Record<string, unknown>;
type Tf = { resource: Record<string, Record<string, Block>>; locals: Record<string, unknown> };

let tf: Tf;
let dataform: CompiledGraph;
const defaults = loadConfig({});

beforeAll(async () => {
  tf = { resource: {}, locals: {} };
  for (const f of readdirSync(INFRA).filter((n) => n.endsWith('.tf')).sort()) {
    const doc = (await parseHcl(f, readFileSync(path.join(INFRA, f), 'utf8'))) as { resource?: Record<string, Record<string, Block[]>>; locals?: Block[] };
    for (const [type, byName] of Object.entries(doc.resource ?? {})) for (const [name, blocks] of Object.entries(byName)) (tf.resource[type] ??= {})[name] = blocks[0]!;
    for (const l of doc.locals ?? []) Object.assign(tf.locals, l);
  }
  dataform = await compileProject({ projectDir: path.join(ROOT, 'dataform'), dialect: 'bigquery' });
}, 120_000);

const res = (address: string): Block => {
  const [type, name] = address.split('.');
  const b = tf.resource[type!]?.[name!];
  if (!b) throw new Error(`missing resource ${address}`);
  return b;
};
const ref = (v: unknown): string | undefined => /^\$\{([a-z0-9_]+\.[a-z0-9_]+)\.[a-z_]+\}$/.exec(String(v))?.[1];

/** A member expression → the resource that is the identity (`google_service_account.functions`, `google_project_service_identity.pubsub`), or the raw text. */
function identityOf(member: unknown): string {
  let m = String(member);
  const local = /^\$\{local\.([a-z_]+)\}$/.exec(m);
  if (local) m = String(tf.locals[local[1]!]);
  return /^serviceAccount:\$\{((?:google_service_account|google_project_service_identity)\.[a-z0-9_]+)\.(email|member)\}$/.exec(m)?.[1] ?? m;
}

/** The values a grant's field takes: its own value, or each value of the map its for_each iterates (`${each.value}`). */
function valuesOf(b: Block, field: string): unknown[] {
  const v = b[field];
  if (v !== '${each.value}') return [v];
  const each = /^\$\{local\.([a-z_]+)\}$/.exec(String(b['for_each']))?.[1];
  if (!each) throw new Error(`unresolved for_each ${String(b['for_each'])}`);
  return Object.values(tf.locals[each] as Record<string, unknown>);
}

/** A dataset id, topic or subscription name: the literal of the resource a reference names. */
const named = (v: unknown, field: string): string => {
  const r = ref(v);
  return r ? String(res(r)[field]) : String(v);
};

interface Grant {
  identity: string;
  role: string;
  on: string; // 'dataset:<id>', 'topic:<name>', 'subscription:<name>', 'bucket:<resource>', 'project', 'sa:<resource>', 'repository:<resource>', 'secret:<resource>'
}

function grants(): Grant[] {
  const out: Grant[] = [];
  const push = (type: string, field: string, on: (v: unknown) => string) => {
    for (const b of Object.values(tf.resource[type] ?? {})) for (const v of valuesOf(b, field)) out.push({ identity: identityOf(b['member']), role: String(b['role']), on: on(v) });
  };
  push('google_bigquery_dataset_iam_member', 'dataset_id', (v) => `dataset:${named(v, 'dataset_id')}`);
  push('google_pubsub_topic_iam_member', 'topic', (v) => `topic:${named(v, 'name')}`);
  push('google_pubsub_subscription_iam_member', 'subscription', (v) => `subscription:${named(v, 'name')}`);
  push('google_storage_bucket_iam_member', 'bucket', (v) => `bucket:${ref(v) ?? String(v)}`);
  push('google_project_iam_member', 'project', () => 'project');
  push('google_service_account_iam_member', 'service_account_id', (v) => `sa:${ref(v) ?? String(v)}`);
  push('google_artifact_registry_repository_iam_member', 'repository', (v) => `repository:${ref(v) ?? String(v)}`);
  push('google_secret_manager_secret_iam_member', 'secret_id', (v) => `secret:${ref(v) ?? String(v)}`);
  return out;
}

/** Roles that allow an operation (predefined roles' permissions, least first). */
const ALLOWS: Record<string, string[]> = {
  'dataset:read': ['roles/bigquery.dataViewer', 'roles/bigquery.dataEditor', 'roles/bigquery.dataOwner', 'roles/bigquery.admin'],
  'dataset:write': ['roles/bigquery.dataEditor', 'roles/bigquery.dataOwner', 'roles/bigquery.admin'],
  'topic:publish': ['roles/pubsub.publisher', 'roles/pubsub.editor', 'roles/pubsub.admin'],
  'subscription:consume': ['roles/pubsub.subscriber', 'roles/pubsub.editor', 'roles/pubsub.admin'],
  'bucket:read': ['roles/storage.objectViewer', 'roles/storage.objectUser', 'roles/storage.objectAdmin', 'roles/storage.admin'],
  // Overwrites and deletes (exports, rollouts, redaction of artifacts): objectCreator is not enough.
  'bucket:write': ['roles/storage.objectUser', 'roles/storage.objectAdmin', 'roles/storage.admin'],
  'sa:actAs': ['roles/iam.serviceAccountUser'],
  'sa:mintToken': ['roles/iam.serviceAccountTokenCreator'],
  'repository:push': ['roles/artifactregistry.writer', 'roles/artifactregistry.repoAdmin', 'roles/artifactregistry.admin'],
  'repository:pull': ['roles/artifactregistry.reader', 'roles/artifactregistry.writer', 'roles/artifactregistry.repoAdmin', 'roles/artifactregistry.admin'],
  'secret:access': ['roles/secretmanager.secretAccessor', 'roles/secretmanager.admin'],
  'project:bigquery jobs': ['roles/bigquery.jobUser', 'roles/bigquery.user', 'roles/bigquery.admin'],
  'project:receive Eventarc events': ['roles/eventarc.eventReceiver'],
  'project:invoke Cloud Run (the privacy worker\'s Eventarc push)': ['roles/run.invoker'],
  'project:write custom metrics': ['roles/monitoring.metricWriter'],
  'project:Vertex AI': ['roles/aiplatform.user'],
  'project:write build logs': ['roles/logging.logWriter'],
  'project:Firestore documents': ['roles/datastore.user', 'roles/datastore.owner'],
};

interface Need {
  identity: string;
  op: keyof typeof ALLOWS;
  on: string;
  why: string;
}

const FUNCTIONS = 'google_service_account.functions';
const PIPELINES = 'google_service_account.pipelines';
const DATAFORM = 'google_service_account.dataform';
const BUILD = 'google_service_account.build';
const SERVING = 'google_service_account.serving';
const PUBSUB_AGENT = 'google_project_service_identity.pubsub';
const DATAFORM_AGENT = 'google_project_service_identity.dataform';
const ARTIFACTS = 'google_storage_bucket.artifacts';

const datasetOf = (table: string) => table.split('.')[0]!;
/** Datasets the SQL in these modules reads (FROM / JOIN `shop_*.`), over their deployed import graph. */
function datasetsRead(entry: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of importGraph([path.join(SRC, entry)], { lazy: 'entries' }).files) {
    // The embedded adapters (DuckDB, local journals) run only in the local runtime, never as a cloud identity.
    if (path.relative(SRC, f).startsWith(`adapters${path.sep}embedded${path.sep}`)) continue;
    for (const m of readFileSync(f, 'utf8').matchAll(/\b(?:FROM|JOIN)\s+[`"]?(?:\$\{[^}]*\}\.?)?(shop_[a-z]+)\./g)) if (!out.has(m[1]!)) out.set(m[1]!, path.relative(SRC, f));
  }
  return out;
}

/** Deployed modules that open Firestore (the Admin SDK's firebase-admin/firestore, loaded eagerly or on first use). */
const firestoreUsers = () =>
  importGraph([path.join(SRC, 'index.ts')], { lazy: 'entries' })
    .files.filter((f) => specifiersOf(readFileSync(f, 'utf8'), f).includes('firebase-admin/firestore'))
    .map((f) => path.relative(SRC, f));

/** What the code does, per identity, derived from the code wherever it says so. */
function needs(): Need[] {
  const n: Need[] = [];
  const add = (identity: string, op: keyof typeof ALLOWS, on: string, why: string) => n.push({ identity, op, on, why });
  // --- the functions' account (webhooks, privacyWorker, api, monitor, driftNightly) ---
  for (const t of [defaults.pubsubTopic, defaults.privacyTopic]) add(FUNCTIONS, 'topic:publish', `topic:${t}`, 'webhooks publishes deliveries (pubsub-event-bus.ts)');
  add(FUNCTIONS, 'topic:publish', `topic:${defaults.predictionTopic}`, 'api publishes the prediction log');
  for (const [table, { customers }] of Object.entries(CUSTOMER_DATA_TABLES)) {
    if (customers !== 'retain') add(FUNCTIONS, 'dataset:write', `dataset:${datasetOf(table)}`, `customers/redact edits ${table} (${customers})`);
  }
  add(FUNCTIONS, 'dataset:write', `dataset:${defaults.rawDataset}`, 'the privacy worker writes the audit table');
  for (const d of DERIVED_DATASETS) add(FUNCTIONS, 'dataset:write', `dataset:${d}`, 'shop/redact deletes the shop in every derived dataset');
  add(FUNCTIONS, 'dataset:write', `dataset:${MONITORING_DATASET}`, 'the monitor, drift and retrain jobs record decisions');
  for (const [d, file] of datasetsRead('index.ts')) add(FUNCTIONS, 'dataset:read', `dataset:${d}`, `deployed SQL reads it (${file})`);
  add(FUNCTIONS, 'project:bigquery jobs', 'project', 'every query is a job');
  add(FUNCTIONS, 'bucket:write', `bucket:${ARTIFACTS}`, 'data-request exports, artifact redaction, rollouts, registry');
  add(FUNCTIONS, 'bucket:write', `bucket:${ARTIFACTS}`, `metafieldsNightly's journals under ${METAFIELDS_JOURNAL_PREFIX}/ (create-only records, deleted once compacted)`);
  add(FUNCTIONS, 'bucket:write', `bucket:${ARTIFACTS}`, `privacyWorker redacts those journals (rewrites, deletes every generation under ${METAFIELDS_JOURNAL_PREFIX}/<shop>/)`);
  add(FUNCTIONS, 'project:receive Eventarc events', 'project', 'privacyWorker trigger');
  add(FUNCTIONS, 'project:invoke Cloud Run (the privacy worker\'s Eventarc push)', 'project', 'privacyWorker trigger runs as the functions\' account');
  add(FUNCTIONS, 'project:write custom metrics', 'project', 'cloud-monitoring-sink / exporter');
  add(FUNCTIONS, 'project:Vertex AI', 'project', 'endpoints, registry, pipeline jobs');
  add(FUNCTIONS, 'sa:actAs', `sa:${SERVING}`, 'deployModel names the serving account');
  add(FUNCTIONS, 'sa:actAs', `sa:${PIPELINES}`, 'retraining PipelineJobs run as the pipelines\' account');
  for (const f of firestoreUsers()) add(FUNCTIONS, 'project:Firestore documents', 'project', `offline tokens and sent Flow triggers (${f})`);
  // --- the Pub/Sub service agent: every BigQuery subscription writes its table, dead-letters and acks ---
  for (const [name, s] of Object.entries(tf.resource['google_pubsub_subscription'] ?? {})) {
    const bq = (s['bigquery_config'] as Block[] | undefined)?.[0];
    if (!bq) continue;
    const dataset = /\$\{google_bigquery_dataset\.([a-z_]+)\.dataset_id\}/.exec(String(bq['table']))?.[1];
    add(PUBSUB_AGENT, 'dataset:write', `dataset:${String(res(`google_bigquery_dataset.${dataset}`)['dataset_id'])}`, `subscription ${name} writes its table`);
    add(PUBSUB_AGENT, 'subscription:consume', `subscription:${String(s['name'])}`, `subscription ${name} acknowledges what it forwards to dead letters`);
    const dl = (s['dead_letter_policy'] as Block[] | undefined)?.[0];
    if (dl) add(PUBSUB_AGENT, 'topic:publish', `topic:${named(dl['dead_letter_topic'], 'name')}`, `subscription ${name} dead-letters`);
  }
  // --- the Dataform runner: writes every dataset the compiled graph targets, reads its declarations ---
  for (const a of [...dataform.tables, ...dataform.assertions, ...dataform.operations]) add(DATAFORM, 'dataset:write', `dataset:${a.target.schema}`, `dataform builds ${a.target.schema}.${a.target.name}`);
  for (const d of dataform.declarations) add(DATAFORM, 'dataset:read', `dataset:${d.target.schema}`, `dataform reads ${d.target.schema}.${d.target.name}`);
  add(DATAFORM, 'project:bigquery jobs', 'project', 'workflow invocations run jobs');
  add(DATAFORM_AGENT, 'secret:access', 'secret:google_secret_manager_secret.dataform_git_token', 'the repository\'s Git token');
  add(DATAFORM_AGENT, 'sa:mintToken', `sa:${DATAFORM}`, 'invocations run as the runner');
  add(DATAFORM_AGENT, 'sa:actAs', `sa:${DATAFORM}`, 'invocations run as the runner');
  // --- the pipelines' account (training steps on Vertex AI) ---
  for (const [d, file] of datasetsRead('training/pipeline.ts')) add(PIPELINES, 'dataset:read', `dataset:${d}`, `the extract reads it (${file})`);
  add(PIPELINES, 'dataset:write', `dataset:${PREDICTIONS_DATASET}`, 'the score step writes batch scores');
  add(PIPELINES, 'dataset:read', 'dataset:shop_staging', 'the score step reads current stock (inventory_levels)');
  add(PIPELINES, 'project:bigquery jobs', 'project', 'extract and score run jobs');
  add(PIPELINES, 'bucket:write', `bucket:${ARTIFACTS}`, 'pipeline root, model artifacts');
  add(PIPELINES, 'repository:pull', 'repository:google_artifact_registry_repository.pipeline', 'the step image');
  add(PIPELINES, 'project:Vertex AI', 'project', 'ML Metadata, registry');
  // --- the build account (infra/cloudbuild.yaml) and the serving containers ---
  add(BUILD, 'repository:push', 'repository:google_artifact_registry_repository.pipeline', 'pushes the step image');
  add(BUILD, 'bucket:read', 'bucket:google_storage_bucket.build_sources', 'reads the staged sources');
  add(BUILD, 'project:write build logs', 'project', 'CLOUD_LOGGING_ONLY');
  add(SERVING, 'bucket:read', `bucket:${ARTIFACTS}`, 'AIP_STORAGE_URI');
  return n;
}

describe('IAM on a fresh project', () => {
  test('every dataset, topic, subscription and bucket the code touches: the identity that touches it has a role allowing the operation', () => {
    const have = grants();
    const n = needs();
    expect(n.length).toBeGreaterThan(40);
    const missing = n.filter((x) => {
      const kind = x.op.startsWith('project:') ? 'project' : x.on;
      return !have.some((g) => g.identity === x.identity && g.on === kind && ALLOWS[x.op]!.includes(g.role));
    });
    expect(missing.map((x) => `${x.identity} needs ${x.op} on ${x.on}: ${x.why}`)).toEqual([]);
  });

  test('the code\'s datasets and identities are the Terraform ones (so the check above cannot pass on a name nobody uses)', () => {
    const datasets = Object.values(tf.resource['google_bigquery_dataset'] ?? {}).map((b) => String(b['dataset_id']));
    const touched = new Set(needs().filter((x) => x.on.startsWith('dataset:')).map((x) => x.on.slice('dataset:'.length)));
    expect([...touched].filter((d) => !datasets.includes(d))).toEqual([]);
    expect(`${String(res(FUNCTIONS)['account_id'])}@`).toBe(SERVICE_ACCOUNT);
    expect(res(PIPELINES)['account_id']).toBe(PIPELINES_ACCOUNT_ID);
    expect(res(SERVING)['account_id']).toBe(SERVING_ACCOUNT_ID);
    expect(identityOf('${local.functions_sa}')).toBe(FUNCTIONS);
  });

  test('the functions open Firestore, and the database they open exists: the (default) one, native mode, its API enabled first', () => {
    expect(firestoreUsers()).toEqual(['adapters/gcp/cloud-shopify.ts']);
    expect(needs().filter((x) => x.op === 'project:Firestore documents').map((x) => x.identity)).toEqual([FUNCTIONS]);
    const dbs = Object.values(tf.resource['google_firestore_database'] ?? {});
    expect(dbs.map((b) => [b['name'], b['type']])).toEqual([['(default)', 'FIRESTORE_NATIVE']]);
    expect(String(res('google_project_service.apis')['for_each'])).toContain('"firestore.googleapis.com"');
    expect(dbs[0]!['depends_on']).toContain('${google_project_service.apis}');
  });

  test('service agents come from google_project_service_identity (created before any grant to them), never a hand-built address', () => {
    expect([res(PUBSUB_AGENT)['service'], res(DATAFORM_AGENT)['service']]).toEqual(['pubsub.googleapis.com', 'dataform.googleapis.com']);
    expect([identityOf('${local.pubsub_agent}'), identityOf('${local.dataform_agent}')]).toEqual([PUBSUB_AGENT, DATAFORM_AGENT]);
    const text = readdirSync(INFRA).filter((f) => f.endsWith('.tf')).map((f) => readFileSync(path.join(INFRA, f), 'utf8')).join('\n');
    expect(text.match(/gcp-sa-[a-z]+\.iam\.gserviceaccount\.com|@cloudbuild\.gserviceaccount\.com|-compute@developer\.gserviceaccount\.com/g) ?? []).toEqual([]);
  });

  test('Cloud Build runs as the dedicated build account, which cloudbuild.yaml\'s instructions name, with Cloud Logging only', () => {
    expect(res(BUILD)['account_id']).toBe('shop-mlops-build');
    const yaml = readFileSync(path.join(INFRA, 'cloudbuild.yaml'), 'utf8');
    expect(yaml).toMatch(/--service-account=projects\/PROJECT\/serviceAccounts\/\$\(terraform -chdir=infra output -raw build_service_account\)/);
    expect(yaml).toMatch(/logging: CLOUD_LOGGING_ONLY/);
  });

  test('IAM and Resource Manager APIs are enabled, and every service account and project grant depends on the APIs', () => {
    const apis = String(res('google_project_service.apis')['for_each']);
    for (const api of ['iam.googleapis.com', 'cloudresourcemanager.googleapis.com']) expect(apis).toContain(`"${api}"`);
    const lacking = [...Object.entries(tf.resource['google_service_account'] ?? {}), ...Object.entries(tf.resource['google_project_iam_member'] ?? {}), ...Object.entries(tf.resource['google_project_service_identity'] ?? {})]
      .filter(([, b]) => !((b['depends_on'] as string[] | undefined) ?? []).includes('${google_project_service.apis}'))
      .map(([name]) => name);
    expect(lacking).toEqual([]);
  });
});

// Dataform in the cloud (infra/dataform.tf, parsed with @cdktf/hcl2json) agrees with dataform/: datasets, beta resources, vars, runner grants, and a compile as the release config does it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { loadConfig } from '../../functions/src/core/config';
import { MONITORING_TAG } from '../../functions/src/features/runner';

const ROOT = path.join(__dirname, '../..');
const INFRA = path.join(ROOT, 'infra');
const DATAFORM = path.join(ROOT, 'dataform');
type Block = Record<string, unknown>;
type Tf = { resource: Record<string, Record<string, Block[]>>; variable: Record<string, Block[]>; locals: Block[] };

let all: Tf; // every infra/*.tf merged
let own: Tf; // infra/dataform.tf alone

const parse = async (file: string): Promise<Partial<Tf>> => (await parseHcl(file, readFileSync(path.join(INFRA, file), 'utf8'))) as Partial<Tf>;

beforeAll(async () => {
  all = { resource: {}, variable: {}, locals: [] };
  for (const f of readdirSync(INFRA).filter((n) => n.endsWith('.tf')).sort()) {
    const doc = await parse(f);
    for (const [type, byName] of Object.entries(doc.resource ?? {})) Object.assign((all.resource[type] ??= {}), byName);
    Object.assign(all.variable, doc.variable ?? {});
    all.locals.push(...(doc.locals ?? []));
  }
  const doc = await parse('dataform.tf');
  own = { resource: doc.resource ?? {}, variable: doc.variable ?? {}, locals: doc.locals ?? [] };
});

const first = (v: unknown): Block => (Array.isArray(v) ? (v[0] as Block) : (v as Block));
const res = (type: string, name: string, tf: Tf = own): Block => {
  const b = tf.resource[type]?.[name]?.[0];
  if (!b) throw new Error(`missing resource ${type}.${name}`);
  return b;
};
const locals = (): Record<string, unknown> => Object.assign({}, ...all.locals) as Record<string, unknown>;
const varDefault = (name: string): unknown => first(all.variable[name])['default'];
const iamMembers = (member: string): Block[] =>
  Object.entries(all.resource)
    .filter(([t]) => t.endsWith('_iam_member'))
    .flatMap(([, byName]) => Object.values(byName).map((b) => b[0]!))
    .filter((b) => b['member'] === member);

/** defaultDataset / defaultAssertionDataset of workflow_settings.yaml (flat `key: value` lines; no YAML dependency). */
const workflowSetting = (key: string): string => {
  const m = new RegExp(`^${key}:\\s*["']?([A-Za-z0-9_-]+)["']?\\s*$`, 'm').exec(readFileSync(path.join(DATAFORM, 'workflow_settings.yaml'), 'utf8'));
  if (!m) throw new Error(`workflow_settings.yaml has no ${key}`);
  return m[1]!;
};
/** Minutes after midnight of a daily "M H * * *" cron. */
const dailyAt = (cron: unknown): number => {
  const m = /^(\d{1,2}) (\d{1,2}) \* \* \*$/.exec(String(cron));
  if (!m) throw new Error(`not a daily cron: ${String(cron)}`);
  return Number(m[2]) * 60 + Number(m[1]);
};

const SA_EMAIL = '${google_service_account.dataform.email}';
const SA = '${local.dataform_sa}';
const AGENT = '${local.dataform_agent}';
const FEATURE_TABLES = ['customer_rfm', 'customer_labels', 'variant_daily_demand', 'co_purchase_pairs', 'co_purchase', 'product_attributes', 'customer_catalog_mix'];

describe('infra/dataform.tf', () => {
  test('declares shop_staging, shop_features and shop_assertions where shop_raw lives, named as workflow_settings.yaml says', () => {
    const names = ['shop_staging', 'shop_features', 'shop_assertions'];
    for (const n of names) {
      expect(res('google_bigquery_dataset', n)['dataset_id']).toBe(n);
      expect(res('google_bigquery_dataset', n)['location']).toBe(res('google_bigquery_dataset', 'shop_raw', all)['location']);
    }
    expect(workflowSetting('defaultDataset')).toBe('shop_staging');
    expect(workflowSetting('defaultAssertionDataset')).toBe('shop_assertions');
    expect(names).toContain(workflowSetting('defaultDataset'));
    expect(names).toContain(workflowSetting('defaultAssertionDataset'));
    // Feature actions write to shop_features (the compile test below checks every action's dataset too).
    for (const t of FEATURE_TABLES) {
      const sqlx = readFileSync(path.join(DATAFORM, 'definitions/features', `${t}.sqlx`), 'utf8');
      expect(sqlx).toMatch(/schema:\s*"shop_features"/);
    }
  });

  test('every Dataform resource uses the google-beta provider, and the Dataform API is enabled', () => {
    const dataform = Object.entries(own.resource).filter(([t]) => t.startsWith('google_dataform_'));
    expect(dataform.map(([t]) => t).sort()).toEqual(['google_dataform_repository', 'google_dataform_repository_release_config', 'google_dataform_repository_workflow_config']);
    for (const [, byName] of dataform) for (const b of Object.values(byName)) expect(b[0]!['provider']).toBe('${google-beta}');
    expect(res('google_project_service', 'apis', all)['for_each']).toContain('dataform.googleapis.com');
  });

  test('the repository pulls the Git remote with the token from Secret Manager (never a secret version in state) and compiles workspaces into the project', () => {
    const repo = res('google_dataform_repository', 'shop_mlops');
    expect(repo['region']).toBe('${var.region}');
    expect(repo['service_account']).toBe(SA_EMAIL);
    expect(first(repo['git_remote_settings'])).toEqual({
      url: '${var.dataform_git_url}',
      default_branch: '${var.dataform_git_branch}',
      authentication_token_secret_version: '${local.dataform_git_token_version}',
    });
    expect(locals()['dataform_git_token_version']).toBe('${google_secret_manager_secret.dataform_git_token.id}/versions/${var.dataform_git_token_version}');
    expect(first(repo['workspace_compilation_overrides'])).toEqual({ default_database: '${var.project}' });
    expect(res('google_secret_manager_secret', 'dataform_git_token')['secret_id']).toBe('DATAFORM_GIT_TOKEN');
    expect(all.resource['google_secret_manager_secret_version']).toBeUndefined();
    expect(first(all.variable['dataform_git_url'])).not.toHaveProperty('default');
    expect(varDefault('dataform_git_branch')).toBe('dataform');
    expect(varDefault('dataform_git_token_version')).toBe('latest');
  });

  test('the release config compiles the branch nightly for BigQuery in the shop time zone, snapshotting yesterday', () => {
    const rel = res('google_dataform_repository_release_config', 'nightly');
    expect(rel).toMatchObject({
      repository: '${google_dataform_repository.shop_mlops.name}',
      region: '${google_dataform_repository.shop_mlops.region}',
      git_commitish: '${var.dataform_git_branch}',
      cron_schedule: '${var.dataform_release_cron}',
      time_zone: '${var.shop_timezone}',
    });
    const ccc = first(rel['code_compilation_config']);
    expect(ccc).toMatchObject({
      default_database: '${var.project}',
      default_location: '${var.bigquery_location}',
      default_schema: '${google_bigquery_dataset.shop_staging.dataset_id}',
      assertion_schema: '${google_bigquery_dataset.shop_assertions.dataset_id}',
    });
    // vars merge key by key over workflow_settings.yaml: an empty snapshot_date replaces its fixed date.
    expect(ccc['vars']).toEqual({ dialect: 'bigquery', shop_timezone: '${var.shop_timezone}', snapshot_date: '' });
    expect(varDefault('shop_timezone')).toBe(loadConfig({}).shopTimezone);
  });

  test('the workflow config runs every action of the release as the runner account, after the release compiles', () => {
    const wf = res('google_dataform_repository_workflow_config', 'nightly');
    expect(wf).toMatchObject({
      repository: '${google_dataform_repository.shop_mlops.name}',
      release_config: '${google_dataform_repository_release_config.nightly.id}',
      cron_schedule: '${var.dataform_workflow_cron}',
      time_zone: '${var.shop_timezone}',
    });
    const inv = first(wf['invocation_config']);
    expect(inv).toEqual({ service_account: SA_EMAIL, transitive_dependencies_included: true, fully_refresh_incremental_tables_enabled: false });
    expect(dailyAt(varDefault('dataform_workflow_cron'))).toBeGreaterThan(dailyAt(varDefault('dataform_release_cron')));
  });

  test('the monitoring workflow runs only the actions tagged monitoring, hourly, from the same release, without rebuilding upstream', () => {
    const wf = res('google_dataform_repository_workflow_config', 'monitoring');
    expect(wf).toMatchObject({
      repository: '${google_dataform_repository.shop_mlops.name}',
      release_config: '${google_dataform_repository_release_config.nightly.id}',
      cron_schedule: '${var.dataform_monitoring_cron}',
      time_zone: '${var.shop_timezone}',
    });
    expect(first(wf['invocation_config'])).toEqual({ included_tags: ['monitoring'], service_account: SA_EMAIL, transitive_dependencies_included: false, fully_refresh_incremental_tables_enabled: false });
    expect(varDefault('dataform_monitoring_cron')).toMatch(/^\d{1,2} \* \* \* \*$/);
    // the tag is the one the local runner's monitoring run selects
    expect(first(wf['invocation_config'])['included_tags']).toEqual([MONITORING_TAG]);
  });

  test('the runner account writes the four datasets, reads shop_raw and the prediction log, runs jobs and reads the Git token: nothing more', () => {
    expect(res('google_service_account', 'dataform')['account_id']).toBe('shop-mlops-dataform');
    expect(locals()['dataform_sa']).toBe(`serviceAccount:${SA_EMAIL}`);
    const grants = iamMembers(SA).map((b) => `${String(b['role'])} ${String(b['dataset_id'] ?? b['secret_id'] ?? b['project'])}`).sort();
    expect(grants).toEqual([
      'roles/bigquery.dataEditor ${each.value}',
      'roles/bigquery.dataViewer ${google_bigquery_dataset.shop_predictions.dataset_id}',
      'roles/bigquery.dataViewer ${google_bigquery_dataset.shop_raw.dataset_id}',
      'roles/bigquery.jobUser ${var.project}',
      'roles/secretmanager.secretAccessor ${google_secret_manager_secret.dataform_git_token.id}',
    ]);
    expect(res('google_bigquery_dataset_iam_member', 'dataform_data_editor')['for_each']).toBe('${local.dataform_written}');
    expect(locals()['dataform_written']).toEqual({
      staging: '${google_bigquery_dataset.shop_staging.dataset_id}',
      features: '${google_bigquery_dataset.shop_features.dataset_id}',
      assertions: '${google_bigquery_dataset.shop_assertions.dataset_id}',
      monitoring: '${google_bigquery_dataset.shop_monitoring.dataset_id}',
    });
  });

  test('the Dataform service agent may act as the runner and read the Git token', () => {
    // The agent is created by google_project_service_identity (a grant never runs before it exists).
    expect(locals()['dataform_agent']).toBe('serviceAccount:${google_project_service_identity.dataform.email}');
    const grants = iamMembers(AGENT).map((b) => `${String(b['role'])} ${String(b['service_account_id'] ?? b['secret_id'])}`).sort();
    expect(grants).toEqual([
      'roles/iam.serviceAccountTokenCreator ${google_service_account.dataform.name}',
      'roles/iam.serviceAccountUser ${google_service_account.dataform.name}',
      'roles/secretmanager.secretAccessor ${google_secret_manager_secret.dataform_git_token.id}',
    ]);
  });
});

describe('infra/publish-dataform.sh', () => {
  const run = (cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) =>
    new Promise<string>((ok, fail) => execFile(cmd, args, { cwd, env: { ...process.env, ...env } }, (err, stdout, stderr) => (err ? fail(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : ok(stdout))));

  test('publishes dataform/ of a commit as the root of the branch the release config compiles, once per change', async () => {
    const script = readFileSync(path.join(INFRA, 'publish-dataform.sh'), 'utf8');
    expect(/branch=\$\{DATAFORM_BRANCH:-([\w-]+)\}/.exec(script)?.[1]).toBe(varDefault('dataform_git_branch'));
    const dir = mkdtempSync(path.join(tmpdir(), 'publish-dataform-'));
    try {
      const git = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
      await run('git', ['init', '-q', '--bare', 'remote.git'], dir);
      await run('git', ['init', '-q', 'work'], dir);
      const work = path.join(dir, 'work');
      await run('cp', ['-R', DATAFORM, path.join(work, 'dataform')], dir);
      await run('git', ['add', 'dataform'], work);
      await run('git', ['commit', '-q', '-m', 'features'], work, git);
      await run('git', ['remote', 'add', 'origin', path.join(dir, 'remote.git')], work);
      await run(path.join(INFRA, 'publish-dataform.sh'), [], work, git);
      expect(await run(path.join(INFRA, 'publish-dataform.sh'), [], work, git)).toMatch(/already holds/);
      const root = await run('git', ['--git-dir', path.join(dir, 'remote.git'), 'ls-tree', '--name-only', 'dataform'], dir);
      expect(root.split('\n')).toEqual(expect.arrayContaining(['workflow_settings.yaml', 'definitions', 'includes']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dataform/ compiled as the release config compiles it', () => {
  type Target = { database: string; schema: string; name: string };
  type Action = { target: Target; fileName?: string; query?: string };
  type Graph = { tables?: Action[]; assertions?: Action[]; operations?: Action[]; declarations?: Action[]; projectConfig: { vars: Record<string, string> }; graphErrors: { compilationErrors?: Array<{ fileName?: string; message: string }> } };
  const PROJECT = 'cloud-proj-1';
  const TIMEZONE = 'America/New_York';
  let graph: Graph;

  /** Resolves "${var.x}" and "${google_bigquery_dataset.x.dataset_id}" the way Terraform would (project and time zone set here). */
  const resolve = (v: unknown): string => {
    const s = String(v);
    const ds = /^\$\{google_bigquery_dataset\.(\w+)\.dataset_id\}$/.exec(s);
    if (ds) return String(res('google_bigquery_dataset', ds[1]!, all)['dataset_id']);
    if (s === '${var.project}') return PROJECT;
    if (s === '${var.shop_timezone}') return TIMEZONE;
    const vr = /^\$\{var\.(\w+)\}$/.exec(s);
    if (vr) return String(varDefault(vr[1]!));
    if (s.includes('${')) throw new Error(`cannot resolve ${s}`);
    return s;
  };

  beforeAll(async () => {
    const ccc = first(res('google_dataform_repository_release_config', 'nightly')['code_compilation_config']);
    const vars = Object.entries(ccc['vars'] as Record<string, unknown>).map(([k, v]) => `${k}=${resolve(v)}`).join(',');
    const cli = path.join(path.dirname(require.resolve('@dataform/cli/package.json')), 'bundle.js');
    const args = [cli, 'compile', DATAFORM, '--json', `--vars=${vars}`, `--default-database=${resolve(ccc['default_database'])}`, `--default-location=${resolve(ccc['default_location'])}`, `--default-schema=${resolve(ccc['default_schema'])}`, `--assertion-schema=${resolve(ccc['assertion_schema'])}`];
    const out = await new Promise<string>((ok, fail) => execFile(process.execPath, args, { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => (err && !stdout ? fail(new Error(stderr || err.message)) : ok(stdout))));
    graph = JSON.parse(out) as Graph;
  }, 60000);

  test('compiles without errors, for BigQuery, with the shop time zone', () => {
    expect(graph.graphErrors.compilationErrors ?? []).toEqual([]);
    expect(graph.projectConfig.vars).toMatchObject({ dialect: 'bigquery', shop_timezone: TIMEZONE, snapshot_date: '' });
  });

  test('every action lands in this project: tables and assertions in datasets the runner writes, declarations in shop_raw and shop_predictions it reads', () => {
    const written = new Set(Object.values(locals()['dataform_written'] as Record<string, string>).map(resolve));
    const outputs = [...(graph.tables ?? []), ...(graph.assertions ?? []), ...(graph.operations ?? [])];
    expect(outputs.length).toBeGreaterThan(0);
    for (const a of outputs) {
      expect(a.target.database).toBe(PROJECT);
      expect(written).toContain(a.target.schema);
    }
    const read = ['${google_bigquery_dataset.shop_raw.dataset_id}', '${google_bigquery_dataset.shop_predictions.dataset_id}'].map(resolve);
    for (const d of graph.declarations ?? []) expect(read).toContain(d.target.schema);
    expect((graph.declarations ?? []).map((d) => `${d.target.schema}.${d.target.name}`)).toContain('shop_predictions.prediction_log');
    const features = (graph.tables ?? []).filter((t) => t.fileName?.startsWith('definitions/features/'));
    expect(features.map((t) => t.target.name).sort()).toEqual([...FEATURE_TABLES].sort());
    for (const t of features) expect(t.target.schema).toBe('shop_features');
  });

  test('the nightly run snapshots yesterday in the shop time zone (no fixed snapshot date survives from workflow_settings.yaml)', () => {
    const rfm = (graph.tables ?? []).find((t) => t.target.name === 'customer_rfm');
    expect(rfm?.query).toContain(`DATE_SUB(CURRENT_DATE('${TIMEZONE}'), INTERVAL 1 DAY)`);
    const fixed = /^\s+snapshot_date:\s*["']?(\d{4}-\d{2}-\d{2})/m.exec(readFileSync(path.join(DATAFORM, 'workflow_settings.yaml'), 'utf8'))?.[1];
    if (fixed) for (const t of graph.tables ?? []) expect(t.query ?? '').not.toContain(`DATE '${fixed}'`);
  });
});

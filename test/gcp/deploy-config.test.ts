// The README's cloud deploy steps, checked offline: no file that ships holds a placeholder, the linked Shopify config points at the Firebase project, and every name a step uses (Terraform variables and outputs, secrets, parameters) is the code's.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import * as fns from '../../functions/src/index';

// smol-toml ships CommonJS under `require` but only ESM typings, which a CommonJS TypeScript file cannot import.
const { parse: parseToml } = require('smol-toml') as { parse(text: string): unknown };

const ROOT = path.join(__dirname, '../..');
const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');

/** Files that leave the repository on a deploy: the Shopify app config, Firebase config, Terraform and its files, the functions package and sources, Hosting, Dataform. */
const SHIPPED = ['shopify.app.toml', 'firebase.json', 'functions/package.json', 'infra', 'functions/src', 'hosting', 'dataform'];
/** Markers of a value someone was meant to fill in. */
const PLACEHOLDER = /REPLACE[_-]?(?:WITH|ME)\w*|CHANGE[_-]?ME|\bYOUR[_-][A-Z][A-Z_]*|<your[^>]*>|\bTODO\b|\bFIXME\b|\bXXX+\b|\bTBD\b/g;

function filesUnder(rel: string): string[] {
  const abs = path.join(ROOT, rel);
  if (statSync(abs).isFile()) return [rel];
  return readdirSync(abs).filter((n) => n !== 'node_modules' && n !== 'lib' && !n.startsWith('.')).flatMap((n) => filesUnder(path.join(rel, n)));
}

/** `file:line: match` for every placeholder in the text. */
function placeholdersIn(file: string, text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(PLACEHOLDER)) out.push(`${file}:${i + 1}: ${m[0]}`);
  });
  return out;
}

describe('no placeholder ships', () => {
  test('the scan finds the markers it looks for', () => {
    expect(placeholdersIn('x.toml', 'client_id = "REPLACE_WITH_CLIENT_ID"\nurl = "<your-project>.web.app"\n# TODO later\nproject = YOUR_PROJECT')).toEqual([
      'x.toml:1: REPLACE_WITH_CLIENT_ID', 'x.toml:2: <your-project>', 'x.toml:3: TODO', 'x.toml:4: YOUR_PROJECT',
    ]);
    expect(placeholdersIn('x.ts', 'const placeholder = kfp.placeholder; // KFP placeholders are a feature, not a gap')).toEqual([]);
  });

  test('no file that ships holds one', () => {
    const files = SHIPPED.flatMap(filesUnder);
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((f) => placeholdersIn(f, read(f)))).toEqual([]);
  });
});

describe('shopify.app.toml after `shopify app config link`', () => {
  const app = parseToml(read('shopify.app.toml')) as { client_id?: string; application_url: string; app_proxy: { url: string }; access_scopes: { scopes: string } };
  const project = (JSON.parse(read('.firebaserc')) as { projects: { default: string } }).projects.default;

  test('client_id is absent (the link writes it) or a real one (32 hex digits), never a stand-in', () => {
    if (app.client_id !== undefined) expect(app.client_id).toMatch(/^[0-9a-f]{32}$/);
  });

  test("the app's URLs are the Hosting site of .firebaserc's project, where firebase.json rewrites /webhooks and /api/**", () => {
    const site = `https://${project}.web.app`;
    expect(app.application_url).toBe(site);
    expect(app.app_proxy.url).toBe(`${site}/api`);
    const firebase = JSON.parse(read('firebase.json')) as { hosting: { rewrites: Array<{ source: string }> } };
    expect(firebase.hosting.rewrites.map((r) => r.source)).toEqual(expect.arrayContaining(['/webhooks', '/api/**']));
  });
});

describe("README's cloud section", () => {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('## Deploying to Firebase / Google Cloud'), readme.indexOf('## Benchmarks'));

  test('names every step in order: project, terraform apply, secret version, app config link, protected customer data, firebase deploy, shopify app deploy', () => {
    const steps = ['gcloud projects create', 'firebase use --add', 'terraform -chdir=infra apply', 'functions:secrets:set SHOPIFY_API_SECRET', 'shopify app config link', 'Protected customer data', 'firebase deploy', 'shopify app deploy'];
    const at = steps.map((s) => [s, section.indexOf(s)] as const);
    expect(at.filter(([, i]) => i < 0).map(([s]) => s)).toEqual([]);
    // Link before the secret (the secret comes from the linked app), everything before the deploys.
    const pos = Object.fromEntries(at);
    expect(pos['terraform -chdir=infra apply']!).toBeLessThan(pos['shopify app config link']!);
    expect(pos['shopify app config link']!).toBeLessThan(pos['functions:secrets:set SHOPIFY_API_SECRET']!);
    expect(pos['Protected customer data']!).toBeLessThan(pos['firebase deploy']!);
    expect(pos['firebase deploy']!).toBeLessThan(pos['shopify app deploy']!);
  });

  test('passes every Terraform variable without a default, and only variables that exist', async () => {
    const vars: Record<string, { default?: unknown }> = {};
    for (const f of readdirSync(path.join(ROOT, 'infra')).filter((n) => n.endsWith('.tf'))) {
      const doc = (await parseHcl(f, read(`infra/${f}`))) as { variable?: Record<string, Array<{ default?: unknown }>> };
      for (const [k, v] of Object.entries(doc.variable ?? {})) vars[k] = v[0]!;
    }
    const passed = [...section.matchAll(/-var ([a-z_]+)=/g)].map((m) => m[1]!);
    expect(passed.filter((v) => !(v in vars))).toEqual([]);
    expect(Object.entries(vars).filter(([k, v]) => !('default' in v) && !passed.includes(k)).map(([k]) => k)).toEqual([]);
  });

  test('the secret, the Dataform token and the deploy parameters it names are the ones the code and Terraform define', () => {
    expect(section).toContain(`secrets:set ${fns.SHOPIFY_API_SECRET.name}`);
    expect(read('infra/secrets.tf')).toContain(`secret_id = "${fns.SHOPIFY_API_SECRET.name}"`);
    expect(read('infra/dataform.tf')).toContain('secret_id = "DATAFORM_GIT_TOKEN"');
    expect(section).toContain('versions add DATAFORM_GIT_TOKEN');
    const params = [fns.WEBHOOKS_MIN_INSTANCES, fns.API_MIN_INSTANCES].map((p) => (p as unknown as { name: string }).name);
    for (const p of params) expect(section).toContain(p);
    expect(section).toContain('SHOPIFY_API_KEY');
  });
});

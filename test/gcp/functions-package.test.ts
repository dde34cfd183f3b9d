// The deployed functions/ package: its dependencies are exactly what the Cloud Functions entry loads (no DuckDB, aiplatform or other local-only package), and its own lockfile pins them at the versions the repository tests.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { importGraph } from './support/import-graph';

const ROOT = path.join(__dirname, '../..');
const FUNCTIONS = path.join(ROOT, 'functions');
type Pkg = { dependencies?: Record<string, string>; devDependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
type Lock = { lockfileVersion: number; packages: Record<string, { version?: string; dev?: boolean; link?: boolean; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> }> };
const json = <T>(p: string): T => JSON.parse(readFileSync(p, 'utf8')) as T;

const fnPkg = json<Pkg>(path.join(FUNCTIONS, 'package.json'));
const rootPkg = json<Pkg>(path.join(ROOT, 'package.json'));
const deps = Object.keys(fnPkg.dependencies ?? {}).sort();
/** What `firebase deploy` runs: functions/lib/index.js, compiled from this entry. */
const deployed = importGraph([path.join(FUNCTIONS, 'src/index.ts')], { lazy: 'entries' });
/** The local CLI (main.ts loads each verb by a computed path: every verb is an entry) and runtime, both worlds. */
const VERBS = path.join(FUNCTIONS, 'src/cli/verbs');
const local = importGraph([path.join(FUNCTIONS, 'src/cli/main.ts'), ...readdirSync(VERBS).filter((f) => f.endsWith('.ts')).map((f) => path.join(VERBS, f))]);
const rootLock = json<Lock>(path.join(ROOT, 'package-lock.json'));
/** Loaded by deployed modules only to run TypeScript sources (pipeline/registry.ts for a .ts pipeline file); lib/ holds .js. */
const SOURCE_ONLY = ['tsx'];
const peersOf = (name: string): string[] => Object.keys(rootLock.packages[`node_modules/${name}`]?.peerDependencies ?? {});

describe('functions/package.json', () => {
  test('every package the deployed entry loads is a dependency, and every dependency is loaded (or a peer of one: firebase-admin for firebase-functions)', () => {
    const loaded = [...deployed.packages.keys()].filter((p) => !SOURCE_ONLY.includes(p)).sort();
    expect(loaded.filter((p) => !deps.includes(p))).toEqual([]);
    const peers = new Set(loaded.flatMap(peersOf));
    expect(deps.filter((d) => !loaded.includes(d) && !peers.has(d))).toEqual([]);
  });

  test('Vertex AI is spoken to over REST with google-auth-library: the deployed graph loads no @google-cloud/aiplatform (78 MB installed), DuckDB or tsx', () => {
    // The api function reads the registry, endpoints and experiment runs, the monitor moves traffic and aliases and submits
    // retraining PipelineJobs: all through vertex-rest.ts.
    expect([...deployed.packages.keys()].filter((p) => p === '@google-cloud/aiplatform' || p.startsWith('@duckdb/') || p === '@hono/node-server')).toEqual([]);
    expect(deployed.packages.get('google-auth-library')?.map((f) => path.relative(FUNCTIONS, f))).toEqual(['src/adapters/gcp/vertex-rest.ts']);
    for (const adapter of ['vertex-model-registry', 'vertex-endpoints', 'vertex-pipeline-submit', 'vertex-run-tracker']) expect(deployed.files).toContain(path.join(FUNCTIONS, `src/adapters/gcp/${adapter}.ts`));
    expect(deps).not.toContain('@google-cloud/aiplatform');
    // Still a root devDependency: the tests' Vertex fake is built from the protos it ships.
    expect(rootPkg.devDependencies?.['@google-cloud/aiplatform']).toBeDefined();
  });

  test('local-only packages (the CLI and embedded runtime: DuckDB, the Node HTTP server) are root dependencies, not deployed ones', () => {
    const localOnly = [...local.packages.keys()].filter((p) => !deployed.packages.has(p)).sort();
    expect(localOnly).toEqual(expect.arrayContaining(['@duckdb/node-api', '@hono/node-server']));
    expect(deps.filter((d) => localOnly.includes(d))).toEqual([]);
    const rootDeps = { ...rootPkg.dependencies, ...rootPkg.devDependencies };
    expect(localOnly.filter((p) => !(p in rootDeps))).toEqual([]);
  });
});

describe('functions/package-lock.json', () => {
  const lockPath = path.join(FUNCTIONS, 'package-lock.json');

  test('exists (Cloud Build runs npm ci on the uploaded functions/), and its root entry is package.json', () => {
    expect(existsSync(lockPath)).toBe(true);
    const lock = json<Lock>(lockPath);
    expect(lock.lockfileVersion).toBe(3);
    expect(lock.packages['']?.dependencies).toEqual(fnPkg.dependencies);
  });

  test('pins every package at the version the workspace lockfile (what the tests run on) resolved, with nothing dev-only or local-only', () => {
    const lock = json<Lock>(lockPath);
    const entries = Object.entries(lock.packages).filter(([k]) => k !== '');
    expect(entries.length).toBeGreaterThan(100);
    expect(entries.filter(([k, v]) => rootLock.packages[k]?.version !== v.version).map(([k, v]) => `${k}@${v.version} (workspace: ${rootLock.packages[k]?.version})`)).toEqual([]);
    expect(entries.filter(([k, v]) => v.dev || v.link || /node_modules\/(@duckdb\/|@hono\/node-server$|tsx$|@google-cloud\/aiplatform$)/.test(k)).map(([k]) => k)).toEqual([]);
    // Every dependency is locked.
    expect(deps.filter((d) => !lock.packages[`node_modules/${d}`])).toEqual([]);
  });
});

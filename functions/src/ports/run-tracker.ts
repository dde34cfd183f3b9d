// Port: experiment tracking. One record per training run: params, metrics, data snapshot, code version, step durations, artifacts.
import { createHash } from 'node:crypto';
import { ShopMlopsError } from '../core/errors';
import { assertArtifactKey, type ArtifactStore } from './artifact-store';

export type ParamValue = string | number | boolean;
export type RunStatus = 'RUNNING' | 'COMPLETE' | 'FAILED';

/** What the run trained on: row counts per table and one content hash over all of it (see snapshotHasher). */
export interface DataSnapshot {
  rows: Record<string, number>;
  contentHash: string;
  /** Where the data came from, for people: 'duckdb:shop_features@2026-01-02', a CSV path, a BigQuery table. */
  source?: string;
}

export interface CodeVersion {
  packageVersion: string;
  /** Null when the code does not run from a git checkout and no commit was handed in. */
  gitCommit: string | null;
  /** True when the checkout had uncommitted changes (unknown → absent). */
  gitDirty?: boolean;
}

/** An artifact the run produced: in the ArtifactStore under `key` (null when logged by uri only); `uri` says where. */
export interface RunArtifact {
  name: string;
  key: string | null;
  uri: string;
}

/** An artifact to record: a key in the run tracker's ArtifactStore (checked to exist), or a URI kept as given. */
export type ArtifactInput = { name: string; key: string } | { name: string; uri: string };

export interface RunRecord {
  /** `<experiment>-<name>`: unique across experiments, also the Vertex ExperimentRun context id. */
  id: string;
  experiment: string;
  name: string;
  status: RunStatus;
  startedAt: string;
  endedAt: string | null;
  params: Record<string, ParamValue>;
  metrics: Record<string, number>;
  dataSnapshot: DataSnapshot;
  codeVersion: CodeVersion;
  /** Seconds per pipeline step ('load', 'fit', 'evaluate', ...); logging a step again replaces it. */
  stepSeconds: Record<string, number>;
  artifacts: RunArtifact[];
}

export interface StartRunInput {
  experiment: string;
  /** Defaults to `YYYYMMDD-HHMMSS-xxxx` (UTC start time + 4 random hex digits). */
  name?: string;
  params?: Record<string, ParamValue>;
  dataSnapshot: DataSnapshot;
  codeVersion: CodeVersion;
}

export interface RunHandle {
  readonly id: string;
  readonly experiment: string;
  /** Merges into the run's params (same key → replaced). */
  logParams(params: Record<string, ParamValue>): Promise<void>;
  /** Merges into the run's metrics (same key → replaced). Finite numbers only. */
  logMetrics(metrics: Record<string, number>): Promise<void>;
  logStepDuration(step: string, seconds: number): Promise<void>;
  /** Records an artifact already written (same name → replaced). */
  logArtifact(artifact: ArtifactInput): Promise<RunArtifact>;
  /** Closes the run; any later call on the handle is rejected. */
  end(status?: Exclude<RunStatus, 'RUNNING'>): Promise<RunRecord>;
}

export interface RunTracker {
  startRun(input: StartRunInput): Promise<RunHandle>;
  /** Null when no such run. */
  getRun(id: string): Promise<RunRecord | null>;
  /** Newest first (start time, then id). */
  listRuns(opts?: { experiment?: string }): Promise<RunRecord[]>;
  close(): Promise<void>;
}

// ---- names and validation (shared by every adapter, so both accept and reject the same inputs) ----

/** Experiment names are Vertex context ids too: 4–40 characters, lowercase letters, digits and '-'. */
export const EXPERIMENT_NAME = /^[a-z][a-z0-9-]{2,38}[a-z0-9]$/;
/** Run names: up to 22 characters, so `<experiment>-<name>` fits a 63-character label value (model lineage). */
export const RUN_NAME = /^[a-z0-9][a-z0-9-]{0,21}$/;
export const RUN_ID = /^[a-z][a-z0-9-]{2,38}[a-z0-9]-[a-z0-9][a-z0-9-]{0,21}$/;
const KEY = /^[A-Za-z0-9_.:/-]{1,128}$/;

const bad = (message: string): ShopMlopsError => new ShopMlopsError('BAD_REQUEST', message);

export function assertExperimentName(experiment: string): void {
  if (!EXPERIMENT_NAME.test(experiment)) throw bad(`experiment: ${JSON.stringify(experiment)} must be 4-40 characters of a-z, 0-9 and '-', starting with a letter`);
}

export function assertRunId(id: string): void {
  if (!RUN_ID.test(id)) throw bad(`run id: ${JSON.stringify(id)} is not <experiment>-<name>`);
}

export function runIdOf(experiment: string, name: string): string {
  assertExperimentName(experiment);
  if (!RUN_NAME.test(name)) throw bad(`run name: ${JSON.stringify(name)} must be 1-22 characters of a-z, 0-9 and '-'`);
  return `${experiment}-${name}`;
}

/** `YYYYMMDD-HHMMSS-xxxx` in UTC. */
export function defaultRunName(now: Date, randomHex4: string): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${randomHex4}`;
}

export function assertParams(params: Record<string, unknown>, field = 'params'): asserts params is Record<string, ParamValue> {
  for (const [k, v] of Object.entries(params)) {
    if (!KEY.test(k)) throw bad(`${field}: key ${JSON.stringify(k)} must be 1-128 characters of A-Z a-z 0-9 _ . : / -`);
    const ok = typeof v === 'string' ? v.length <= 1024 : typeof v === 'number' ? Number.isFinite(v) : typeof v === 'boolean';
    if (!ok) throw bad(`${field}.${k}: ${JSON.stringify(v)} is not a string (≤ 1024 chars), finite number or boolean`);
  }
}

export function assertMetrics(metrics: Record<string, unknown>, field = 'metrics'): asserts metrics is Record<string, number> {
  for (const [k, v] of Object.entries(metrics)) {
    if (!KEY.test(k)) throw bad(`${field}: key ${JSON.stringify(k)} must be 1-128 characters of A-Z a-z 0-9 _ . : / -`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${field}.${k}: ${JSON.stringify(v)} is not a finite number`);
  }
}

export function assertStep(step: string, seconds: number): void {
  if (!KEY.test(step)) throw bad(`step: ${JSON.stringify(step)} must be 1-128 characters of A-Z a-z 0-9 _ . : / -`);
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw bad(`step ${step}: duration ${seconds} is not a non-negative number of seconds`);
}

export function assertStartInput(input: StartRunInput): void {
  assertExperimentName(input.experiment);
  if (input.name !== undefined) runIdOf(input.experiment, input.name);
  assertParams(input.params ?? {});
  const s = input.dataSnapshot;
  if (!s || typeof s.contentHash !== 'string' || !s.contentHash) throw bad('dataSnapshot.contentHash: required');
  assertMetrics(s.rows ?? {}, 'dataSnapshot.rows');
  for (const [t, n] of Object.entries(s.rows)) if (!Number.isInteger(n) || n < 0) throw bad(`dataSnapshot.rows.${t}: ${n} is not a row count`);
  const c = input.codeVersion;
  if (!c || typeof c.packageVersion !== 'string' || !c.packageVersion) throw bad('codeVersion.packageVersion: required');
  if (c.gitCommit !== null && (typeof c.gitCommit !== 'string' || !/^[0-9a-f]{7,64}$/.test(c.gitCommit))) throw bad(`codeVersion.gitCommit: ${JSON.stringify(c.gitCommit)} is not a hex commit id or null`);
}

/** Validates an artifact to log and resolves it: a key must exist in the store (its uri comes from the store). */
export async function resolveArtifact(artifacts: ArtifactStore, a: ArtifactInput): Promise<RunArtifact> {
  const { name } = a;
  if (typeof name !== 'string' || !KEY.test(name)) throw bad(`artifact name: ${JSON.stringify(name)} must be 1-128 characters of A-Z a-z 0-9 _ . : / -`);
  if ('key' in a) {
    try {
      assertArtifactKey(a.key);
    } catch {
      throw bad(`artifact ${name}: ${JSON.stringify(a.key)} is not an artifact key (relative, '/'-separated, no '..')`);
    }
    if (!(await artifactExists(artifacts, a.key))) throw bad(`artifact ${name}: nothing stored under ${a.key} in the artifact store`);
    return { name, key: a.key, uri: artifacts.uri(a.key) };
  }
  if (typeof a.uri !== 'string' || !/^(gs:\/\/[^/]+\/|\/|file:\/\/\/)\S*$/.test(a.uri) || a.uri.length > 2048) throw bad(`artifact ${name}: ${JSON.stringify(a.uri)} is not a gs://, file:/// or absolute-path uri`);
  return { name, key: null, uri: a.uri };
}

/** True when the store holds `key` itself or anything under `key/`. */
export async function artifactExists(artifacts: ArtifactStore, key: string): Promise<boolean> {
  const items = await artifacts.list(key);
  return items.some((i) => i.key === key || i.key.startsWith(key + '/'));
}

export const runEnded = (id: string): ShopMlopsError => new ShopMlopsError('BAD_REQUEST', `run ${id} has ended; start a new run`);

/** Newest first: start time descending, then id descending. */
export function byNewest(a: RunRecord, b: RunRecord): number {
  return a.startedAt !== b.startedAt ? (a.startedAt < b.startedAt ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

// ---- helpers for pipelines ----

/** Runs `fn` inside a run: ends it COMPLETE when fn resolves, FAILED (with the error rethrown) when it throws. */
export async function trackRun<T>(tracker: RunTracker, input: StartRunInput, fn: (run: RunHandle) => Promise<T>): Promise<{ result: T; run: RunRecord }> {
  const run = await tracker.startRun(input);
  let result: T;
  try {
    result = await fn(run);
  } catch (err) {
    await run.end('FAILED').catch(() => undefined);
    throw err;
  }
  return { result, run: await run.end('COMPLETE') };
}

/** Times one step and logs its duration, also when the step throws. */
export async function timeStep<T>(run: RunHandle, step: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    await run.logStepDuration(step, (performance.now() - t0) / 1000);
  }
}

/** JSON with sorted keys; bigint → decimal string, Date → ISO, Buffer → base64, so equal rows hash equally. */
export function canonicalJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return JSON.stringify(v.toString());
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('base64'));
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return JSON.stringify(String(v));
  return JSON.stringify(v);
}

/**
 * Builds a DataSnapshot while rows stream past. The hash does not depend on row order (each row's SHA-256 is
 * added lane-wise into a per-table accumulator), so the same rows from an unordered query hash equally;
 * any changed, added or removed row changes it.
 */
export function snapshotHasher(source?: string): { add(table: string, row: unknown): void; addRows(table: string, rows: Iterable<unknown>): void; result(): DataSnapshot } {
  const tables = new Map<string, { rows: number; acc: Uint32Array }>();
  const add = (table: string, row: unknown) => {
    let t = tables.get(table);
    if (!t) tables.set(table, (t = { rows: 0, acc: new Uint32Array(8) }));
    const d = createHash('sha256').update(canonicalJson(row)).digest();
    for (let i = 0; i < 8; i++) t.acc[i] = (t.acc[i]! + d.readUInt32BE(i * 4)) >>> 0;
    t.rows++;
  };
  return {
    add,
    addRows(table, rows) {
      if (!tables.has(table)) tables.set(table, { rows: 0, acc: new Uint32Array(8) });
      for (const r of rows) add(table, r);
    },
    result() {
      const names = [...tables.keys()].sort();
      const h = createHash('sha256');
      for (const n of names) {
        const t = tables.get(n)!;
        h.update(`${n}\t${t.rows}\t${Buffer.from(t.acc.buffer).toString('hex')}\n`);
      }
      return { rows: Object.fromEntries(names.map((n) => [n, tables.get(n)!.rows])), contentHash: `sha256:${h.digest('hex')}`, ...(source ? { source } : {}) };
    },
  };
}

// ---- comparison ----

export interface RunComparisonRow {
  section: 'param' | 'metric' | 'data' | 'code' | 'step';
  name: string;
  /** One value per run, in the order of `runs`; null where the run lacks the field. */
  values: Array<ParamValue | null>;
  differs: boolean;
}

export interface RunComparison {
  runs: Array<{ id: string; experiment: string; status: RunStatus; startedAt: string }>;
  rows: RunComparisonRow[];
}

/** Params, metrics, data snapshot, code version and step durations of several runs side by side. */
export function compareRunRecords(runs: RunRecord[]): RunComparison {
  const rows: RunComparisonRow[] = [];
  const push = (section: RunComparisonRow['section'], name: string, pick: (r: RunRecord) => ParamValue | null | undefined) => {
    const values = runs.map((r) => pick(r) ?? null);
    rows.push({ section, name, values, differs: values.some((v) => v !== values[0]) });
  };
  const keys = (f: (r: RunRecord) => Record<string, unknown>) => [...new Set(runs.flatMap((r) => Object.keys(f(r))))].sort();
  for (const k of keys((r) => r.params)) push('param', k, (r) => r.params[k]);
  for (const k of keys((r) => r.metrics)) push('metric', k, (r) => r.metrics[k]);
  for (const k of keys((r) => r.dataSnapshot.rows)) push('data', `rows.${k}`, (r) => r.dataSnapshot.rows[k]);
  push('data', 'contentHash', (r) => r.dataSnapshot.contentHash);
  if (runs.some((r) => r.dataSnapshot.source)) push('data', 'source', (r) => r.dataSnapshot.source);
  push('code', 'packageVersion', (r) => r.codeVersion.packageVersion);
  push('code', 'gitCommit', (r) => r.codeVersion.gitCommit);
  if (runs.some((r) => r.codeVersion.gitDirty !== undefined)) push('code', 'gitDirty', (r) => r.codeVersion.gitDirty);
  for (const k of keys((r) => r.stepSeconds)) push('step', k, (r) => r.stepSeconds[k]);
  return { runs: runs.map((r) => ({ id: r.id, experiment: r.experiment, status: r.status, startedAt: r.startedAt })), rows };
}

/** Fetches the runs (NOT_FOUND naming every missing id) and compares them. */
export async function compareRuns(tracker: RunTracker, ids: string[]): Promise<RunComparison> {
  const runs = await Promise.all(ids.map((id) => tracker.getRun(id)));
  const missing = ids.filter((_, i) => !runs[i]);
  if (missing.length) throw new ShopMlopsError('NOT_FOUND', `no such run: ${missing.join(', ')}`, { details: { missing } });
  return compareRunRecords(runs as RunRecord[]);
}

// `shop-mlops runs [--json] [--experiment EXP] [RUN_ID ...]`: lists tracked training runs, shows one, or compares several side by side.
import * as path from 'node:path';
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';
import { compareRuns, type ParamValue, type RunRecord, type RunTracker } from '../../ports/run-tracker';
import type { CliContext } from '../context';
import { formatTable } from '../table';
import { parseVerbArgs } from '../flags';

export const USAGE = `usage: shop-mlops runs [--json] [--experiment EXP] [--location REGION] [RUN_ID ...]
  no RUN_ID     list the runs, newest first (only EXP's with --experiment)
  one RUN_ID    everything recorded for that run: params, metrics, data snapshot, code version, step seconds, artifacts
  two or more   the runs side by side; '*' marks the rows where they differ
  Embedded mode reads <data-dir>/runs. gcp mode (SHOP_MLOPS_MODE=gcp) reads Vertex AI Experiments of GOOGLE_CLOUD_PROJECT in
  --location (default: SHOP_MLOPS_VERTEX_LOCATION, then GOOGLE_CLOUD_REGION).
  --json prints one JSON value: the run list, the run, or the comparison.`;

const flagsSchema = z.object({
  experiment: z.string().regex(/^[a-z][a-z0-9-]{2,38}[a-z0-9]$/, '--experiment must be an experiment name (4-40 characters of a-z, 0-9, -)').optional(),
  location: z.string().regex(/^[a-z]+-[a-z]+[0-9]+$/, '--location must be a region such as us-central1').optional(),
  ids: z.array(z.string().min(1)).refine((ids) => new Set(ids).size === ids.length, 'a RUN_ID is given twice'),
});

const badFlags = (message: string) => new ShopMlopsError('BAD_REQUEST', `${message}\n${USAGE}`);

/** Where the embedded tracker keeps its journals under the data dir. */
export const runsDir = (dataDir: string): string => path.join(dataDir, 'runs');

/** The tracker of this configuration: journal files embedded, Vertex AI Experiments in gcp mode (loaded only then). */
async function openTracker(ctx: CliContext, location: string | undefined): Promise<RunTracker> {
  const c = ctx.config;
  if (c.mode === 'gcp') {
    const region = location ?? process.env['SHOP_MLOPS_VERTEX_LOCATION'] ?? process.env['GOOGLE_CLOUD_REGION'];
    if (!region) throw badFlags('gcp mode needs --location (or SHOP_MLOPS_VERTEX_LOCATION) for Vertex AI Experiments');
    const { createVertexRunTracker } = require('../../adapters/gcp/vertex-run-tracker') as typeof import('../../adapters/gcp/vertex-run-tracker');
    const { createGcsArtifactStore } = require('../../adapters/gcp/gcs-artifact-store') as typeof import('../../adapters/gcp/gcs-artifact-store');
    const { silentLogger } = require('../../core/log') as typeof import('../../core/log');
    const artifacts = createGcsArtifactStore({ bucket: c.artifactBucket!, log: silentLogger });
    return createVertexRunTracker({ project: c.gcpProject!, location: region, artifacts });
  }
  const { createFileRunTracker } = require('../../adapters/embedded/file-run-tracker') as typeof import('../../adapters/embedded/file-run-tracker');
  const { createFileArtifactStore } = require('../../adapters/embedded/file-artifact-store') as typeof import('../../adapters/embedded/file-artifact-store');
  return createFileRunTracker({ dir: runsDir(c.dataDir), artifacts: createFileArtifactStore(path.join(c.dataDir, 'artifacts')) });
}

/** Numbers for people: integers as they are, others to 6 significant digits. */
export function fmt(v: ParamValue | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return String(v);
}

const short = (s: string | null, n: number) => (s ? s.slice(0, n) : '');
const seconds = (r: RunRecord): number | null => (r.endedAt ? (Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000 : null);

function listTable(runs: RunRecord[]): string {
  const rows = runs.map((r) => ({
    run: r.id,
    status: r.status,
    started: r.startedAt.replace('T', ' ').slice(0, 19),
    seconds: fmt(seconds(r)),
    rows: fmt(Object.values(r.dataSnapshot.rows).reduce((s, n) => s + n, 0)),
    data: short(r.dataSnapshot.contentHash.replace(/^sha256:/, ''), 12),
    commit: short(r.codeVersion.gitCommit, 8) + (r.codeVersion.gitDirty ? '*' : ''),
    metrics: Object.entries(r.metrics)
      .map(([k, v]) => `${k}=${fmt(v)}`)
      .join(' '),
  }));
  return formatTable(rows);
}

function runTable(r: RunRecord): string {
  const rows: Array<{ field: string; value: string }> = [];
  const add = (field: string, value: ParamValue | null | undefined) => rows.push({ field, value: fmt(value) });
  add('id', r.id);
  add('experiment', r.experiment);
  add('status', r.status);
  add('started', r.startedAt);
  add('ended', r.endedAt);
  for (const [k, v] of Object.entries(r.params)) add(`param ${k}`, v);
  for (const [k, v] of Object.entries(r.metrics)) add(`metric ${k}`, v);
  for (const [k, v] of Object.entries(r.dataSnapshot.rows)) add(`data rows.${k}`, v);
  add('data contentHash', r.dataSnapshot.contentHash);
  if (r.dataSnapshot.source) add('data source', r.dataSnapshot.source);
  add('code packageVersion', r.codeVersion.packageVersion);
  add('code gitCommit', (r.codeVersion.gitCommit ?? '(unknown)') + (r.codeVersion.gitDirty ? ' (dirty)' : ''));
  for (const [k, v] of Object.entries(r.stepSeconds)) add(`step ${k} (s)`, v);
  for (const a of r.artifacts) add(`artifact ${a.name}`, a.uri);
  return formatTable(rows);
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseVerbArgs(argv, { experiment: { type: 'string' }, location: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }, USAGE, { min: 0, max: Infinity });
  if (values.help) {
    ctx.out(USAGE);
    return 0;
  }
  const parsed = flagsSchema.safeParse({ experiment: values.experiment, location: values.location, ids: positionals });
  if (!parsed.success) throw badFlags(parsed.error.issues.map((i) => i.message).join('; '));
  const { experiment, location, ids } = parsed.data;
  const json = ctx.json || values.json;
  const tracker = await openTracker(ctx, location);
  try {
    if (ids.length === 0) {
      const runs = await tracker.listRuns(experiment ? { experiment } : {});
      if (json) ctx.out(JSON.stringify(runs));
      else ctx.out(runs.length ? `${listTable(runs)}\n(${runs.length} run${runs.length === 1 ? '' : 's'})` : `no runs${experiment ? ` in ${experiment}` : ''} yet: training records them`);
      return 0;
    }
    if (ids.length === 1) {
      const r = await tracker.getRun(ids[0]!);
      if (!r) throw new ShopMlopsError('NOT_FOUND', `no such run: ${ids[0]}`);
      ctx.out(json ? JSON.stringify(r) : runTable(r));
      return 0;
    }
    const cmp = await compareRuns(tracker, ids);
    if (json) {
      ctx.out(JSON.stringify(cmp));
      return 0;
    }
    const rows = cmp.rows.map((row) => ({ ' ': row.differs ? '*' : '', field: `${row.section} ${row.name}`, ...Object.fromEntries(cmp.runs.map((r, i) => [r.id, fmt(row.values[i])])) }));
    const head = [
      { ' ': '', field: 'status', ...Object.fromEntries(cmp.runs.map((r) => [r.id, r.status])) },
      { ' ': '', field: 'started', ...Object.fromEntries(cmp.runs.map((r) => [r.id, r.startedAt])) },
    ];
    ctx.out(formatTable([...head, ...rows], [' ', 'field', ...cmp.runs.map((r) => r.id)]));
    return 0;
  } finally {
    await tracker.close();
  }
}

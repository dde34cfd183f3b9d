// Embedded RunTracker: one append-only journal per run under the data dir; a run is folded from its records on read.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { ShopMlopsError } from '../../core/errors';
import type { ArtifactStore } from '../../ports/artifact-store';
import {
  RUN_ID,
  assertMetrics,
  assertParams,
  assertStartInput,
  assertStep,
  resolveArtifact,
  byNewest,
  defaultRunName,
  runEnded,
  runIdOf,
  type CodeVersion,
  type DataSnapshot,
  type ParamValue,
  type RunArtifact,
  type RunHandle,
  type RunRecord,
  type RunStatus,
  type RunTracker,
} from '../../ports/run-tracker';
import { appendRecords, readRecords } from './jsonl-journal';

export interface FileRunTrackerOptions {
  /** Directory of the run journals, e.g. `<dataDir>/runs`. */
  dir: string;
  /** Where run artifacts live; logArtifact checks the key exists and records its uri. */
  artifacts: ArtifactStore;
  now?: () => Date;
  /** 4 hex digits for default run names; random by default. */
  randomHex4?: () => string;
}

type RunJournalRecord =
  | { t: 'start'; id: string; experiment: string; name: string; at: string; params: Record<string, ParamValue>; dataSnapshot: DataSnapshot; codeVersion: CodeVersion }
  | { t: 'params'; params: Record<string, ParamValue> }
  | { t: 'metrics'; metrics: Record<string, number> }
  | { t: 'step'; step: string; seconds: number }
  | { t: 'artifact'; artifact: RunArtifact }
  | { t: 'end'; status: Exclude<RunStatus, 'RUNNING'>; at: string };

/** Replays a run's journal; null when it does not begin with a start record. A run without an end record is RUNNING (or crashed). */
export function foldRun(records: RunJournalRecord[]): RunRecord | null {
  const [first, ...rest] = records;
  if (!first || first.t !== 'start') return null;
  const run: RunRecord = {
    id: first.id,
    experiment: first.experiment,
    name: first.name,
    status: 'RUNNING',
    startedAt: first.at,
    endedAt: null,
    params: { ...first.params },
    metrics: {},
    dataSnapshot: first.dataSnapshot,
    codeVersion: first.codeVersion,
    stepSeconds: {},
    artifacts: [],
  };
  for (const r of rest) {
    if (r.t === 'params') Object.assign(run.params, r.params);
    else if (r.t === 'metrics') Object.assign(run.metrics, r.metrics);
    else if (r.t === 'step') run.stepSeconds[r.step] = r.seconds;
    else if (r.t === 'artifact') run.artifacts = [...run.artifacts.filter((a) => a.name !== r.artifact.name), r.artifact];
    else if (r.t === 'end' && run.status === 'RUNNING') {
      run.status = r.status;
      run.endedAt = r.at;
    }
  }
  return run;
}

export function createFileRunTracker(opts: FileRunTrackerOptions): RunTracker {
  const now = opts.now ?? (() => new Date());
  const hex4 = opts.randomHex4 ?? (() => randomBytes(2).toString('hex'));
  const file = (id: string) => path.join(opts.dir, `${id}.jsonl`);
  const read = async (id: string): Promise<RunRecord | null> => {
    const j = await readRecords<RunJournalRecord>(file(id));
    return j ? foldRun(j.records) : null;
  };

  /** Creates the run's journal exclusively, so two runs can never share an id. */
  const claim = async (id: string): Promise<boolean> => {
    await fsp.mkdir(opts.dir, { recursive: true });
    try {
      await (await fsp.open(file(id), 'wx', 0o600)).close();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  };

  return {
    async startRun(input) {
      assertStartInput(input);
      const startedAt = now();
      let name = input.name ?? defaultRunName(startedAt, hex4());
      let id = runIdOf(input.experiment, name);
      for (let attempt = 0; !(await claim(id)); attempt++) {
        if (input.name !== undefined) throw new ShopMlopsError('BAD_REQUEST', `run ${id} already exists; pick another name`);
        if (attempt >= 20) throw new ShopMlopsError('INTERNAL', `could not find a free run name for ${input.experiment}`);
        name = defaultRunName(startedAt, hex4());
        id = runIdOf(input.experiment, name);
      }
      await appendRecords(file(id), [
        { t: 'start', id, experiment: input.experiment, name, at: startedAt.toISOString(), params: { ...(input.params ?? {}) }, dataSnapshot: input.dataSnapshot, codeVersion: input.codeVersion } satisfies RunJournalRecord,
      ]);

      let ended = false;
      let queue: Promise<unknown> = Promise.resolve();
      /** Appends in call order, so end() is written after every log call made before it. */
      const write = (rec: RunJournalRecord): Promise<void> => {
        if (ended) return Promise.reject(runEnded(id));
        const p = queue.then(() => appendRecords(file(id), [rec]));
        queue = p.catch(() => undefined);
        return p;
      };
      const handle: RunHandle = {
        id,
        experiment: input.experiment,
        async logParams(params) {
          assertParams(params);
          await write({ t: 'params', params: { ...params } });
        },
        async logMetrics(metrics) {
          assertMetrics(metrics);
          await write({ t: 'metrics', metrics: { ...metrics } });
        },
        async logStepDuration(step, seconds) {
          assertStep(step, seconds);
          await write({ t: 'step', step, seconds });
        },
        async logArtifact(input) {
          if (ended) throw runEnded(id);
          const artifact = await resolveArtifact(opts.artifacts, input);
          await write({ t: 'artifact', artifact });
          return artifact;
        },
        async end(status = 'COMPLETE') {
          const p = write({ t: 'end', status, at: now().toISOString() });
          ended = true;
          await p;
          const run = await read(id);
          if (!run) throw new ShopMlopsError('INTERNAL', `run ${id} vanished from ${opts.dir}`);
          return run;
        },
      };
      return handle;
    },

    async getRun(id) {
      return RUN_ID.test(id) ? read(id) : null;
    },

    async listRuns(o = {}) {
      let names: string[];
      try {
        names = await fsp.readdir(opts.dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const ids = names.filter((n) => n.endsWith('.jsonl')).map((n) => n.slice(0, -'.jsonl'.length)).filter((id) => RUN_ID.test(id));
      const runs = (await Promise.all(ids.map(read))).filter((r): r is RunRecord => r !== null);
      return runs.filter((r) => !o.experiment || r.experiment === o.experiment).sort(byNewest);
    },

    async close() {
      /* nothing held open */
    },
  };
}

// Progress on stderr as run hooks: redrawn bars on a terminal, one line per event otherwise, JSON lines for machines, or nothing.
import type { PipelineHooks, RunReport, StepReport, StepStatus } from './hooks';

export type ProgressMode = 'auto' | 'tty' | 'lines' | 'json' | 'silent';

export interface ProgressOptions {
  mode?: ProgressMode;
  stream?: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** Redraw period of the terminal view. */
  intervalMs?: number;
}

interface Row {
  name: string;
  state: 'waiting' | 'running' | StepStatus;
  started?: number;
  seconds?: number;
  done?: number;
  total?: number;
  note?: string;
  attempt?: number;
}

const ICON: Record<Row['state'], string> = { waiting: '·', running: '▸', succeeded: '✓', failed: '✗', skipped: '↷', not_run: '-' };

export function formatSeconds(s: number): string {
  return s < 60 ? `${s.toFixed(s < 10 ? 2 : 1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function bar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.floor(f * width);
  return '█'.repeat(full) + (full < width ? '░'.repeat(width - full) : '');
}

/** The run's steps as text rows (also used for the final summary). */
export function renderRows(rows: Row[], now: number, width = 100): string[] {
  const nameWidth = Math.min(28, Math.max(4, ...rows.map((r) => r.name.length)));
  return rows.map((r) => {
    const secs = r.state === 'running' && r.started !== undefined ? (now - r.started) / 1000 : r.seconds;
    const fraction = r.state === 'succeeded' ? 1 : r.total ? (r.done ?? 0) / r.total : 0;
    const pct = r.state === 'running' && !r.total ? '    ' : `${String(Math.round(fraction * 100)).padStart(3)}%`;
    const status = r.state === 'running' && (r.attempt ?? 1) > 1 ? `running (attempt ${r.attempt})` : r.state.replace('_', ' ');
    const line = `${ICON[r.state]} ${r.name.padEnd(nameWidth)} ${bar(fraction, 20)} ${pct} ${status.padEnd(9)} ${secs !== undefined && r.state !== 'waiting' && r.state !== 'not_run' && r.state !== 'skipped' ? formatSeconds(secs) : ''}${r.note ? `  ${r.note}` : ''}`;
    return line.length > width ? line.slice(0, width - 1) + '…' : line.trimEnd();
  });
}

export function createProgressReporter(opts: ProgressOptions = {}): PipelineHooks {
  const stream = opts.stream ?? process.stderr;
  const mode = opts.mode === undefined || opts.mode === 'auto' ? (stream.isTTY ? 'tty' : 'lines') : opts.mode;
  if (mode === 'silent') return {};
  const write = (s: string) => void stream.write(s);

  if (mode === 'json') {
    const emit = (event: string, body: object) => write(JSON.stringify({ event, time: new Date().toISOString(), ...body }) + '\n');
    return {
      runStarted: (e) => emit('run_started', e),
      stepStarted: (e) => emit('step_started', { runId: e.runId, step: e.step, attempt: e.attempt }),
      stepProgress: (e) => emit('step_progress', e),
      metric: (e) => emit('metric', e),
      stepFinished: (e) => emit('step_finished', e),
      runFinished: (e) => emit('run_finished', { runId: e.runId, pipeline: e.pipeline, ok: e.ok, seconds: e.seconds, ...(e.failedStep ? { failedStep: e.failedStep } : {}), ...(e.error ? { error: e.error } : {}) }),
    };
  }

  const rows = new Map<string, Row>();
  let total = 0;
  let finished = 0;

  if (mode === 'lines') {
    const line = (r: StepReport) => {
      finished++;
      const extra = r.status === 'failed' ? `: ${r.error}` : r.reason ? ` (${r.reason})` : '';
      write(`[${finished}/${total}] ${ICON[r.status]} ${r.name} ${r.status.replace('_', ' ')}${r.status === 'succeeded' || r.status === 'failed' ? ` in ${formatSeconds(r.seconds)}` : ''}${extra}\n`);
    };
    return {
      runStarted: (e) => {
        total = e.steps.length;
        write(`pipeline ${e.pipeline} run ${e.runId}: ${total} steps\n`);
      },
      stepFinished: line,
      runFinished: (e) => write(`pipeline ${e.pipeline} ${e.ok ? 'succeeded' : `FAILED${e.failedStep ? ` at step ${e.failedStep}` : ''}`} in ${formatSeconds(e.seconds)}\n`),
    };
  }

  // Terminal: a block of rows redrawn in place.
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  let header = '';
  const draw = () => {
    const lines = [header, ...renderRows([...rows.values()], performance.now(), Math.max(40, (stream.columns ?? 100) - 1))];
    write((drawn ? `\x1b[${drawn}F` : '') + lines.map((l) => `\x1b[2K${l}\n`).join(''));
    drawn = lines.length;
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  return {
    runStarted: (e) => {
      header = `pipeline ${e.pipeline} run ${e.runId}`;
      for (const s of e.steps) rows.set(s, { name: s, state: 'waiting' });
      draw();
      timer = setInterval(draw, opts.intervalMs ?? 200);
      timer.unref();
    },
    stepStarted: (e) => {
      const r = rows.get(e.step)!;
      r.state = 'running';
      r.attempt = e.attempt;
      r.started ??= performance.now();
      draw();
    },
    stepProgress: (e) => {
      const r = rows.get(e.step)!;
      r.done = e.done;
      r.total = e.total;
      if (e.note !== undefined) r.note = e.note;
    },
    stepFinished: (e) => {
      const r = rows.get(e.name)!;
      r.state = e.status;
      r.seconds = e.seconds;
      r.note = e.status === 'failed' ? e.error : e.reason;
      draw();
    },
    runFinished: (e: RunReport) => {
      stop();
      for (const s of e.steps) {
        const r = rows.get(s.name)!;
        r.state = s.status;
        r.seconds = s.seconds;
        if (s.status === 'not_run') r.note = s.reason;
      }
      header = `pipeline ${e.pipeline} run ${e.runId}: ${e.ok ? 'succeeded' : `FAILED${e.failedStep ? ` at step ${e.failedStep}` : ''}`} in ${formatSeconds(e.seconds)}`;
      draw();
    },
  };
}

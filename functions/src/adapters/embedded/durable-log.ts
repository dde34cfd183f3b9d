// A durable append-only log: CRC-framed records in segment files, group-committed with fdatasync, with a consumer checkpoint.
import { promises as fsp, constants as fsc } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { syncDir } from './jsonl-journal';
import { acquireLogLock, type LogLock } from './log-lock';
import { CURRENT_FORMAT, FRAME_HEADER, parseFrames, writeFrame, type FrameFormat, type LogRecord } from './log-frame';

export type { LogRecord } from './log-frame';

const Checkpoint = z.object({ offset: z.number().int().nonnegative() });

const SEGMENT_PREFIX = 'seg-';
/** `seg-<base>.log` holds v1 frames (logs written before v2); `seg-<base>.v2.log` holds v2 frames. */
const SEGMENT_NAME = /^seg-(\d{20})(\.v2)?\.log$/;

/** The file-system calls a commit depends on; tests replace them to inject faults at the OS boundary. */
export interface LogFileIo {
  write(fh: fsp.FileHandle, buf: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  datasync(fh: fsp.FileHandle): Promise<void>;
  /** Makes the entries of a directory durable. */
  syncDir(dir: string): Promise<void>;
}

const osIo: LogFileIo = {
  write: (fh, buf, offset, length, position) => fh.write(buf, offset, length, position),
  datasync: (fh) => fh.datasync(),
  syncDir,
};

export interface DurableLogOptions {
  dir: string;
  /** Start a new segment once the current one reaches this size. */
  segmentBytes?: number;
  /** Largest record accepted. */
  maxRecordBytes?: number;
  /** Fault injection for tests: called before each sync; throwing simulates a failing disk. */
  beforeSync?: () => void;
  /** Fault injection for tests: the file-system calls of commits and directory syncs (default: the real ones). */
  io?: Partial<LogFileIo>;
  /** Group commits allowed in flight at once (each is a write + fdatasync). Default 3. */
  maxConcurrentCommits?: number;
  /** Observes each group commit: records in it, bytes, and seconds from write to durable. */
  onCommit?: (records: number, bytes: number, seconds: number) => void;
}

interface Segment {
  base: number;
  file: string;
  format: FrameFormat;
}

interface Commit {
  batch: Pending[];
  seg: Segment;
  start: number;
  end: number;
  done: boolean;
  error: Error | null;
  started: number;
}

interface Pending {
  /** The record's payload as laid end to end; copied only when its batch is written. */
  parts: readonly Buffer[];
  length: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

function segmentFile(dir: string, base: number): string {
  return path.join(dir, `${SEGMENT_PREFIX}${String(base).padStart(20, '0')}.v2.log`);
}

/** Creates `dir` (mode 0700) and makes every directory entry the creation added durable, up to the first existing parent. */
async function makeDirDurably(dir: string, io: LogFileIo): Promise<void> {
  const first = await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  const stop = path.dirname(path.resolve(first));
  for (let d = path.resolve(dir); d !== stop; d = path.dirname(d)) await io.syncDir(path.dirname(d));
}

export class DurableLog {
  private readonly dir: string;
  private readonly segmentBytes: number;
  private readonly maxRecordBytes: number;
  private readonly beforeSync: (() => void) | undefined;
  private readonly io: LogFileIo;
  private readonly onCommit: DurableLogOptions['onCommit'];
  private lock: LogLock | null = null;
  private segments: Segment[] = [];
  private fh: fsp.FileHandle | null = null;
  private writeEnd = 0; // global offset after the last frame handed to the file
  private durable = 0; // global offset up to which data is fsync'd
  private pending: Pending[] = [];
  private inflight: Commit[] = [];
  /** A roll or a repair runs with no commit in flight; appends wait for it. */
  private exclusive = false;
  /** Offset of the first failed batch while failed commits are being unwound. */
  private failure: number | null = null;
  /** Set after a failed batch: the file must be cut back to this global offset (and synced) before writing again. */
  private repairAt: number | null = null;
  private readonly maxConcurrentCommits: number;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  /** Callers of rollPast waiting for the current segment to be closed and a new one started. */
  private rollWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  private constructor(opts: DurableLogOptions) {
    this.dir = opts.dir;
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.maxRecordBytes = opts.maxRecordBytes ?? 64 * 1024 * 1024;
    this.beforeSync = opts.beforeSync;
    this.io = { ...osIo, ...opts.io };
    this.onCommit = opts.onCommit;
    this.maxConcurrentCommits = opts.maxConcurrentCommits ?? 3;
  }

  /**
   * Opens (and recovers) the log: a torn or corrupt tail left by a crash is truncated away. The directory is locked for
   * this process first (recovery truncates files): a log another process holds is refused with a ShopMlopsError naming it.
   */
  static async open(opts: DurableLogOptions): Promise<DurableLog> {
    const log = new DurableLog(opts);
    await makeDirDurably(log.dir, log.io);
    log.lock = await acquireLogLock(log.dir);
    try {
      await log.recover();
    } catch (err) {
      await log.fh?.close();
      await log.lock.release();
      throw err;
    }
    return log;
  }

  private async recover(): Promise<void> {
    for (const n of await fsp.readdir(this.dir)) {
      const m = SEGMENT_NAME.exec(n);
      if (m) this.segments.push({ base: Number(m[1]), file: path.join(this.dir, n), format: m[2] ? 2 : 1 });
    }
    this.segments.sort((x, y) => x.base - y.base || x.format - y.format);
    if (this.segments.length === 0) {
      const cp = await this.readCheckpoint();
      await this.createSegment(cp);
      return;
    }
    const last = this.segments[this.segments.length - 1]!;
    this.fh = await fsp.open(last.file, fsc.O_RDWR);
    const data = await this.fh.readFile();
    const { consumed } = parseFrames(data, last.base, last.format);
    if (consumed < data.length) {
      await this.fh.truncate(consumed);
      await this.fh.datasync();
    }
    this.writeEnd = last.base + consumed;
    this.durable = this.writeEnd;
    if (last.format !== CURRENT_FORMAT) {
      // A log written by an earlier version: its segments stay readable by their own rules; new records go to a
      // segment in the current format (an empty old segment is dropped first).
      await this.fh.close();
      this.fh = null;
      if (consumed === 0) {
        await fsp.rm(last.file);
        this.segments.pop();
      }
      await this.createSegment(this.writeEnd);
    }
  }

  /** Starts a segment at global offset `base` and makes its directory entry durable before anything is written to it. */
  private async createSegment(base: number): Promise<void> {
    const seg: Segment = { base, file: segmentFile(this.dir, base), format: CURRENT_FORMAT };
    const fh = await fsp.open(seg.file, fsc.O_CREAT | fsc.O_RDWR | fsc.O_TRUNC, 0o600);
    try {
      await this.io.syncDir(this.dir);
    } catch (err) {
      await fh.close();
      throw err;
    }
    this.fh = fh;
    this.segments.push(seg);
    this.writeEnd = base;
    this.durable = base;
  }

  /** Global offset up to which records are durable (and readable). */
  get end(): number {
    return this.durable;
  }

  /**
   * Appends one record, its payload given whole or as parts laid end to end (an envelope's header and the body as
   * received: each byte is copied once, into the batch's write); resolves once it is on disk (fdatasync), sharing the
   * sync with concurrent appends. The parts must not change until the promise settles.
   */
  append(payload: Buffer | readonly Buffer[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('log is closed'));
    const parts = Buffer.isBuffer(payload) ? [payload] : payload;
    let length = 0;
    for (const p of parts) length += p.length;
    if (length > this.maxRecordBytes) return Promise.reject(new Error(`record of ${length} bytes exceeds ${this.maxRecordBytes}`));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ parts, length, resolve, reject });
      this.pump();
    });
  }

  /**
   * Starts group commits for whatever is pending, up to `maxConcurrentCommits` at once: while one batch waits
   * for its fdatasync the next is already being written (the device serves overlapping flushes). A batch is
   * acknowledged only when it and every batch before it are on disk.
   */
  private pump(): void {
    while ((this.pending.length > 0 || this.rollWaiters.length > 0) && this.inflight.length < this.maxConcurrentCommits && !this.exclusive && this.failure === null) {
      const seg = this.segments[this.segments.length - 1]!;
      // A roll asked for by rollPast (the segment holds bytes to be deleted once consumed), or by size.
      const wantRoll = this.rollWaiters.length > 0 && this.writeEnd > seg.base;
      const step = this.repairAt !== null ? () => this.repair() : this.writeEnd - seg.base >= this.segmentBytes || wantRoll ? () => this.roll() : null;
      if (step) {
        if (this.inflight.length > 0) return; // once the current segment has settled
        this.exclusive = true;
        step().then(
          () => {
            this.exclusive = false;
            this.pump();
          },
          (err: Error) => {
            this.exclusive = false;
            for (const p of this.pending.splice(0)) p.reject(err);
            for (const w of this.rollWaiters.splice(0)) w.reject(err);
          },
        );
        return;
      }
      if (this.rollWaiters.length > 0) {
        // The current segment is empty (just rolled, or nothing written since): nothing before it stays in it.
        for (const w of this.rollWaiters.splice(0)) w.resolve();
        continue;
      }
      const batch = this.pending;
      this.pending = [];
      // The whole batch in one buffer, each record framed straight into place (one copy of its bytes, one write).
      let total = 0;
      for (const p of batch) total += FRAME_HEADER + p.length;
      const buf = Buffer.allocUnsafe(total);
      let at = 0;
      for (const p of batch) at = writeFrame(buf, at, p.parts, p.length);
      const c: Commit = { batch, seg, start: this.writeEnd, end: this.writeEnd + buf.length, done: false, error: null, started: performance.now() };
      this.writeEnd = c.end;
      this.inflight.push(c);
      void this.commit(c, buf);
    }
  }

  private async commit(c: Commit, buf: Buffer): Promise<void> {
    try {
      await this.writeAll(buf, c.start - c.seg.base);
      this.beforeSync?.();
      await this.io.datasync(this.fh!);
    } catch (err) {
      c.error = err as Error;
      this.failure = this.failure === null ? c.start : Math.min(this.failure, c.start);
    }
    c.done = true;
    await this.settle();
  }

  /** Writes all of `buf` at `position`: a short write continues where it stopped; one that makes no progress fails. */
  private async writeAll(buf: Buffer, position: number): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.io.write(this.fh!, buf, done, buf.length - done, position + done);
      if (!(bytesWritten > 0)) throw new Error(`short write to the log: ${done} of ${buf.length} bytes written, then none`);
      done += bytesWritten;
    }
  }

  private async settle(): Promise<void> {
    let advanced = false;
    // Batches before a failed one are still good: acknowledge them in order.
    while (this.inflight.length > 0 && this.inflight[0]!.done && this.inflight[0]!.error === null && (this.failure === null || this.inflight[0]!.start < this.failure)) {
      const c = this.inflight.shift()!;
      this.durable = c.end;
      this.onCommit?.(c.batch.length, c.end - c.start, (performance.now() - c.started) / 1000);
      for (const p of c.batch) p.resolve();
      advanced = true;
    }
    if (advanced) for (const l of this.listeners) l();
    if (this.failure !== null && this.inflight.every((c) => c.done)) {
      // A batch failed: it and every batch after it are rejected (none was acknowledged); before anything else is
      // written the file is cut back to where the failed batch began and synced (see repair).
      const at = this.failure;
      const failed = this.inflight.splice(0);
      const err = failed.find((c) => c.error)?.error ?? new Error('log write failed');
      for (const c of failed) for (const p of c.batch) p.reject(c.error ?? err);
      this.writeEnd = at;
      this.repairAt = at;
      this.failure = null;
    }
    this.pump();
  }

  /**
   * Cuts the current segment back to the end of the last acknowledged batch and syncs it, so no byte of a failed batch
   * (whole, torn or never synced) stays in front of what is written next. Until this succeeds nothing is written: the
   * appends waiting meanwhile are rejected, and the next append tries again.
   */
  private async repair(): Promise<void> {
    const seg = this.segments[this.segments.length - 1]!;
    await this.fh!.truncate(this.repairAt! - seg.base);
    await this.io.datasync(this.fh!);
    this.repairAt = null;
  }

  private async roll(): Promise<void> {
    if (this.fh) {
      await this.fh.close();
      this.fh = null;
    }
    await this.createSegment(this.writeEnd);
  }

  /**
   * Closes the current segment if it holds any byte before `offset` and starts a new one, so those bytes sit only in
   * segments that the next checkpoint at or past their end deletes (a redaction must not wait for 64 MB of new
   * deliveries to roll the segment holding the redacted customer's raw deliveries). Resolves once rolled.
   */
  rollPast(offset: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('log is closed'));
    const seg = this.segments[this.segments.length - 1]!;
    if (seg.base >= offset) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.rollWaiters.push({ resolve, reject });
      this.pump();
    });
  }

  /** Segment files in the log directory, oldest first (inspection and tests). */
  segmentFiles(): string[] {
    return this.segments.map((s) => s.file);
  }

  /** Calls `fn` whenever new records become durable; returns an unsubscribe function. */
  onAppend(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Reads durable records starting at `offset`, up to about `maxBytes` (at least one record when one is there). The
   * payloads are views into shared memory (a SharedArrayBuffer per read), so a worker thread reads them without a copy.
   */
  async read(offset: number, maxBytes = 8 * 1024 * 1024, maxRecords = Number.MAX_SAFE_INTEGER): Promise<LogRecord[]> {
    const end = this.durable;
    if (offset >= end) return [];
    let idx = -1;
    for (let i = this.segments.length - 1; i >= 0; i--) if (this.segments[i]!.base <= offset) { idx = i; break; }
    if (idx < 0) throw new Error(`offset ${offset} is before the oldest retained segment`);
    const segEndOf = (i: number) => Math.min(this.segments[i + 1]?.base ?? end, end);
    if (offset >= segEndOf(idx)) {
      if (idx + 1 >= this.segments.length) return [];
      idx += 1;
      offset = this.segments[idx]!.base;
    }
    const seg = this.segments[idx]!;
    const limit = segEndOf(idx);
    let want = Math.min(maxBytes, limit - offset);
    const fh = await fsp.open(seg.file, 'r');
    try {
      for (;;) {
        const buf = Buffer.from(new SharedArrayBuffer(want));
        const { bytesRead } = await fh.read(buf, 0, want, offset - seg.base);
        const { records, corruptAt } = parseFrames(buf.subarray(0, bytesRead), offset, seg.format);
        if (corruptAt !== null && records.length === 0) throw new Error(`corrupt log record at offset ${corruptAt}`);
        if (records.length > 0 || want >= limit - offset) return records.slice(0, maxRecords);
        // A single record larger than maxBytes: read exactly that frame.
        const head = Buffer.allocUnsafe(FRAME_HEADER);
        await fh.read(head, 0, FRAME_HEADER, offset - seg.base);
        want = Math.min(FRAME_HEADER + head.readUInt32LE(0), limit - offset);
      }
    } finally {
      await fh.close();
    }
  }

  private checkpointFile(): string {
    return path.join(this.dir, 'checkpoint.json');
  }

  async readCheckpoint(): Promise<number> {
    try {
      const v = Checkpoint.safeParse(JSON.parse(await fsp.readFile(this.checkpointFile(), 'utf8')));
      return v.success ? v.data.offset : 0;
    } catch {
      return 0;
    }
  }

  /** Records that everything before `offset` has been consumed (atomically), and drops segments wholly before it. */
  async commitCheckpoint(offset: number): Promise<void> {
    const tmp = this.checkpointFile() + '.tmp';
    const fh = await fsp.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify({ offset, at: new Date().toISOString() }));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, this.checkpointFile());
    // The rename must be durable before the segments it releases are removed: else a crash could leave an older
    // checkpoint pointing into a deleted segment.
    await this.io.syncDir(this.dir);
    while (this.segments.length > 1 && this.segments[1]!.base <= offset) {
      const old = this.segments.shift()!;
      await fsp.rm(old.file, { force: true });
    }
  }

  /** Waits for in-progress appends, then closes the file and releases the directory's lock. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inflight.length || this.pending.length || this.exclusive) await new Promise((r) => setTimeout(r, 5));
    await this.fh?.close();
    this.fh = null;
    await this.lock?.release();
    this.lock = null;
  }
}

// A durable append-only log: CRC-framed records in segment files, group-committed with fdatasync, with a consumer checkpoint.
import { promises as fsp, constants as fsc } from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';

const HEADER = 8; // u32 length + u32 crc32 of the payload
const SEGMENT_PREFIX = 'seg-';
const SEGMENT_SUFFIX = '.log';

export interface LogRecord {
  /** Global byte offset where the record's frame starts. */
  offset: number;
  /** Offset just after the frame (where the next record starts). */
  next: number;
  payload: Buffer;
}

export interface DurableLogOptions {
  dir: string;
  /** Start a new segment once the current one reaches this size. */
  segmentBytes?: number;
  /** Largest record accepted. */
  maxRecordBytes?: number;
  /** Fault injection for tests: called before each sync; throwing simulates a failing disk. */
  beforeSync?: () => void;
  /** Group commits allowed in flight at once (each is a write + fdatasync). Default 3. */
  maxConcurrentCommits?: number;
  /** Observes each group commit: records in it, bytes, and seconds from write to durable. */
  onCommit?: (records: number, bytes: number, seconds: number) => void;
}

interface Segment {
  base: number;
  file: string;
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
  frame: Buffer;
  resolve: () => void;
  reject: (err: Error) => void;
}

function segmentName(base: number): string {
  return `${SEGMENT_PREFIX}${String(base).padStart(20, '0')}${SEGMENT_SUFFIX}`;
}

function frame(payload: Buffer): Buffer {
  const head = Buffer.allocUnsafe(HEADER);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([head, payload]);
}

/** Parses whole, valid frames from `buf` (which starts at global offset `base`); stops at a torn or corrupt frame. */
export function parseFrames(buf: Buffer, base: number): { records: LogRecord[]; consumed: number; corruptAt: number | null } {
  const records: LogRecord[] = [];
  let pos = 0;
  while (pos + HEADER <= buf.length) {
    const len = buf.readUInt32LE(pos);
    const crc = buf.readUInt32LE(pos + 4);
    if (pos + HEADER + len > buf.length) break; // partial frame: not yet readable (or torn tail)
    const payload = buf.subarray(pos + HEADER, pos + HEADER + len);
    if (crc32(payload) !== crc) return { records, consumed: pos, corruptAt: base + pos };
    records.push({ offset: base + pos, next: base + pos + HEADER + len, payload });
    pos += HEADER + len;
  }
  return { records, consumed: pos, corruptAt: null };
}

export class DurableLog {
  private readonly dir: string;
  private readonly segmentBytes: number;
  private readonly maxRecordBytes: number;
  private readonly beforeSync: (() => void) | undefined;
  private readonly onCommit: DurableLogOptions['onCommit'];
  private segments: Segment[] = [];
  private fh: fsp.FileHandle | null = null;
  private writeEnd = 0; // global offset after the last frame handed to the file
  private durable = 0; // global offset up to which data is fsync'd
  private pending: Pending[] = [];
  private inflight: Commit[] = [];
  private rolling = false;
  /** Offset of the first failed batch while failed commits are being unwound. */
  private failure: number | null = null;
  private readonly maxConcurrentCommits: number;
  private closed = false;
  private readonly listeners = new Set<() => void>();

  private constructor(opts: DurableLogOptions) {
    this.dir = opts.dir;
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.maxRecordBytes = opts.maxRecordBytes ?? 64 * 1024 * 1024;
    this.beforeSync = opts.beforeSync;
    this.onCommit = opts.onCommit;
    this.maxConcurrentCommits = opts.maxConcurrentCommits ?? 3;
  }

  /** Opens (and recovers) the log: a torn or corrupt tail left by a crash is truncated away. */
  static async open(opts: DurableLogOptions): Promise<DurableLog> {
    const log = new DurableLog(opts);
    await log.recover();
    return log;
  }

  private async recover(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    const names = (await fsp.readdir(this.dir)).filter((n) => n.startsWith(SEGMENT_PREFIX) && n.endsWith(SEGMENT_SUFFIX)).sort();
    this.segments = names.map((n) => ({ base: Number(n.slice(SEGMENT_PREFIX.length, -SEGMENT_SUFFIX.length)), file: path.join(this.dir, n) }));
    if (this.segments.length === 0) {
      const cp = await this.readCheckpoint();
      this.segments.push({ base: cp, file: path.join(this.dir, segmentName(cp)) });
    }
    const last = this.segments[this.segments.length - 1]!;
    this.fh = await fsp.open(last.file, fsc.O_CREAT | fsc.O_RDWR);
    const data = await this.fh.readFile();
    const { consumed } = parseFrames(data, last.base);
    if (consumed < data.length) {
      await this.fh.truncate(consumed);
      await this.fh.datasync();
    }
    this.writeEnd = last.base + consumed;
    this.durable = this.writeEnd;
  }

  /** Global offset up to which records are durable (and readable). */
  get end(): number {
    return this.durable;
  }

  /** Appends one record; resolves once it is on disk (fdatasync), sharing the sync with concurrent appends. */
  append(payload: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error('log is closed'));
    if (payload.length > this.maxRecordBytes) return Promise.reject(new Error(`record of ${payload.length} bytes exceeds ${this.maxRecordBytes}`));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ frame: frame(payload), resolve, reject });
      this.pump();
    });
  }

  /**
   * Starts group commits for whatever is pending, up to `maxConcurrentCommits` at once: while one batch waits
   * for its fdatasync the next is already being written (the device serves overlapping flushes). A batch is
   * acknowledged only when it and every batch before it are on disk.
   */
  private pump(): void {
    while (this.pending.length > 0 && this.inflight.length < this.maxConcurrentCommits && !this.rolling && this.failure === null) {
      const seg = this.segments[this.segments.length - 1]!;
      if (this.writeEnd - seg.base >= this.segmentBytes) {
        if (this.inflight.length > 0) return; // roll once the current segment has settled
        this.rolling = true;
        this.roll().then(
          () => {
            this.rolling = false;
            this.pump();
          },
          (err: Error) => {
            this.rolling = false;
            for (const p of this.pending.splice(0)) p.reject(err);
          },
        );
        return;
      }
      const batch = this.pending;
      this.pending = [];
      const buf = batch.length === 1 ? batch[0]!.frame : Buffer.concat(batch.map((p) => p.frame));
      const c: Commit = { batch, seg, start: this.writeEnd, end: this.writeEnd + buf.length, done: false, error: null, started: performance.now() };
      this.writeEnd = c.end;
      this.inflight.push(c);
      void this.commit(c, buf);
    }
  }

  private async commit(c: Commit, buf: Buffer): Promise<void> {
    try {
      await this.fh!.write(buf, 0, buf.length, c.start - c.seg.base);
      this.beforeSync?.();
      await this.fh!.datasync();
    } catch (err) {
      c.error = err as Error;
      this.failure = this.failure === null ? c.start : Math.min(this.failure, c.start);
    }
    c.done = true;
    await this.settle();
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
      // A batch failed: it and every batch after it are rejected (none was acknowledged), the file is cut back
      // to where the failed batch began, and writing resumes there.
      const at = this.failure;
      const failed = this.inflight.splice(0);
      const err = failed.find((c) => c.error)?.error ?? new Error('log write failed');
      for (const c of failed) for (const p of c.batch) p.reject(c.error ?? err);
      this.writeEnd = at;
      try {
        const seg = this.segments[this.segments.length - 1]!;
        await this.fh!.truncate(at - seg.base);
      } catch {
        /* the next write overwrites the bytes anyway; recovery stops at the first bad frame */
      }
      this.failure = null;
    }
    this.pump();
  }

  private async roll(): Promise<void> {
    await this.fh!.close();
    const seg = { base: this.writeEnd, file: path.join(this.dir, segmentName(this.writeEnd)) };
    this.fh = await fsp.open(seg.file, fsc.O_CREAT | fsc.O_RDWR);
    this.segments.push(seg);
    const dh = await fsp.open(this.dir, fsc.O_RDONLY);
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }

  /** Calls `fn` whenever new records become durable; returns an unsubscribe function. */
  onAppend(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Reads durable records starting at `offset`, up to about `maxBytes` (at least one record when one is there). */
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
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await fh.read(buf, 0, want, offset - seg.base);
        const { records, corruptAt } = parseFrames(buf.subarray(0, bytesRead), offset);
        if (corruptAt !== null && records.length === 0) throw new Error(`corrupt log record at offset ${corruptAt}`);
        if (records.length > 0 || want >= limit - offset) return records.slice(0, maxRecords);
        // A single record larger than maxBytes: read exactly that frame.
        const head = Buffer.allocUnsafe(HEADER);
        await fh.read(head, 0, HEADER, offset - seg.base);
        want = Math.min(HEADER + head.readUInt32LE(0), limit - offset);
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
      const v = JSON.parse(await fsp.readFile(this.checkpointFile(), 'utf8')) as { offset?: unknown };
      return typeof v.offset === 'number' ? v.offset : 0;
    } catch {
      return 0;
    }
  }

  /** Records that everything before `offset` has been consumed (atomically), and drops segments wholly before it. */
  async commitCheckpoint(offset: number): Promise<void> {
    const tmp = this.checkpointFile() + '.tmp';
    const fh = await fsp.open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify({ offset, at: new Date().toISOString() }));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, this.checkpointFile());
    while (this.segments.length > 1 && this.segments[1]!.base <= offset) {
      const old = this.segments.shift()!;
      await fsp.rm(old.file, { force: true });
    }
  }

  /** Waits for in-progress appends, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inflight.length || this.pending.length || this.rolling) await new Promise((r) => setTimeout(r, 5));
    await this.fh?.close();
    this.fh = null;
  }
}

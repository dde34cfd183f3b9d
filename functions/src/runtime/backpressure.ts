// The embedded runtime's high-water marks: refuse new deliveries (503 + Retry-After) while the backlog or the disk is too full.
import { statfs } from 'node:fs';

export interface BackpressureOptions {
  /** Acknowledged bytes not yet landed. */
  backlogBytes: () => number;
  maxBacklogBytes: number;
  /** Directory whose file system holds the log and the warehouse. */
  dir: string;
  minFreeDiskBytes: number;
  /** How often free disk space is sampled (ms). Default 1000. */
  diskEveryMs?: number;
}

export interface Backpressure {
  /** Why deliveries must wait, or null when they may be accepted. */
  check(): string | null;
  close(): void;
}

export function createBackpressure(o: BackpressureOptions): Backpressure {
  let freeBytes = Number.POSITIVE_INFINITY;
  const sample = () =>
    statfs(o.dir, { bigint: false }, (err, s) => {
      if (!err) freeBytes = s.bavail * s.bsize;
    });
  sample();
  const timer = o.minFreeDiskBytes > 0 ? setInterval(sample, o.diskEveryMs ?? 1000) : null;
  timer?.unref();
  return {
    check() {
      const backlog = o.backlogBytes();
      if (backlog > o.maxBacklogBytes) return `backlog of ${backlog} bytes is over its high-water mark (${o.maxBacklogBytes}); retry later`;
      if (freeBytes < o.minFreeDiskBytes) return `free disk space (${freeBytes} bytes) is below ${o.minFreeDiskBytes}; retry later`;
      return null;
    },
    close() {
      if (timer) clearInterval(timer);
    },
  };
}

// Exclusive ownership of a log directory across processes: numbered lock files created with link(2) (atomic, never
// replaced), naming their holder (pid, boot, process start); a lock whose holder is gone is superseded by the next number.
import { promises as fsp } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';

const LOCK_FILE = /^lock-(\d{12})\.json$/;

const Holder = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  /** Linux boot id: a lock from an earlier boot is stale whatever its pid. */
  bootId: z.string().nullable(),
  /** The holder's start time (clock ticks since boot, /proc/PID/stat): a reused pid has another one. */
  procStart: z.string().nullable(),
  token: z.string(),
  since: z.string(),
});
export type LockHolder = z.infer<typeof Holder>;

/** Tokens of the locks this process holds (two opens in one process share a pid; only the token tells them apart). */
const heldHere = new Set<string>();

export interface LogLock {
  holder: LockHolder;
  release(): Promise<void>;
}

const lockPath = (dir: string, seq: number) => path.join(dir, `lock-${String(seq).padStart(12, '0')}.json`);

async function readOptional(file: string): Promise<string | null> {
  try {
    return (await fsp.readFile(file, 'utf8')).trim();
  } catch {
    return null;
  }
}

async function procStat(pid: number): Promise<{ state: string; start: string } | null> {
  const text = await readOptional(`/proc/${pid}/stat`);
  if (text === null) return null;
  // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return rest.length > 19 ? { state: rest[0]!, start: rest[19]! } : null;
}

async function lockSeqs(dir: string): Promise<number[]> {
  const seqs: number[] = [];
  for (const n of await fsp.readdir(dir)) {
    const m = LOCK_FILE.exec(n);
    if (m) seqs.push(Number(m[1]));
  }
  return seqs.sort((a, b) => a - b);
}

/** Whether the process a lock names still runs (the same process, not one that reused its pid). */
async function isAlive(h: LockHolder): Promise<boolean> {
  const bootId = await readOptional('/proc/sys/kernel/random/boot_id');
  if (h.bootId !== null && bootId !== null && h.bootId !== bootId) return false;
  if (h.pid === process.pid) return heldHere.has(h.token);
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false; // EPERM: alive, another user's
  }
  const stat = await procStat(h.pid);
  if (stat && (stat.state === 'Z' || stat.state === 'X')) return false;
  if (stat && h.procStart !== null && stat.start !== h.procStart) return false;
  return true;
}

function heldError(dir: string, h: LockHolder): ShopMlopsError {
  const who = h.pid === process.pid ? `this process (pid ${h.pid})` : `process ${h.pid} on ${h.host}`;
  return new ShopMlopsError('UNAVAILABLE', `the durable log at ${dir} is held by ${who} since ${h.since}: stop it first (one process owns a log)`, {
    retryable: false,
    details: { dir, holderPid: h.pid, holderHost: h.host, since: h.since },
  });
}

/**
 * Takes the log directory for this process, or throws a ShopMlopsError naming the holder. The lock in force is the
 * highest-numbered lock file. A new one is created as that number + 1 by link(2) from a complete, synced temp file, so
 * of two openers that both found the previous holder gone exactly one wins the number; a winner that then sees a
 * higher number than its own backs off. Lock files below the holder's are removed.
 */
export async function acquireLogLock(dir: string): Promise<LogLock> {
  const holder: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    bootId: await readOptional('/proc/sys/kernel/random/boot_id'),
    procStart: (await procStat(process.pid))?.start ?? null,
    token: randomBytes(12).toString('hex'),
    since: new Date().toISOString(),
  };
  const tmp = path.join(dir, `lock.tmp-${holder.token}`);
  const fh = await fsp.open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(JSON.stringify(holder));
    await fh.datasync();
  } finally {
    await fh.close();
  }
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      const top = (await lockSeqs(dir)).at(-1);
      if (top !== undefined) {
        const text = await readOptional(lockPath(dir, top));
        if (text === null) continue; // released meanwhile
        let current: LockHolder | null = null;
        try {
          current = Holder.parse(JSON.parse(text));
        } catch {
          /* unreadable (a crash before its data reached the disk): not a holder */
        }
        if (current && (await isAlive(current))) throw heldError(dir, current);
      }
      const seq = (top ?? 0) + 1;
      const mine = lockPath(dir, seq);
      try {
        await fsp.link(tmp, mine);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
      const after = await lockSeqs(dir);
      if (after.at(-1) !== seq) {
        await fsp.rm(mine, { force: true });
        continue;
      }
      heldHere.add(holder.token);
      for (const s of after) if (s < seq) await fsp.rm(lockPath(dir, s), { force: true });
      return {
        holder,
        async release() {
          if (!heldHere.delete(holder.token)) return;
          await fsp.rm(mine, { force: true });
        },
      };
    }
    throw new ShopMlopsError('UNAVAILABLE', `could not take the lock of the durable log at ${dir}: other processes keep contending for it`);
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

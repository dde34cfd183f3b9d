// Durable log under disk faults injected at the OS boundary (short writes, ENOSPC, EIO on fsync): nothing acknowledged is ever lost.
import { promises as fsp } from 'node:fs';
import { DurableLog, type LogFileIo } from '../../functions/src/adapters/embedded/durable-log';
import { tempDir } from '../helpers/runtime';
import { readAll } from './support/log-read';

function osError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault`), { code });
}

/** Concurrent appends in waves (so group commits overlap); sorts them into acknowledged and rejected. */
async function appendMany(log: DurableLog, tag: string, n: number, acked: string[], rejected: string[]): Promise<void> {
  for (let w = 0; w < n; w += 40) {
    await Promise.all(
      Array.from({ length: Math.min(40, n - w) }, async (_, i) => {
        const p = `${tag}-${w + i}-${'p'.repeat((w + i) % 97)}`;
        try {
          await log.append(Buffer.from(p));
          acked.push(p);
        } catch {
          rejected.push(p);
        }
      }),
    );
  }
}

/**
 * Runs appends while a fault is on, clears it, appends more (all must succeed), then reopens the directory: every
 * acknowledged record reads back exactly once, and nothing else reads back except whole records of rejected appends.
 */
async function survivesFault(io: Partial<LogFileIo>, setFault: (on: boolean) => void): Promise<{ acked: string[]; rejected: string[] }> {
  const dir = tempDir();
  const acked: string[] = [];
  const rejected: string[] = [];
  const log = await DurableLog.open({ dir, io, maxConcurrentCommits: 3 });
  await appendMany(log, 'before', 40, acked, rejected);
  setFault(true);
  await appendMany(log, 'during', 400, acked, rejected);
  setFault(false);
  const after: string[] = [];
  await appendMany(log, 'after', 200, after, rejected);
  expect(after).toHaveLength(200); // the fault has cleared: everything is acknowledged again
  acked.push(...after);
  await log.close();

  const reopened = await DurableLog.open({ dir });
  const got = await readAll(reopened);
  await reopened.close();
  expect(new Set(got).size).toBe(got.length);
  const gotSet = new Set(got);
  expect(acked.filter((p) => !gotSet.has(p))).toEqual([]); // 0 acknowledged lost
  const known = new Set([...acked, ...rejected]);
  expect(got.filter((p) => !known.has(p))).toEqual([]); // nothing torn or invented
  return { acked, rejected };
}

test('short writes: a write that stores only part of the buffer is continued; every append is acknowledged only once whole and synced', async () => {
  let short = false;
  let shortWrites = 0;
  const io: Partial<LogFileIo> = {
    write: (fh, buf, offset, length, position) => {
      if (short && length > 1) {
        shortWrites++;
        length = Math.ceil(length / 3); // the kernel stored a third of it
      }
      return fh.write(buf, offset, length, position);
    },
  };
  const { acked, rejected } = await survivesFault(io, (on) => (short = on));
  expect(shortWrites).toBeGreaterThan(10);
  expect(rejected).toEqual([]);
  expect(acked).toHaveLength(640);
});

test('a write that makes no progress fails its batch (rejected, not acknowledged); the log stays consistent', async () => {
  let stuck = false;
  const io: Partial<LogFileIo> = {
    write: async (fh, buf, offset, length, position) => {
      if (!stuck) return fh.write(buf, offset, length, position);
      const half = Math.floor(length / 2);
      if (half === 0) return { bytesWritten: 0 };
      return fh.write(buf, offset, half, position).then(() => ({ bytesWritten: 0 })); // bytes stored, none reported after
    },
  };
  const { rejected } = await survivesFault(io, (on) => (stuck = on));
  expect(rejected.length).toBe(400);
});

test('ENOSPC: the disk fills mid-batch (a short write, then ENOSPC); those appends reject, and once space is freed nothing acknowledged is missing', async () => {
  let free = Infinity;
  const io: Partial<LogFileIo> = {
    write: async (fh, buf, offset, length, position) => {
      if (free <= 0) throw osError('ENOSPC');
      const n = Math.min(length, free);
      free -= n;
      return fh.write(buf, offset, n, position);
    },
  };
  const { acked, rejected } = await survivesFault(io, (on) => (free = on ? 6000 : Infinity));
  expect(rejected.length).toBeGreaterThan(0);
  expect(acked.some((p) => p.startsWith('during-'))).toBe(true); // some fitted before the disk filled
});

test('EIO on fdatasync: the failed batch and those after it reject; a repair that also fails keeps writes stopped until the disk answers', async () => {
  let failing = false;
  let syncs = 0;
  let failed = 0;
  const io: Partial<LogFileIo> = {
    datasync: async (fh) => {
      syncs++;
      if (failing && syncs % 2 === 0) {
        failed++;
        throw osError('EIO');
      }
      return fh.datasync();
    },
  };
  const { acked, rejected } = await survivesFault(io, (on) => (failing = on));
  expect(failed).toBeGreaterThan(2);
  expect(rejected.length).toBeGreaterThan(0);
  expect(acked.some((p) => p.startsWith('during-'))).toBe(true);
});

test('after a failed batch the file is cut back to the last acknowledged byte before anything else is written', async () => {
  const dir = tempDir();
  let fail = false;
  const log = await DurableLog.open({ dir, io: { datasync: async (fh) => { if (fail) throw osError('EIO'); return fh.datasync(); } } });
  await log.append(Buffer.from('kept-1'));
  const seg = `${dir}/${(await fsp.readdir(dir)).find((n) => n.startsWith('seg-'))!}`;
  const size = (await fsp.stat(seg)).size;
  fail = true;
  await expect(log.append(Buffer.from('rejected-with-a-longer-payload'))).rejects.toThrow('EIO');
  await expect(log.append(Buffer.from('rejected-too'))).rejects.toThrow('EIO'); // the repair's sync fails as well
  fail = false;
  await log.append(Buffer.from('kept-2'));
  expect((await fsp.stat(seg)).size).toBe(size + 8 + 'kept-2'.length);
  expect(await readAll(log)).toEqual(['kept-1', 'kept-2']);
  await log.close();
});

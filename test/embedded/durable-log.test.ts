// The durable log: group commit, read-after-append, segment rolling, checkpoints, and recovery from a torn tail.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DurableLog } from '../../functions/src/adapters/embedded/durable-log';
import { tempDir } from '../helpers/runtime';

async function readAll(log: DurableLog, from: number) {
  const out = [];
  let off = from;
  for (;;) {
    const recs = await log.read(off, 1 << 20);
    if (!recs.length) return out;
    out.push(...recs);
    off = recs[recs.length - 1]!.next;
  }
}

test('appends are durable and read back in order across segments', async () => {
  const dir = tempDir();
  const log = await DurableLog.open({ dir, segmentBytes: 1024 });
  const payloads = Array.from({ length: 200 }, (_, i) => Buffer.from(`record-${i}-${'x'.repeat(i % 50)}`));
  for (let i = 0; i < payloads.length; i += 10) await Promise.all(payloads.slice(i, i + 10).map((p) => log.append(p)));
  const segs = (await fsp.readdir(dir)).filter((n) => n.startsWith('seg-'));
  expect(segs.length).toBeGreaterThan(3);
  const got: string[] = [];
  let off = 0;
  for (;;) {
    const recs = await log.read(off, 700);
    if (!recs.length) break;
    got.push(...recs.map((r) => r.payload.toString()));
    off = recs[recs.length - 1]!.next;
  }
  expect(got.sort()).toEqual(payloads.map(String).sort());
  await log.close();
});

test('checkpoint survives reopening and old segments are dropped', async () => {
  const dir = tempDir();
  let log = await DurableLog.open({ dir, segmentBytes: 256 });
  for (let i = 0; i < 50; i++) await log.append(Buffer.from(`r${i}-${'y'.repeat(20)}`));
  const recs = await readAll(log, 0);
  const mid = recs[30]!.offset;
  await log.commitCheckpoint(mid);
  await log.close();
  log = await DurableLog.open({ dir, segmentBytes: 256 });
  expect(await log.readCheckpoint()).toBe(mid);
  const after = await readAll(log, mid);
  expect(after[0]!.payload.toString()).toBe('r30-' + 'y'.repeat(20));
  expect(after).toHaveLength(20);
  await expect(log.read(0)).rejects.toThrow(/before the oldest retained segment/);
  await log.close();
});

test('a torn or corrupt tail left by a crash is truncated on open; earlier records survive', async () => {
  const dir = tempDir();
  let log = await DurableLog.open({ dir });
  for (let i = 0; i < 5; i++) await log.append(Buffer.from(`ok-${i}`));
  await log.close();
  const seg = path.join(dir, (await fsp.readdir(dir)).find((n) => n.startsWith('seg-'))!);
  await fsp.appendFile(seg, Buffer.from([20, 0, 0, 0, 1, 2, 3, 4, 65, 66])); // frame header promising 20 bytes, 2 present
  log = await DurableLog.open({ dir });
  const recs = await log.read(0, 1 << 20);
  expect(recs.map((r) => r.payload.toString())).toEqual(['ok-0', 'ok-1', 'ok-2', 'ok-3', 'ok-4']);
  await log.append(Buffer.from('after-recovery'));
  expect((await log.read(recs[4]!.next)).map((r) => r.payload.toString())).toEqual(['after-recovery']);
  await log.close();
});

test('a failing sync rejects the appends of that batch (nothing acknowledged), later appends succeed', async () => {
  let fail = true;
  const log = await DurableLog.open({ dir: tempDir(), beforeSync: () => { if (fail) throw new Error('EIO'); } });
  await expect(log.append(Buffer.from('lost'))).rejects.toThrow('EIO');
  fail = false;
  await log.append(Buffer.from('kept'));
  expect((await log.read(0)).map((r) => r.payload.toString())).toEqual(['kept']);
  await log.close();
});

test('with overlapping commits, a failed batch fails the batches after it; exactly the acknowledged records read back', async () => {
  let syncs = 0;
  const dir = tempDir();
  const log = await DurableLog.open({ dir, maxConcurrentCommits: 3, beforeSync: () => { if (++syncs === 3) throw new Error('EIO'); } });
  const acked: string[] = [];
  const rejected: string[] = [];
  await Promise.all(
    Array.from({ length: 400 }, async (_, i) => {
      const p = `rec-${i}`;
      try {
        await log.append(Buffer.from(p));
        acked.push(p);
      } catch {
        rejected.push(p);
      }
    }),
  );
  expect(rejected.length).toBeGreaterThan(0);
  await log.append(Buffer.from('after'));
  acked.push('after');
  await log.close();
  const reopened = await DurableLog.open({ dir });
  const got = (await readAll(reopened, 0)).map((r) => r.payload.toString());
  expect(got.sort()).toEqual(acked.sort());
  await reopened.close();
});

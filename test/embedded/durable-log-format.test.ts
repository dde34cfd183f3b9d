// Durable log frame format: the CRC covers the length, zeroed blocks are not records, logs in the v1 format survive an upgrade, and new directory entries are synced.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { DurableLog, type LogRecord } from '../../functions/src/adapters/embedded/durable-log';
import { tempDir } from '../helpers/runtime';

async function records(log: DurableLog, from = 0): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  let off = from;
  for (;;) {
    const recs = await log.read(off, 1 << 16);
    if (!recs.length) return out;
    out.push(...recs);
    off = recs[recs.length - 1]!.next;
  }
}

const readAll = async (log: DurableLog, from = 0) => (await records(log, from)).map((r) => r.payload.toString());

/** A frame as the first format wrote it: u32 length + crc32 of the payload alone. */
function v1Frame(payload: string): Buffer {
  const p = Buffer.from(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32LE(p.length, 0);
  head.writeUInt32LE(crc32(p), 4);
  return Buffer.concat([head, p]);
}

const segmentsOf = async (dir: string) => (await fsp.readdir(dir)).filter((n) => n.startsWith('seg-')).sort();

test('zeroed blocks after the last record (a file extended, its data never written) are not records: reopening ends the log there', async () => {
  const dir = tempDir();
  let log = await DurableLog.open({ dir });
  for (let i = 0; i < 3; i++) await log.append(Buffer.from(`ok-${i}`));
  await log.close();
  const seg = path.join(dir, (await segmentsOf(dir))[0]!);
  const size = (await fsp.stat(seg)).size;
  await fsp.appendFile(seg, Buffer.alloc(4096)); // what a crash can leave after preallocation or delayed allocation
  log = await DurableLog.open({ dir });
  expect(await readAll(log)).toEqual(['ok-0', 'ok-1', 'ok-2']);
  expect((await fsp.stat(seg)).size).toBe(size);
  await log.append(Buffer.from('after'));
  expect(await readAll(log)).toEqual(['ok-0', 'ok-1', 'ok-2', 'after']);
  await log.close();
});

test("a frame whose CRC matches its payload but not its length field is rejected (the CRC covers the length)", async () => {
  const dir = tempDir();
  let log = await DurableLog.open({ dir });
  await log.append(Buffer.from('good'));
  await log.close();
  const seg = path.join(dir, (await segmentsOf(dir))[0]!);
  await fsp.appendFile(seg, v1Frame('payload-only-crc'));
  log = await DurableLog.open({ dir });
  expect(await readAll(log)).toEqual(['good']);
  await log.close();
});

test('upgrade: a data directory written in the v1 format (undrained, with a checkpoint and a torn tail) keeps every record; new records go to a v2 segment', async () => {
  const dir = tempDir();
  const old = ['a', 'bb', 'ccc', 'dddd', 'eeeee'].map((s) => `old-${s}`);
  const frames = old.map(v1Frame);
  // Two v1 segments as the old code named them: seg-<base>.log; the first record already consumed.
  const first = Buffer.concat(frames.slice(0, 2));
  const second = Buffer.concat([...frames.slice(2), v1Frame('torn-tail').subarray(0, 11)]);
  const name = (base: number) => `seg-${String(base).padStart(20, '0')}.log`;
  await fsp.writeFile(path.join(dir, name(0)), first);
  await fsp.writeFile(path.join(dir, name(first.length)), second);
  await fsp.writeFile(path.join(dir, 'checkpoint.json'), JSON.stringify({ offset: frames[0]!.length, at: '2026-11-01T00:00:00.000Z' }));

  let log = await DurableLog.open({ dir });
  const cp = await log.readCheckpoint();
  expect(await readAll(log, cp)).toEqual(old.slice(1));
  await log.append(Buffer.from('new-1'));
  await log.close();
  expect(await segmentsOf(dir)).toEqual([name(0), name(first.length), `seg-${String(first.length + second.length - 11).padStart(20, '0')}.v2.log`]);

  log = await DurableLog.open({ dir });
  await log.append(Buffer.from('new-2'));
  expect(await readAll(log, cp)).toEqual([...old.slice(1), 'new-1', 'new-2']);
  // Consuming past the old segments drops them.
  const all = await records(log, cp);
  await log.commitCheckpoint(all[all.length - 1]!.offset);
  expect((await segmentsOf(dir)).every((n) => n.endsWith('.v2.log'))).toBe(true);
  await log.close();
});

test('the directory entries of a new log are synced: its parents when created, the first segment, each rolled segment, the checkpoint', async () => {
  const root = tempDir();
  const dir = path.join(root, 'a', 'b', 'log');
  const synced: string[] = [];
  const io = { syncDir: async (d: string) => void synced.push(path.relative(root, d) || '.') };
  const log = await DurableLog.open({ dir, segmentBytes: 64, io });
  expect(synced).toEqual(['a/b', 'a', '.', 'a/b/log']); // entries of log, b and a; then the first segment's
  synced.length = 0;
  for (let i = 0; i < 4; i++) await log.append(Buffer.from(`record-${i}-${'z'.repeat(60)}`));
  expect(synced.length).toBe(3); // a segment per record after the first
  synced.length = 0;
  await log.commitCheckpoint(log.end);
  expect(synced).toEqual(['a/b/log']);
  await log.close();
});

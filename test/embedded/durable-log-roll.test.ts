// DurableLog.rollPast: the segment holding bytes to be forgotten (a redacted customer's deliveries) is closed at once and deleted by the checkpoint that passes it, without waiting for the segment to fill.
import { promises as fsp } from 'node:fs';
import { DurableLog } from '../../functions/src/adapters/embedded/durable-log';
import { tempDir } from '../helpers/runtime';

const segmentsWith = async (dir: string, needle: string) => {
  const out: string[] = [];
  for (const n of (await fsp.readdir(dir)).filter((x) => x.startsWith('seg-'))) if ((await fsp.readFile(`${dir}/${n}`)).includes(needle)) out.push(n);
  return out;
};

test('rollPast closes the current segment; the checkpoint past it deletes it, while later records stay readable', async () => {
  const dir = tempDir();
  const log = await DurableLog.open({ dir }); // 64 MB segments: no roll by size here
  await log.append(Buffer.from('secret-of-a-redacted-customer'));
  await log.append(Buffer.from('another delivery'));
  const through = log.end;
  await log.commitCheckpoint(through);
  expect(await segmentsWith(dir, 'secret-of-a-redacted')).toHaveLength(1); // a checkpoint alone keeps the current segment
  await log.rollPast(through);
  await log.append(Buffer.from('after the roll'));
  await log.commitCheckpoint(through);
  expect(await segmentsWith(dir, 'secret-of-a-redacted')).toEqual([]);
  const rest = await log.read(through);
  expect(rest.map((r) => r.payload.toString())).toEqual(['after the roll']);
  // Rolling an empty segment, or past bytes already in an older one, is a no-op.
  const files = (await fsp.readdir(dir)).filter((x) => x.startsWith('seg-')).length;
  await log.rollPast(through);
  expect((await fsp.readdir(dir)).filter((x) => x.startsWith('seg-')).length).toBe(files);
  await log.close();
  // Reopened: recovery reads the new segment.
  const again = await DurableLog.open({ dir });
  expect((await again.read(through)).map((r) => r.payload.toString())).toEqual(['after the roll']);
  await again.close();
});

test('appends racing a roll are all kept, in order', async () => {
  const dir = tempDir();
  const log = await DurableLog.open({ dir });
  const first = Array.from({ length: 50 }, (_, i) => log.append(Buffer.from(`a${i}`)));
  await Promise.all(first);
  const roll = log.rollPast(log.end);
  const second = Array.from({ length: 50 }, (_, i) => log.append(Buffer.from(`b${i}`)));
  await Promise.all([roll, ...second]);
  const out: string[] = [];
  let off = 0;
  for (;;) {
    const recs = await log.read(off);
    if (!recs.length) break;
    out.push(...recs.map((r) => r.payload.toString()));
    off = recs[recs.length - 1]!.next;
  }
  expect(out).toEqual([...Array.from({ length: 50 }, (_, i) => `a${i}`), ...Array.from({ length: 50 }, (_, i) => `b${i}`)]);
  expect((await fsp.readdir(dir)).filter((x) => x.startsWith('seg-')).length).toBe(2);
  await log.close();
});

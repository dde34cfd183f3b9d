// Durable log ownership: one process (and one open) holds a log directory; others are refused naming the holder; a dead holder's lock is taken over.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DurableLog } from '../../functions/src/adapters/embedded/durable-log';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { tempDir } from '../helpers/runtime';
import { ROOT } from '../helpers/process';
import { readAll } from './support/log-read';

const HOLDER = path.join(__dirname, 'support/log-holder.ts');

interface Outcome {
  ok: boolean;
  pid: number;
  name?: string;
  code?: string;
  message?: string;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/**
 * Starts a separate Node process running the holder through tsx's loader (node itself, not the tsx wrapper, so that
 * the pid it reports is the one a signal reaches); it opens `dir`, appends `count` records and reports.
 */
function holder(dir: string, count = 0): { child: ChildProcess; outcome: Promise<Outcome> } {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, dir, String(count)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const outcome = new Promise<Outcome>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as Outcome);
    });
    child.once('exit', (code) => reject(new Error(`log holder exited with ${code} before reporting: ${out}`)));
  });
  return { child, outcome };
}

const exited = (child: ChildProcess) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r)));

test('within one process: a second open of the same directory is refused, naming this process, until the first is closed', async () => {
  const dir = tempDir();
  const first = await DurableLog.open({ dir });
  await first.append(Buffer.from('one'));
  const err = await DurableLog.open({ dir }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ShopMlopsError);
  expect((err as ShopMlopsError).message).toContain(`held by this process (pid ${process.pid})`);
  expect((err as ShopMlopsError).details).toMatchObject({ holderPid: process.pid });
  await first.close();
  const second = await DurableLog.open({ dir });
  expect(await readAll(second)).toEqual(['one']);
  await second.close();
});

test('within one process: of simultaneous opens exactly one wins', async () => {
  const dir = tempDir();
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => DurableLog.open({ dir })));
  const won = results.filter((r): r is PromiseFulfilledResult<DurableLog> => r.status === 'fulfilled');
  expect(won).toHaveLength(1);
  for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ShopMlopsError);
  await won[0]!.value.close();
});

test('another process cannot open a log this process holds; the error names this process', async () => {
  const dir = tempDir();
  const log = await DurableLog.open({ dir });
  const h = holder(dir);
  const got = await h.outcome;
  await exited(h.child);
  expect(got).toMatchObject({ ok: false, name: 'ShopMlopsError', code: 'UNAVAILABLE' });
  expect(got.message).toContain(`held by process ${process.pid}`);
  await log.close();
}, 30_000);

test("this process cannot open (or recover) a log another process holds; once that process is killed, its lock is stale and its records are kept", async () => {
  const dir = tempDir();
  const h = holder(dir, 5);
  const got = await h.outcome;
  expect(got).toEqual({ ok: true, pid: h.child.pid });
  const err = await DurableLog.open({ dir }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ShopMlopsError);
  expect((err as Error).message).toContain(`held by process ${got.pid}`);
  h.child.kill('SIGKILL'); // no chance to release: the lock file stays behind
  await exited(h.child);
  expect((await fsp.readdir(dir)).some((n) => n.startsWith('lock-'))).toBe(true);
  const log = await DurableLog.open({ dir });
  expect(await readAll(log)).toEqual(Array.from({ length: 5 }, (_, i) => `child-${got.pid}-${i}`));
  await log.close();
}, 30_000);

test('several processes racing for a log whose holder died: exactly one takes it, the others are refused naming it', async () => {
  const dir = tempDir();
  const dead = holder(dir);
  expect((await dead.outcome).ok).toBe(true);
  dead.child.kill('SIGKILL');
  await exited(dead.child);
  const racers = Array.from({ length: 4 }, () => holder(dir));
  const outcomes = await Promise.all(racers.map((r) => r.outcome));
  const winners = outcomes.filter((o) => o.ok);
  expect(winners).toHaveLength(1);
  for (const o of outcomes.filter((x) => !x.ok)) expect(o.message).toContain(`held by process ${winners[0]!.pid}`);
  for (const r of racers) r.child.stdin!.end();
  await Promise.all(racers.map((r) => exited(r.child)));
}, 60_000);

test('a lock naming a pid that now belongs to another process (reused pid) is stale; one naming the live process is not', async () => {
  const dir = tempDir();
  const log = await DurableLog.open({ dir });
  await log.close();
  const lock = path.join(dir, 'lock-000000000007.json');
  const write = (h: object) => fsp.writeFile(lock, JSON.stringify({ host: 'h', bootId: null, token: 'x', since: '2026-12-01T00:00:00.000Z', ...h }));
  // Our own pid under another token: a previous incarnation (a container restarted with the same pid).
  await write({ pid: process.pid, procStart: null });
  await (await DurableLog.open({ dir })).close();
  // A live process (our parent), but started at another time than the lock says: its pid was reused.
  await write({ pid: process.ppid, procStart: '1' });
  await (await DurableLog.open({ dir })).close();
  // The same live process with its real start time: held.
  const stat = await fsp.readFile(`/proc/${process.ppid}/stat`, 'utf8');
  await write({ pid: process.ppid, procStart: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] });
  await expect(DurableLog.open({ dir })).rejects.toThrow(`held by process ${process.ppid}`);
});

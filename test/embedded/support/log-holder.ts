// Test helper process: opens a durable log directory, appends N records, reports the outcome as one JSON line, then holds the log until stdin closes.
import { DurableLog } from '../../../functions/src/adapters/embedded/durable-log';

async function main(): Promise<void> {
  const [dir, count = '0'] = process.argv.slice(2);
  let log: DurableLog;
  try {
    log = await DurableLog.open({ dir: dir! });
  } catch (err) {
    const e = err as Error & { code?: unknown };
    process.stdout.write(JSON.stringify({ ok: false, pid: process.pid, name: e.name, code: e.code, message: e.message }) + '\n');
    process.exit(3);
  }
  for (let i = 0; i < Number(count); i++) await log.append(Buffer.from(`child-${process.pid}-${i}`));
  process.stdout.write(JSON.stringify({ ok: true, pid: process.pid }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => void log.close().then(() => process.exit(0)));
}

void main();

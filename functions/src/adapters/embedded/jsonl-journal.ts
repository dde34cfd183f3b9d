// Append-only JSON-lines journal: one O_APPEND write + fdatasync per append, torn tails skipped, safe for several processes.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/**
 * Appends records in one write(2) on a file opened with O_APPEND, then fdatasync: the records of concurrent appenders
 * (threads or processes) land whole, one after another, in the order the kernel serialised them. Each record is
 * written as "\n" + JSON, so a record torn by a crash never glues onto the next one; readers skip it.
 */
export async function appendRecords(file: string, records: object[]): Promise<void> {
  return appendLines(file, [Buffer.from(records.map((r) => '\n' + JSON.stringify(r)).join(''), 'utf8')]);
}

/**
 * appendRecords for records already serialised as bytes: `parts` hold whole records, each "\n" + JSON (e.g. written
 * as they came, off the JS heap); they go to the file in that order, in one write.
 */
export async function appendLines(file: string, parts: readonly Uint8Array[]): Promise<void> {
  const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  let created = false;
  try {
    await fsp.access(file);
  } catch {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    created = true;
  }
  const fh = await fsp.open(file, 'a', 0o600);
  try {
    const { bytesWritten } = await fh.write(data, 0, data.length);
    if (bytesWritten !== data.length) throw new Error(`short write to ${file}: ${bytesWritten} of ${data.length} bytes`);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  if (created) await syncDir(path.dirname(file));
}

/** Makes a new directory entry durable (a no-op where directories cannot be opened). */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    /* not supported here */
  } finally {
    await fh?.close();
  }
}

export interface JournalRead<T> {
  records: T[];
  /** Lines that are not JSON objects: a record torn by a crash (normally only the last line). */
  skipped: number;
}

/** Reads every whole record; null when the file does not exist. */
export async function readRecords<T = Record<string, unknown>>(file: string): Promise<JournalRead<T> | null> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const records: T[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) records.push(v as T);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { records, skipped };
}

// Streaming RFC 4180 CSV reader: quoted fields, doubled quotes, CRLF and newlines inside quotes; yields one record at a time.
import { StringDecoder } from 'node:string_decoder';

export type CsvSource = string | Iterable<string | Buffer> | AsyncIterable<string | Buffer>;

/** Splits one complete record (quotes balanced). */
export function parseCsvRecord(record: string): string[] {
  if (!record.includes('"')) return record.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const ch = record[i]!;
    if (quoted) {
      if (ch === '"') {
        if (record[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i !== -1; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/** Records of a CSV text or stream (header included as the first record); blank lines are dropped. */
export async function* csvRecords(source: CsvSource): AsyncGenerator<string[]> {
  const chunks: Iterable<string | Buffer> | AsyncIterable<string | Buffer> = typeof source === 'string' ? [source] : source;
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let pending: string | null = null; // a record whose quotes are not yet balanced
  let pendingQuotes = 0;
  function* take(line: string): Generator<string[]> {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (pending !== null) {
      pending += '\n' + line;
      pendingQuotes += countQuotes(line);
    } else {
      pending = line;
      pendingQuotes = countQuotes(line);
    }
    if (pendingQuotes % 2 === 0) {
      const record = pending;
      pending = null;
      if (record !== '') yield parseCsvRecord(record);
    }
  }
  for await (const chunk of chunks) {
    rest += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (let nl = rest.indexOf('\n'); nl !== -1; nl = rest.indexOf('\n', start)) {
      yield* take(rest.slice(start, nl));
      start = nl + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.end();
  if (rest !== '') yield* take(rest);
  if (pending !== null && pending !== '') yield parseCsvRecord(pending);
}

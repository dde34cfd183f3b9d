// JSON that keeps 64-bit ids exact: integers beyond 2^53 stay decimal strings; everything else parses natively.
import { parse, stringify } from 'lossless-json';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** True for an integer literal (optional minus, digits only) that a JS number cannot hold exactly. */
function isUnsafeInteger(text: string, start: number, end: number): boolean {
  const digits = end - start - (text.charCodeAt(start) === 0x2d ? 1 : 0);
  if (digits < 16) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e || c === 0x65 || c === 0x45) return false; // '.', 'e', 'E': not an integer
  }
  return !Number.isSafeInteger(Number(text.slice(start, end)));
}

/**
 * Quotes every integer literal beyond 2^53 that stands outside a string, so JSON.parse keeps its exact digits.
 * One pass over the text; the result is only ever handed to JSON.parse (invalid JSON still fails there).
 */
export function quoteUnsafeIntegers(text: string): string {
  let out: string[] | null = null;
  let last = 0;
  let inString = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) {
      inString = true;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) j++;
        else break;
      }
      if (isUnsafeInteger(text, i, j)) {
        out ??= [];
        out.push(text.slice(last, i), '"', text.slice(i, j), '"');
        last = j;
      }
      i = j - 1;
    }
  }
  if (!out) return text;
  out.push(text.slice(last));
  return out.join('');
}

/** Parses JSON text; integers that a JS number cannot hold exactly come back as decimal strings. */
export function parseExact(text: string): unknown {
  return JSON.parse(quoteUnsafeIntegers(text));
}

/** Serialises a value parsed by parseLossless without changing any number's text. */
export function stringifyLossless(value: unknown): string {
  return stringify(value) ?? 'null';
}

/** Parses with LosslessNumber values, for rewriting a payload without changing any number's text. */
export function parseLossless(text: string): unknown {
  return parse(text);
}

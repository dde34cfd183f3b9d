// JSON that keeps 64-bit ids exact: integers beyond 2^53 stay strings, everything else parses as usual.
import { parse, stringify, isSafeNumber } from 'lossless-json';

/** Parses JSON text; integers that a JS number cannot hold exactly come back as decimal strings. */
export function parseExact(text: string): unknown {
  return parse(text, null, (value: string) => (isSafeNumber(value) ? Number(value) : value));
}

/** Serialises a value parsed by parseExact; big ids (strings) are written back as JSON numbers when `bigIdKeys` says so. */
export function stringifyLossless(value: unknown): string {
  return stringify(value) ?? 'null';
}

/** Re-parses with LosslessNumber values, for rewriting a payload without changing any number's text. */
export function parseLossless(text: string): unknown {
  return parse(text);
}

// Small helpers the CLI verbs share for their flags: numbers from text, strict parsing with positionals, and a usage error that ends with the usage.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { ShopMlopsError } from '../core/errors';

/** A numeric flag's value: undefined when absent, NaN when empty or not a number (so zod reports it). */
export const numberFlag = (s: string | undefined): number | undefined => (s === undefined ? undefined : s.trim() === '' ? NaN : Number(s));

/** A BAD_REQUEST naming what is wrong with the flags, followed by the verb's usage. */
export function usageError(message: string, usage: string): ShopMlopsError {
  return new ShopMlopsError('BAD_REQUEST', `${message}\n${usage}`);
}

/** A verb's own flags and positionals (node:util parseArgs, strict); an unknown flag or a wrong count of positionals is a usage error. */
export function parseVerbArgs<O extends ParseArgsOptionsConfig>(argv: string[], options: O, usage: string, positionals: { min: number; max: number }): { values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values']; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError((err as Error).message, usage);
  }
  const n = parsed.positionals.length;
  if (n < positionals.min || n > positionals.max) throw usageError(n < positionals.min ? 'missing argument' : `unexpected argument: ${parsed.positionals[positionals.max]}`, usage);
  return { values: parsed.values, positionals: parsed.positionals };
}

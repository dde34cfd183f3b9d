// The CLI verbs' one flag parser (strict parseArgs, positional counts, zod validation, the usage on error), numbers from text, a usage error.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { z } from 'zod';
import { ShopMlopsError } from '../core/errors';
import type { CliContext } from './context';

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

/**
 * parseVerbArgs, then the verb's zod schema over the flags. On a problem the message and the usage go to stderr and
 * the result is null (the verb returns exit code 2).
 */
export function parseVerbFlags<S extends z.ZodType>(
  argv: string[],
  options: ParseArgsOptionsConfig,
  schema: S,
  usage: string,
  ctx: Pick<CliContext, 'err'>,
  positionals = { min: 0, max: 0 },
): { flags: z.output<S>; positionals: string[] } | null {
  try {
    const args = parseVerbArgs(argv, options, usage, positionals);
    const f = schema.safeParse(args.values);
    if (!f.success) throw usageError(f.error.issues[0]!.message, usage);
    return { flags: f.data, positionals: args.positionals };
  } catch (err) {
    ctx.err((err as Error).message);
    return null;
  }
}

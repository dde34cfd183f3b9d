// Small helpers the CLI verbs share for their flags: parsing + validation with the usage on error, numbers from text, a usage error.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { ShopMlopsError } from '../core/errors';
import type { CliContext } from './context';

/** A numeric flag's value: undefined when absent, NaN when empty or not a number (so zod reports it). */
export const numberFlag = (s: string | undefined): number | undefined => (s === undefined ? undefined : s.trim() === '' ? NaN : Number(s));

/** A BAD_REQUEST naming what is wrong with the flags, followed by the verb's usage. */
export function usageError(message: string, usage: string): ShopMlopsError {
  return new ShopMlopsError('BAD_REQUEST', `${message}\n${usage}`);
}

/**
 * Parses a verb's flags (node:util parseArgs, strict) and validates them with its zod schema. On a problem the message
 * and the usage go to stderr and the result is null (the verb returns exit code 2).
 */
export function parseVerbFlags<S extends z.ZodType>(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  schema: S,
  usage: string,
  ctx: Pick<CliContext, 'err'>,
  allowPositionals = false,
): { flags: z.output<S>; positionals: string[] } | null {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals, options });
  } catch (err) {
    ctx.err(`${(err as Error).message}\n${usage}`);
    return null;
  }
  const f = schema.safeParse(parsed.values);
  if (!f.success) {
    ctx.err(`${f.error.issues[0]!.message}\n${usage}`);
    return null;
  }
  return { flags: f.data, positionals: parsed.positionals };
}

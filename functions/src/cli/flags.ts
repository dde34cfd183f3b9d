// Small helpers the CLI verbs share for their flags: numbers from text, and a usage error that ends with the usage.
import { ShopMlopsError } from '../core/errors';

/** A numeric flag's value: undefined when absent, NaN when empty or not a number (so zod reports it). */
export const numberFlag = (s: string | undefined): number | undefined => (s === undefined ? undefined : s.trim() === '' ? NaN : Number(s));

/** A BAD_REQUEST naming what is wrong with the flags, followed by the verb's usage. */
export function usageError(message: string, usage: string): ShopMlopsError {
  return new ShopMlopsError('BAD_REQUEST', `${message}\n${usage}`);
}

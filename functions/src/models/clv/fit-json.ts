// ClvFit ↔ JSON text for the model registry: plain JSON (overflowed interval bounds become null and come back as Infinity), validated on read.
import { z } from 'zod';
import { ShopMlopsError } from '../../core/errors';
import { BGNBD_PARAM_NAMES } from './bgnbd';
import { GG_PARAM_NAMES } from './gamma-gamma';
import type { ClvFit } from './types';

const finite = z.number().finite();
const bound = z.union([z.number(), z.null().transform(() => Infinity)]);
const interval = z.object({ value: finite, seLog: bound, lower: bound, upper: bound, relativeWidth: bound });
const status = z.enum(['ok', 'insufficient_data']);

function submodel<const N extends readonly [string, ...string[]]>(names: N) {
  const params = z.object(Object.fromEntries(names.map((n) => [n, finite.positive()])) as Record<N[number], typeof finite>);
  return z.object({
    status,
    reasons: z.array(z.string()),
    params: params.nullable(),
    logLik: finite.nullable(),
    customers: z.number().int().min(0),
    converged: z.boolean(),
    iterations: z.number().int().min(0),
    gradMax: finite.nullable(),
    intervals: z.object(Object.fromEntries(names.map((n) => [n, interval])) as Record<N[number], typeof interval>).nullable(),
    covarianceLog: z.array(z.array(finite).length(names.length)).length(names.length).nullable(),
    paramOrder: z.array(z.string()).refine((a) => a.join() === names.join(), { message: `paramOrder must be ${names.join(',')}` }),
  });
}

const fitSchema = z.object({
  model: z.literal('bgnbd+gammagamma'),
  version: z.literal(1),
  unit: z.enum(['day', 'week']),
  status,
  reasons: z.array(z.string()),
  ciLevel: finite.gt(0).lt(1),
  maxRelativeCiWidth: finite.positive(),
  bgnbd: submodel(BGNBD_PARAM_NAMES),
  gammagamma: submodel(GG_PARAM_NAMES).nullable(),
  diagnostics: z.object({ customers: z.number().int(), repeatBuyers: z.number().int(), groups: z.number().int(), zeroValueRepeatBuyers: z.number().int(), abAtBound: z.boolean().optional() }),
});

export function clvFitToJson(fit: ClvFit): string {
  return JSON.stringify(fit);
}

/** Parses and validates a stored fit (text or an already parsed object). */
export function clvFitFromJson(input: string | unknown): ClvFit {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new ShopMlopsError('BAD_REQUEST', `CLV fit: not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  const res = fitSchema.safeParse(value);
  if (!res.success) {
    const issue = res.error.issues[0]!;
    throw new ShopMlopsError('BAD_REQUEST', `CLV fit: ${issue.path.join('.')}: ${issue.message}`);
  }
  return res.data as ClvFit;
}

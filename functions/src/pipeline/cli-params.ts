// `--param K=V` (and `--env K=V`) values of the pipeline verbs, parsed by the declared type of each pipeline parameter.
import { ShopMlopsError } from '../core/errors';
import type { AnyPipeline } from './define';
import { parseParamText, type ParamValue } from './io-spec';

/** KEY=VALUE items of a repeated flag, in order. */
export const pairs = (items: string[] | undefined, flag: string): Array<[string, string]> =>
  (items ?? []).map((s) => {
    const i = s.indexOf('=');
    if (i <= 0) throw new ShopMlopsError('BAD_REQUEST', `${flag} takes KEY=VALUE, got ${JSON.stringify(s)}`);
    return [s.slice(0, i), s.slice(i + 1)];
  });

/** `--param k=v` values, parsed by the declared type of each pipeline parameter. */
export function cliParams(p: AnyPipeline, items: string[] | undefined): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of pairs(items, '--param')) {
    const spec = p.params[k];
    if (!spec) throw new ShopMlopsError('BAD_REQUEST', `pipeline '${p.name}' has no parameter '${k}'; its parameters are ${Object.keys(p.params).join(', ') || '(none)'}`);
    out[k] = parseParamText(spec.type, v, `--param ${k}`);
  }
  return out;
}

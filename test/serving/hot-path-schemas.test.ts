// The storefront's per-request zod schemas hold no transform: in zod 4.6 a container with a transform runs its cycle memoizer, and each request's parse left ~360 B promoted to the old generation (measured), and the old generation's major GC cycles (every few seconds at 2,000 req/s) made the prediction routes' tail.
import type { z } from 'zod';
import { appProxyIdentity } from '../../functions/src/http/app-proxy-verify';
import { QUERIES } from '../../functions/src/http/prediction-routes';

type Def = { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType; options?: z.ZodType[] };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Paths of the transform and pipe nodes in a schema. */
function transformsIn(schema: z.ZodType, at = '$'): string[] {
  const d = defOf(schema);
  const here = d.type === 'transform' || d.type === 'pipe' ? [`${at} (${d.type})`] : [];
  const children: [string, z.ZodType][] = [
    ...Object.entries(d.shape ?? {}).map(([k, v]) => [`${at}.${k}`, v] as [string, z.ZodType]),
    ...(d.element ? [[`${at}[]`, d.element] as [string, z.ZodType]] : []),
    ...(d.innerType ? [[at, d.innerType] as [string, z.ZodType]] : []),
    ...(d.in ? [[at, d.in] as [string, z.ZodType]] : []),
    ...(d.out ? [[at, d.out] as [string, z.ZodType]] : []),
    ...(d.options ?? []).map((o, i) => [`${at}|${i}`, o] as [string, z.ZodType]),
  ];
  return [...here, ...children.flatMap(([p, c]) => transformsIn(c, p))];
}

test('the walk finds a transform where there is one (the check can fail)', () => {
  const { z } = require('zod') as typeof import('zod');
  expect(transformsIn(z.object({ a: z.string().nullable().transform((v) => v ?? null) }))).toEqual(['$.a (pipe)', '$.a (transform)']);
});

test('the App Proxy identity and every prediction route query schema are parsed on each request without a transform', () => {
  expect(transformsIn(appProxyIdentity)).toEqual([]);
  for (const [route, schema] of Object.entries(QUERIES)) expect([route, transformsIn(schema)]).toEqual([route, []]);
});

// Step conditions ("run register only if compare.verdict != 'lose'"): builders, local evaluation and a readable form.
import { isRef, refData, describeSource, type ParamRef, type RefSource } from './refs';

export type Scalar = string | number | boolean;
export type Operand = ParamRef<string> | ParamRef<number> | ParamRef<boolean> | Scalar;
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { readonly op: CompareOp; readonly left: Operand; readonly right: Operand }
  | { readonly op: 'and'; readonly terms: readonly Condition[] }
  | { readonly op: 'or'; readonly terms: readonly Condition[] }
  | { readonly op: 'not'; readonly term: Condition };

const cmp = (op: CompareOp) => (left: Operand, right: Operand): Condition => Object.freeze({ op, left, right });

/** Condition builders: `when.ne(compare.outputs.verdict, 'lose')`, `when.and(when.gt(eval.outputs.rows, 100), ...)`. */
export const when = {
  eq: cmp('=='),
  ne: cmp('!='),
  lt: cmp('<'),
  le: cmp('<='),
  gt: cmp('>'),
  ge: cmp('>='),
  and: (...terms: Condition[]): Condition => Object.freeze({ op: 'and' as const, terms: Object.freeze([...terms]) }),
  or: (...terms: Condition[]): Condition => Object.freeze({ op: 'or' as const, terms: Object.freeze([...terms]) }),
  not: (term: Condition): Condition => Object.freeze({ op: 'not' as const, term }),
};

/** Every reference a condition reads. */
export function conditionSources(c: Condition): RefSource[] {
  if (c.op === 'and' || c.op === 'or') return c.terms.flatMap(conditionSources);
  if (c.op === 'not') return conditionSources(c.term);
  return [c.left, c.right].filter((o): o is ParamRef<Scalar> => isRef(o)).map((r) => refData(r).source);
}

const operandText = (o: Operand): string => (isRef(o) ? describeSource(refData(o).source) : typeof o === 'string' ? `'${o.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(o));

/** A readable, canonical form: also the identity of a condition group when compiling. */
export function describeCondition(c: Condition): string {
  if (c.op === 'and' || c.op === 'or') return c.terms.map((t) => `(${describeCondition(t)})`).join(c.op === 'and' ? ' && ' : ' || ');
  if (c.op === 'not') return `!(${describeCondition(c.term)})`;
  return `${operandText(c.left)} ${c.op} ${operandText(c.right)}`;
}

/** Evaluates a condition given the value of each reference. */
export function evaluateCondition(c: Condition, valueOf: (s: RefSource) => unknown): boolean {
  if (c.op === 'and') return c.terms.every((t) => evaluateCondition(t, valueOf));
  if (c.op === 'or') return c.terms.some((t) => evaluateCondition(t, valueOf));
  if (c.op === 'not') return !evaluateCondition(c.term, valueOf);
  const l = isRef(c.left) ? valueOf(refData(c.left).source) : c.left;
  const r = isRef(c.right) ? valueOf(refData(c.right).source) : c.right;
  switch (c.op) {
    case '==': return l === r;
    case '!=': return l !== r;
    case '<': return (l as number) < (r as number);
    case '<=': return (l as number) <= (r as number);
    case '>': return (l as number) > (r as number);
    case '>=': return (l as number) >= (r as number);
  }
}

/** The values a condition read, for the "condition not met" reason. */
export function conditionValues(c: Condition, valueOf: (s: RefSource) => unknown): string {
  const seen = new Map<string, unknown>();
  for (const s of conditionSources(c)) seen.set(describeSource(s), valueOf(s));
  return [...seen].map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', ');
}

// Just enough GraphQL reading for the Admin contract server: the root fields of an operation (alias, name, arguments as variable references or literals).
export interface RootField {
  alias: string;
  name: string;
  /** Argument → `$variable` name or literal text. */
  args: Record<string, { variable: string } | { literal: string }>;
}

/** Root fields of the first operation of `doc` (fragments and directives are not needed by the contract). */
export function rootFields(doc: string): RootField[] {
  const src = doc.replace(/#[^\n]*/g, '');
  let i = src.indexOf('{');
  if (i < 0) return [];
  // Skip the operation's variable definitions: the first '{' after the last ')' of the header is the selection set.
  const header = src.slice(0, i);
  if (header.includes('(') && !header.includes(')')) i = src.indexOf('{', src.indexOf(')'));
  const out: RootField[] = [];
  let p = i + 1;
  const ws = () => {
    while (p < src.length && /[\s,]/.test(src[p]!)) p++;
  };
  const ident = () => {
    ws();
    const m = /^[_A-Za-z][_0-9A-Za-z]*/.exec(src.slice(p));
    if (!m) return null;
    p += m[0].length;
    return m[0];
  };
  const skipBlock = (open: string, close: string) => {
    let depth = 0;
    do {
      if (src[p] === open) depth++;
      else if (src[p] === close) depth--;
      else if (src[p] === '"') {
        p++;
        while (p < src.length && src[p] !== '"') p += src[p] === '\\' ? 2 : 1;
      }
      p++;
    } while (depth > 0 && p < src.length);
  };
  for (;;) {
    ws();
    if (p >= src.length || src[p] === '}') break;
    const first = ident();
    if (!first) break;
    ws();
    const alias = first;
    let name = first;
    if (src[p] === ':') {
      p++;
      name = ident() ?? first;
    }
    ws();
    const args: RootField['args'] = {};
    if (src[p] === '(') {
      const start = p;
      skipBlock('(', ')');
      const text = src.slice(start + 1, p - 1);
      for (const m of text.matchAll(/([_A-Za-z][_0-9A-Za-z]*)\s*:\s*(\$[_A-Za-z][_0-9A-Za-z]*|"[^"]*"|[^,\s)]+)/g)) args[m[1]!] = m[2]!.startsWith('$') ? { variable: m[2]!.slice(1) } : { literal: m[2]!.replace(/^"|"$/g, '') };
    }
    ws();
    if (src[p] === '{') skipBlock('{', '}');
    out.push({ alias, name, args });
  }
  return out;
}

/** An argument's value: the variable's value, or the literal's text. */
export function argValue(f: RootField, name: string, variables: Record<string, unknown>): unknown {
  const a = f.args[name];
  if (!a) return undefined;
  return 'variable' in a ? variables[a.variable] : a.literal;
}

// Pure planning: compiled graph → actions in dependency order with the DuckDB statements each one runs.
import { ShopMlopsError } from '../core/errors';
import { targetKey, type CompiledGraph, type Target } from './compiled-graph';

export type ActionKind = 'table' | 'view' | 'incremental' | 'operation' | 'assertion';

export interface PlannedAction {
  key: string;
  kind: ActionKind;
  target: Target;
  fileName?: string;
  /** Actions (keys) this one needs; it is skipped when any of them failed. */
  dependsOn: string[];
  /** For assertions: the action whose rows it checks (its failure stops that action's dependents). */
  checks?: string;
  /** For scoped assertions: the incremental tables (keys) whose new rows `scoped` reads; all must have been built incrementally this run. */
  scopedOn?: string[];
  /** Statements for a build from scratch (or the only ones, for views, operations and assertions). */
  full: string[];
  /** Statements when the incremental table already exists and no full refresh was asked for. */
  incremental?: string[];
  /** Incremental tables: the full build's SELECT, whose columns the runner compares with the existing table's. */
  query?: string;
  /** Incremental tables: the temp table holding the rows an incremental run wrote (kept until the run ends). */
  newRows?: string;
  /**
   * Built-in assertions (uniqueKey, rowConditions, nonNull) of an incremental table: the same check over the rows this
   * run wrote, for runs that built the table incrementally after a run whose check passed. A row condition can only
   * fail on a written row; a duplicate key can only involve one (rows whose key appears among them are all checked).
   * Standalone assertions: the relations marked by scope.changed_rows / scope.written_rows (dataform/includes/scope.js)
   * narrowed the same way.
   */
  scoped?: string;
  /**
   * Built-in unique-key checks: the checked table and its key columns. When the bounding box of the new rows' keys is
   * selective (a snapshot's rows), the runner checks every key group inside it instead (key-box.ts).
   */
  keyBox?: { table: string; keys: string[] };
}

/**
 * The rows of `table` whose `keys` equal (NULL-safe) those of a row of `written`. An explicit SEMI JOIN: DuckDB plans a
 * correlated EXISTS as a delim join over the whole table.
 */
function rowsMatchingKeys(table: string, written: string, keys: string[]): string {
  const match = keys.map((k) => `_n."${k}" IS NOT DISTINCT FROM _t."${k}"`).join(' AND ');
  return `(SELECT _t.* FROM ${table} AS _t SEMI JOIN ${written} AS _n ON ${match})`;
}

/** The temp table an incremental run of `t` leaves its new rows in. */
export function newRowsTable(t: Target): string {
  return `"__new_${t.schema}__${t.name}"`;
}

/**
 * The scoped form of a Dataform built-in assertion of table `t` (see PlannedAction.scoped), or undefined when the
 * query is not one of the shapes Dataform generates (then the full check runs).
 */
export function scopedAssertion(assertionName: string, sql: string, t: Target): { sql: string; keys?: string[] } | undefined {
  const table = name(t);
  const prefix = `${t.schema}_${t.name}_assertions_`;
  if (!assertionName.startsWith(prefix) || !sql.includes(table)) return undefined;
  const kind = assertionName.slice(prefix.length);
  if (kind === 'rowConditions') return { sql: sql.split(table).join(newRowsTable(t)) };
  if (/^uniqueKey_\d+$/.test(kind)) {
    const m = /GROUP BY ([A-Za-z_][A-Za-z0-9_]*(?:, [A-Za-z_][A-Za-z0-9_]*)*)\s*\)\s*AS data/.exec(sql);
    if (!m || sql.split(table).length !== 2) return undefined;
    const keys = m[1]!.split(', ');
    return { sql: sql.replace(table, rowsMatchingKeys(table, newRowsTable(t), keys)), keys };
  }
  return undefined;
}

/** The markers dataform/includes/scope.js writes around a relation in DuckDB compilations (changed_rows, written_rows). */
const SCOPE_MARKER = /\(SELECT \* FROM ("([^"]+)"\."([^"]+)") \/\* shop-mlops:(?:changed-rows keys=([a-z0-9_,]+) also=((?:"[^"]+"\."[^"]+" ?)*)|written-rows) \*\/\)/g;

/**
 * The scoped form of a standalone assertion using scope.changed_rows or scope.written_rows: each changed_rows relation
 * becomes the rows whose keys match a row this run wrote to it or to its `also` tables, each written_rows relation the
 * rows this run wrote to it; undefined when the assertion has no marker.
 */
export function scopedMarkedRelations(sql: string): { sql: string; tables: string[] } | undefined {
  const tables = new Set<string>();
  let found = false;
  const scoped = sql.replace(SCOPE_MARKER, (_m, table: string, schema: string, tableName: string, keyList: string | undefined, alsoList: string | undefined) => {
    found = true;
    if (keyList === undefined) {
      tables.add(targetKey({ schema, name: tableName }));
      return `(SELECT * FROM ${newRowsTable({ schema, name: tableName })})`;
    }
    const keys = keyList.split(',');
    const sources: Target[] = [{ schema, name: tableName }, ...[...(alsoList ?? '').matchAll(/"([^"]+)"\."([^"]+)"/g)].map((m) => ({ schema: m[1]!, name: m[2]! }))];
    for (const t of sources) tables.add(targetKey(t));
    const written = sources.map((t) => `SELECT ${keys.map((k) => `"${k}"`).join(', ')} FROM ${newRowsTable(t)}`).join(' UNION ALL ');
    return rowsMatchingKeys(table, `(${written})`, keys);
  });
  return found ? { sql: scoped, tables: [...tables] } : undefined;
}

/** BigQuery-style `project.dataset.table` (or `dataset.table`) names → DuckDB "schema"."table". */
export function toDuckdbNames(sql: string): string {
  return sql.replace(/`([^`.\s]+)\.([^`.\s]+)\.([^`.\s]+)`/g, '"$2"."$3"').replace(/`([^`.\s]+)\.([^`.\s]+)`/g, '"$1"."$2"');
}

const name = (t: Target) => `"${t.schema}"."${t.name}"`;
const body = (sql: string) => toDuckdbNames(sql).trim().replace(/;\s*$/, '');

/** Orders actions so every dependency comes first; a cycle or a missing dependency is an error naming it. */
function topoSort(actions: PlannedAction[], declared: Set<string>): PlannedAction[] {
  const byKey = new Map(actions.map((a) => [a.key, a]));
  const out: PlannedAction[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (a: PlannedAction, path: string[]) => {
    if (state.get(a.key) === 'done') return;
    if (state.get(a.key) === 'visiting') throw new ShopMlopsError('UNPROCESSABLE', `dependency cycle: ${[...path, a.key].join(' → ')}`);
    state.set(a.key, 'visiting');
    for (const d of a.dependsOn) {
      const dep = byKey.get(d);
      if (dep) visit(dep, [...path, a.key]);
      else if (!declared.has(d)) throw new ShopMlopsError('UNPROCESSABLE', `${a.key} depends on ${d}, which no action or declaration defines`);
    }
    state.set(a.key, 'done');
    out.push(a);
  };
  for (const a of [...actions].sort((x, y) => x.key.localeCompare(y.key))) visit(a, []);
  return out;
}

/** Which actions a run selects by their Dataform tags (`config { tags: [...] }`; built-in assertions inherit their table's). */
export interface TagFilter {
  /** Only actions with at least one of these tags (every action when absent or empty). */
  include?: readonly string[];
  /** No action with any of these tags. */
  exclude?: readonly string[];
}

export function selectedByTags(tags: readonly string[] | undefined, f: TagFilter): boolean {
  const own = tags ?? [];
  if (f.include?.length && !own.some((t) => f.include!.includes(t))) return false;
  return !own.some((t) => f.exclude?.includes(t));
}

/**
 * The actions of the graph a run executes, in dependency order. With a tag filter, an action left out counts as built
 * already (like a declaration): a run of the monitoring actions reads the staging tables the features run built.
 */
export function planDuckdb(graph: CompiledGraph, tags: TagFilter = {}): PlannedAction[] {
  const declared = new Set(graph.declarations.map((d) => targetKey(d.target)));
  const chosen = <T extends { disabled?: boolean | undefined; tags?: string[] | undefined; target: Target }>(a: T): boolean => {
    if (a.disabled) return false;
    if (selectedByTags(a.tags, tags)) return true;
    declared.add(targetKey(a.target));
    return false;
  };
  const actions: PlannedAction[] = [];
  for (const t of graph.tables) {
    if (!chosen(t)) continue;
    const kind: ActionKind = t.type ?? (t.enumType === 'VIEW' ? 'view' : t.enumType === 'INCREMENTAL' ? 'incremental' : 'table');
    const schema = `CREATE SCHEMA IF NOT EXISTS "${t.target.schema}"`;
    const pre = t.preOps.map(body);
    const post = t.postOps.map(body);
    const a: PlannedAction = {
      key: targetKey(t.target),
      kind,
      target: t.target,
      ...(t.fileName ? { fileName: t.fileName } : {}),
      dependsOn: t.dependencyTargets.map(targetKey),
      full:
        kind === 'view'
          ? [schema, ...pre, `CREATE OR REPLACE VIEW ${name(t.target)} AS ${body(t.query)}`, ...post]
          : [schema, ...pre, `CREATE OR REPLACE TABLE ${name(t.target)} AS ${body(t.query)}`, ...post],
    };
    if (kind === 'incremental') {
      const inc = body(t.incrementalQuery ?? t.query);
      const keys = t.uniqueKey ?? [];
      const fresh = newRowsTable(t.target);
      a.newRows = fresh;
      a.query = body(t.query);
      a.incremental = [
        schema,
        ...t.incrementalPreOps.map(body),
        `CREATE OR REPLACE TEMP TABLE ${fresh} AS ${inc}`,
        ...(keys.length ? [`DELETE FROM ${name(t.target)} AS t USING ${fresh} AS i WHERE ${keys.map((k) => `t."${k}" IS NOT DISTINCT FROM i."${k}"`).join(' AND ')}`] : []),
        `INSERT INTO ${name(t.target)} BY NAME SELECT * FROM ${fresh}`,
        ...t.incrementalPostOps.map(body),
      ];
    }
    actions.push(a);
  }
  for (const o of graph.operations) {
    if (!chosen(o)) continue;
    actions.push({ key: targetKey(o.target), kind: 'operation', target: o.target, ...(o.fileName ? { fileName: o.fileName } : {}), dependsOn: o.dependencyTargets.map(targetKey), full: o.queries.map(body) });
  }
  for (const s of graph.assertions) {
    if (!chosen(s)) continue;
    const parent = s.parentAction ? targetKey(s.parentAction) : s.dependencyTargets[0] ? targetKey(s.dependencyTargets[0]) : undefined;
    const parentTable = parent ? graph.tables.find((t) => targetKey(t.target) === parent && (t.type === 'incremental' || t.enumType === 'INCREMENTAL')) : undefined;
    const builtIn = parentTable ? scopedAssertion(s.target.name, body(s.query), parentTable.target) : undefined;
    const marked = builtIn ? undefined : scopedMarkedRelations(body(s.query));
    const scoped = builtIn?.sql ?? marked?.sql;
    const scopedOn = builtIn ? [parent!] : marked?.tables;
    const notIncremental = marked?.tables.find((k) => !graph.tables.some((t) => targetKey(t.target) === k && (t.type === 'incremental' || t.enumType === 'INCREMENTAL')));
    if (notIncremental) throw new ShopMlopsError('UNPROCESSABLE', `${targetKey(s.target)}: scope.changed_rows/written_rows reads ${notIncremental}, which is not an incremental table (only those record the rows a run wrote)`);
    actions.push({
      key: targetKey(s.target),
      kind: 'assertion',
      target: s.target,
      ...(s.fileName ? { fileName: s.fileName } : {}),
      dependsOn: s.dependencyTargets.map(targetKey),
      ...(parent ? { checks: parent } : {}),
      full: [body(s.query)],
      ...(scoped && scopedOn ? { scoped, scopedOn } : {}),
      ...(builtIn?.keys && parentTable ? { keyBox: { table: name(parentTable.target), keys: builtIn.keys } } : {}),
    });
  }
  // Assertions run right after what they check: an action that depends on a checked table also waits for its assertions.
  const assertionsOf = new Map<string, string[]>();
  for (const a of actions) if (a.kind === 'assertion' && a.checks) assertionsOf.set(a.checks, [...(assertionsOf.get(a.checks) ?? []), a.key]);
  for (const a of actions) {
    if (a.kind === 'assertion') continue;
    const gates = a.dependsOn.flatMap((d) => assertionsOf.get(d) ?? []);
    a.dependsOn = [...new Set([...a.dependsOn, ...gates])];
  }
  return topoSort(actions, declared);
}

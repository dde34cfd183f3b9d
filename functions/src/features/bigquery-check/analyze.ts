// Analyses every compiled BigQuery statement of a Dataform graph with ZetaSQL, in dependency order, against raw + upstream schemas.
import type { RegisterCatalogRequest } from '@fivetrandevelopers/zetasql/lib/types/zetasql/local_service/RegisterCatalogRequest';
import type { AnalyzeRequest } from '@fivetrandevelopers/zetasql';
import { RAW_TABLES } from '../../core/raw-schema';
import { targetKey, type CompiledGraph, type Target } from '../compiled-graph';
import { PREDICTION_LOG_COLUMNS, PREDICTION_LOG_TABLE } from '../../serving/prediction-log-table';
import { PREDICTIONS_DATASET } from '../../serving/prediction-tables';
import { Catalog, cleanType, rawColumnType, scalarColumnType, typeName, unstorablePart, type CatalogColumn, type CatalogTable } from './catalog';
import { zetasqlServer, stopZetaSqlServer, type ZetaSqlServer } from './server';

export type AnalysedKind = 'declaration' | 'table' | 'view' | 'incremental' | 'operation' | 'assertion';

export interface ActionAnalysis {
  /** `dataset.name` of the action's target. */
  action: string;
  kind: AnalysedKind;
  fileName?: string;
  ok: boolean;
  /** Which statement failed (query, incrementalQuery, preOps[0], ...), the analyzer's message, and the offending line. */
  error?: string;
  /** Resolved output columns of tables, views, incremental tables, declarations and assertion views. */
  outputColumns?: { name: string; type: string }[];
}

export interface AnalyzeBigQueryOptions {
  /** Dataset of the raw landing tables (RAW_TABLES); default shop_raw. */
  rawDataset?: string;
  /** More tables that exist in BigQuery without being built by the graph. */
  extraTables?: CatalogTable[];
  /** Default time zone of the analyzer (BigQuery's is UTC). */
  defaultTimezone?: string;
  /** Stop the analyzer server when done (default false: it is reused; call stopBigQueryAnalyzer()). */
  stopServer?: boolean;
  /** The catalog to fill (default a new one): afterwards it holds every table the graph builds, with its resolved columns. */
  catalog?: Catalog;
}

export { stopZetaSqlServer as stopBigQueryAnalyzer };

/** An analyzer rejection (INVALID_ARGUMENT): the statement is wrong, not the check. */
class Rejected extends Error {}

interface Step {
  key: string;
  kind: Exclude<AnalysedKind, 'declaration'>;
  target: Target;
  fileName?: string;
  dependsOn: string[];
  run: () => Promise<CatalogColumn[] | undefined>;
}

const GRPC_INVALID_ARGUMENT = 3;
const quoted = (t: Target) => `\`${t.database ? `${t.database}.` : ''}${t.schema}.${t.name}\``;
const stripTrailingSemicolon = (sql: string) => sql.replace(/;\s*$/, '');
/** Whether SQL text holds anything but whitespace, comments and semicolons. */
const hasStatement = (sql: string) => /[^\s;]/.test(sql.replace(/--[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\//g, ''));

/**
 * `[at L:C]` of the analyzer (in the statement we built) → the line and column in the action's own SQL
 * (which starts at `offset` of the statement), plus that line, so the analyst sees where to look.
 */
function locate(message: string, statement: string, offset: number, source: string): string {
  const m = / \[at (\d+):(\d+)\]$/.exec(message);
  if (!m) return message;
  const lines = statement.split('\n');
  let pos = 0;
  for (let i = 0; i < Number(m[1]) - 1; i++) pos += (lines[i]?.length ?? 0) + 1;
  pos += Number(m[2]) - 1 - offset;
  if (pos < 0 || pos > source.length) return `${message.slice(0, m.index)} (in the statement Dataform wraps around it)`;
  const before = source.slice(0, pos).split('\n');
  const line = before.length;
  const col = (before[before.length - 1]?.length ?? 0) + 1;
  const text = source.split('\n')[line - 1] ?? '';
  return `${message.slice(0, m.index)} [at ${line}:${col}]\n    ${line} | ${text.trim()}`;
}

class Analyzer {
  private registeredId: unknown;
  private registeredRevision = -1;

  constructor(
    private readonly zs: ZetaSqlServer,
    private readonly catalog: Catalog,
    private readonly timezone: string,
  ) {}

  private async ensureRegistered(): Promise<void> {
    if (this.registeredRevision === this.catalog.revision) return;
    await this.unregister();
    const req: RegisterCatalogRequest = { simpleCatalog: this.catalog.toProto('bigquery', this.zs.languageOptions) };
    const res = await this.zs.client.registerCatalog(req);
    this.registeredId = res?.registeredId;
    this.registeredRevision = this.catalog.revision;
  }

  async unregister(): Promise<void> {
    if (this.registeredId === undefined) return;
    const id = this.registeredId;
    this.registeredId = undefined;
    this.registeredRevision = -1;
    await this.zs.client.unRegisterCatalog({ registeredId: id as number }).catch(() => undefined);
  }

  private async call(req: AnalyzeRequest) {
    await this.ensureRegistered();
    try {
      const res = await this.zs.client.analyze({
        ...req,
        registeredCatalogId: this.registeredId as number,
        options: { languageOptions: this.zs.languageOptions, errorMessageMode: 'ERROR_MESSAGE_ONE_LINE', defaultTimezone: this.timezone },
      });
      if (!res) throw new Error('the analyzer returned nothing');
      return res;
    } catch (e) {
      const err = e as { code?: number; details?: string; message?: string };
      if (err.code === GRPC_INVALID_ARGUMENT) throw new Rejected(err.details ?? err.message ?? String(e));
      throw e;
    }
  }

  /** One statement wrapping `source` at `offset`; returns the resolved statement. */
  async statement(label: string, statement: string, offset: number, source: string): Promise<unknown> {
    try {
      return (await this.call({ sqlStatement: statement })).resolvedStatement;
    } catch (e) {
      if (e instanceof Rejected) throw new Rejected(`${label}: ${locate(e.message, statement, offset, source)}`);
      throw e;
    }
  }

  /**
   * A script of `;`-separated statements (operations, pre/post operations), resolved in turn; `after` sees
   * each resolved statement before the next one is analysed (so a table it creates is visible to the rest).
   */
  async script(label: string, sql: string, after: (resolved: unknown) => void): Promise<void> {
    let pos = 0;
    while (hasStatement(sql.slice(pos))) {
      try {
        const res = await this.call({ parseResumeLocation: { input: sql, bytePosition: pos, allowResume: true } });
        after(res.resolvedStatement);
        if (res.resumeBytePosition <= pos) break;
        pos = res.resumeBytePosition;
      } catch (e) {
        if (e instanceof Rejected) throw new Rejected(`${label}: ${locate(e.message, sql, 0, sql)}`);
        throw e;
      }
    }
  }
}

/** Depth-first search of a resolved AST (proto-loader JSON) for the first value under `key`. */
function findFirst(node: unknown, key: string): unknown {
  if (!node || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const x of node) {
      const r = findFirst(x, key);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  const o = node as Record<string, unknown>;
  if (o[key] !== undefined && o[key] !== null) return o[key];
  for (const v of Object.values(o)) {
    const r = findFirst(v, key);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** The columns a CREATE TABLE / VIEW statement defines (its columnDefinitionList), checked for BigQuery storability. */
function createdColumns(resolved: unknown, label: string): CatalogColumn[] {
  const defs = findFirst(resolved, 'columnDefinitionList') as { name?: string; type?: unknown }[] | undefined;
  if (!defs) throw new Rejected(`${label}: the analyzer resolved no column list`);
  const cols = defs.map((d) => ({ name: d.name ?? '', type: cleanType(d.type) }));
  for (const c of cols) {
    const bad = unstorablePart(c.type);
    if (bad) throw new Rejected(`${label}: column ${c.name} has type ${typeName(c.type)}; BigQuery cannot store ${bad} in a table`);
  }
  return cols;
}

/** The table a resolved CREATE statement creates (namePath), if it is one. */
function createdName(resolved: unknown): string[] | undefined {
  if (!resolved || typeof resolved !== 'object' || !('resolvedCreateStatementNode' in resolved)) return undefined;
  const path = findFirst(resolved, 'namePath') as string[] | undefined;
  return path?.length ? path : undefined;
}

/** `a.b.c` in one or several identifiers → {project?, dataset, name}. */
function splitName(path: string[]): { project?: string; dataset: string; name: string } | undefined {
  const parts = path.flatMap((p) => p.split('.'));
  const name = parts.pop();
  const dataset = parts.pop();
  if (!name || !dataset) return undefined;
  const project = parts.join('.');
  return project ? { project, dataset, name } : { dataset, name };
}

/** Orders steps so dependencies come first; steps in a cycle are reported, not analysed. */
function order(steps: Step[]): { ordered: Step[]; cyclic: Map<string, string> } {
  const byKey = new Map(steps.map((s) => [s.key, s]));
  const ordered: Step[] = [];
  const cyclic = new Map<string, string>();
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: Step, path: string[]) => {
    if (state.get(s.key) === 'done') return;
    if (state.get(s.key) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(s.key)), s.key].join(' → ');
      for (const k of path.slice(path.indexOf(s.key))) cyclic.set(k, `dependency cycle: ${cycle}`);
      return;
    }
    state.set(s.key, 'visiting');
    for (const d of s.dependsOn) {
      const dep = byKey.get(d);
      if (dep) visit(dep, [...path, s.key]);
    }
    state.set(s.key, 'done');
    ordered.push(s);
  };
  for (const s of [...steps].sort((a, b) => a.key.localeCompare(b.key))) visit(s, []);
  return { ordered, cyclic };
}

/**
 * Analyses the compiled BigQuery graph: declarations resolve to RAW_TABLES, the prediction log (or extraTables); every table,
 * view and incremental table is analysed as the `create or replace` Dataform runs (so unnamed or duplicate
 * columns fail too), incremental tables also as their MERGE / INSERT over the table's own columns; then the
 * resolved columns join the catalog for downstream actions. Operations and pre/post operations are analysed
 * statement by statement (a CREATE TABLE / VIEW in them registers its table); assertions as the view Dataform
 * creates. An action whose upstream failed is reported as not analysed.
 */
export async function analyzeBigQueryGraph(graph: CompiledGraph, opts: AnalyzeBigQueryOptions = {}): Promise<ActionAnalysis[]> {
  const rawDataset = opts.rawDataset ?? 'shop_raw';
  const catalog = opts.catalog ?? new Catalog();
  const results: ActionAnalysis[] = [];
  const failed = new Set<string>();

  // Raw landing tables, under every project the graph names (Dataform fills target.database).
  const projects = new Set<string | undefined>([undefined]);
  for (const a of [...graph.tables, ...graph.operations, ...graph.assertions, ...graph.declarations]) projects.add(a.target.database);
  for (const project of projects) {
    for (const [name, cols] of Object.entries(RAW_TABLES)) {
      catalog.set({ ...(project ? { project } : {}), dataset: rawDataset, name, columns: cols.map((c) => ({ name: c.name, type: rawColumnType(c.type) })) });
    }
    // The prediction log: landed by the serving path (Pub/Sub → BigQuery), declared by the monitoring actions.
    catalog.set({ ...(project ? { project } : {}), dataset: PREDICTIONS_DATASET, name: PREDICTION_LOG_TABLE, columns: PREDICTION_LOG_COLUMNS.map((c) => ({ name: c.name, type: scalarColumnType(c.type) })) });
    for (const t of opts.extraTables ?? []) catalog.set({ ...t, ...(t.project ?? project ? { project: t.project ?? project } : {}) });
  }
  for (const d of graph.declarations) {
    const known = catalog.get(d.target.schema, d.target.name);
    const r: ActionAnalysis = { action: targetKey(d.target), kind: 'declaration', ok: !!known };
    if (known) r.outputColumns = known.columns.map((c) => ({ name: c.name, type: typeName(c.type) }));
    else {
      r.error = `declared table ${targetKey(d.target)} has no known schema (raw tables come from RAW_TABLES; pass others as extraTables)`;
      failed.add(r.action);
    }
    results.push(r);
  }

  const zs = await zetasqlServer();
  const an = new Analyzer(zs, catalog, opts.defaultTimezone ?? 'UTC');
  const publish = (t: Target, columns: CatalogColumn[]) =>
    catalog.set({ ...(t.database ? { project: t.database } : {}), dataset: t.schema, name: t.name, columns });
  const scripts = async (label: string, list: string[]) => {
    for (const [i, sql] of list.entries()) {
      await an.script(`${label}[${i}]`, sql, (resolved) => {
        const name = createdName(resolved);
        const parts = name && splitName(name);
        if (parts && findFirst(resolved, 'columnDefinitionList')) catalog.set({ ...parts, columns: createdColumns(resolved, `${label}[${i}]`) });
      });
    }
  };

  const steps: Step[] = [];
  for (const t of graph.tables) {
    const kind = t.type ?? (t.enumType === 'VIEW' ? 'view' : t.enumType === 'INCREMENTAL' ? 'incremental' : 'table');
    steps.push({
      key: targetKey(t.target),
      kind,
      target: t.target,
      ...(t.fileName ? { fileName: t.fileName } : {}),
      dependsOn: t.dependencyTargets.map(targetKey),
      run: async () => {
        await scripts('preOps', t.preOps);
        const query = stripTrailingSemicolon(t.query);
        const head = `create or replace ${kind === 'view' ? 'view' : 'table'} ${quoted(t.target)} as `;
        const columns = createdColumns(await an.statement('query', head + query, head.length, query), 'query');
        publish(t.target, columns);
        await scripts('postOps', t.postOps);
        if (kind === 'incremental') {
          await scripts('incrementalPreOps', t.incrementalPreOps);
          // Dataform's BigQuery incremental DML over the existing table's columns (MERGE with a uniqueKey, else INSERT).
          const inc = stripTrailingSemicolon(t.incrementalQuery ?? t.query);
          const cols = columns.map((c) => `\`${c.name}\``);
          const keys = t.uniqueKey ?? [];
          const [before, after] = keys.length
            ? [
                `\nmerge ${quoted(t.target)} DATAFORM_DEST\nusing (`,
                `\n) DATAFORM_SOURCE\non ${keys.map((k) => `DATAFORM_DEST.${k} = DATAFORM_SOURCE.${k}`).join(' and ')}\nwhen matched then\n  update set ${columns.map((c) => `\`${c.name}\` = DATAFORM_SOURCE.${c.name}`).join(',')}\nwhen not matched then\n  insert (${cols.join(',')}) values (${cols.join(',')})`,
              ]
            : [`\ninsert into ${quoted(t.target)}\n(${cols.join(',')})\nselect ${cols.join(',')}\nfrom (`, `) as insertions`];
          await an.statement('incrementalQuery', before + inc + after, before.length, inc);
          await scripts('incrementalPostOps', t.incrementalPostOps);
        }
        return columns;
      },
    });
  }
  for (const o of graph.operations) {
    steps.push({
      key: targetKey(o.target),
      kind: 'operation',
      target: o.target,
      ...(o.fileName ? { fileName: o.fileName } : {}),
      dependsOn: o.dependencyTargets.map(targetKey),
      run: async () => {
        await scripts('queries', o.queries);
        const made = catalog.get(o.target.schema, o.target.name);
        if (o.hasOutput && !made) throw new Rejected(`operation declares hasOutput but none of its statements creates ${quoted(o.target)} (downstream actions cannot be checked)`);
        return o.hasOutput ? made?.columns : undefined;
      },
    });
  }
  for (const a of graph.assertions) {
    steps.push({
      key: targetKey(a.target),
      kind: 'assertion',
      target: a.target,
      ...(a.fileName ? { fileName: a.fileName } : {}),
      dependsOn: [...new Set([...a.dependencyTargets.map(targetKey), ...(a.parentAction ? [targetKey(a.parentAction)] : [])])],
      run: async () => {
        const query = stripTrailingSemicolon(a.query);
        const head = `\n      create or replace view ${quoted(a.target)} as `;
        const columns = createdColumns(await an.statement('query', head + query, head.length, query), 'query');
        publish(a.target, columns);
        return columns;
      },
    });
  }

  const { ordered, cyclic } = order(steps);
  try {
    for (const s of [...steps.filter((x) => cyclic.has(x.key)), ...ordered.filter((x) => !cyclic.has(x.key))]) {
      const r: ActionAnalysis = { action: s.key, kind: s.kind, ...(s.fileName ? { fileName: s.fileName } : {}), ok: false };
      results.push(r);
      const cycle = cyclic.get(s.key);
      const upstream = s.dependsOn.filter((d) => failed.has(d) || cyclic.has(d));
      if (cycle || upstream.length) {
        r.error = cycle ?? `not analysed: it depends on ${upstream.join(', ')}, which failed`;
        failed.add(s.key);
        continue;
      }
      try {
        const cols = await s.run();
        r.ok = true;
        if (cols) r.outputColumns = cols.map((c) => ({ name: c.name, type: typeName(c.type) }));
      } catch (e) {
        if (!(e instanceof Rejected)) throw e;
        r.error = e.message;
        failed.add(s.key);
      }
    }
  } finally {
    await an.unregister();
    if (opts.stopServer) await stopZetaSqlServer();
  }
  return results;
}

/** One line per failed action, for test and CLI messages. */
export function formatAnalysisFailures(results: ActionAnalysis[]): string {
  return results
    .filter((r) => !r.ok)
    .map((r) => `✗ ${r.action} (${r.kind}${r.fileName ? `, ${r.fileName}` : ''}): ${r.error ?? 'failed'}`)
    .join('\n');
}

// The analyzer's catalog: tables by BigQuery name (`project.dataset.table`, `dataset.table`, nested paths) and ZetaSQL ⇄ BigQuery types.
import type { SimpleCatalogProto } from '@fivetrandevelopers/zetasql/lib/types/zetasql/SimpleCatalogProto';
import type { SimpleColumnProto } from '@fivetrandevelopers/zetasql/lib/types/zetasql/SimpleColumnProto';
import type { SimpleTableProto } from '@fivetrandevelopers/zetasql/lib/types/zetasql/SimpleTableProto';
import type { LanguageOptionsProto } from '@fivetrandevelopers/zetasql/lib/types/zetasql/LanguageOptionsProto';
import type { ColumnType } from '../../core/raw-schema';

/** The subset of ZetaSQL's TypeProto the catalog carries (what BigQuery column types need). */
export interface ZType {
  typeKind: number | string;
  arrayType?: { elementType: ZType };
  structType?: { field: { fieldName: string; fieldType: ZType }[] };
  rangeType?: { elementType: ZType };
}

export interface CatalogColumn {
  name: string;
  type: ZType;
}

export interface CatalogTable {
  /** BigQuery project (Dataform `database`), when known. */
  project?: string;
  dataset: string;
  name: string;
  columns: CatalogColumn[];
}

/** ZetaSQL TypeKind numbers (zetasql/public/type.proto) → BigQuery spelling; null for types BigQuery tables cannot hold. */
const KIND_NAMES: Record<number, string> = {
  1: 'INT32', 2: 'INT64', 3: 'UINT32', 4: 'UINT64', 5: 'BOOL', 6: 'FLOAT', 7: 'FLOAT64', 8: 'STRING', 9: 'BYTES', 10: 'DATE',
  15: 'ENUM', 16: 'ARRAY', 17: 'STRUCT', 18: 'PROTO', 19: 'TIMESTAMP', 20: 'TIME', 21: 'DATETIME', 22: 'GEOGRAPHY',
  23: 'NUMERIC', 24: 'BIGNUMERIC', 25: 'EXTENDED', 26: 'JSON', 27: 'INTERVAL', 29: 'RANGE',
};
const KIND_BY_NAME: Record<string, number> = Object.fromEntries(Object.entries(KIND_NAMES).map(([k, v]) => [`TYPE_${v === 'FLOAT64' ? 'DOUBLE' : v}`, Number(k)]));
/** Column types a BigQuery table can store. */
const BIGQUERY_STORABLE = new Set(['INT64', 'BOOL', 'FLOAT64', 'STRING', 'BYTES', 'DATE', 'TIMESTAMP', 'TIME', 'DATETIME', 'GEOGRAPHY', 'NUMERIC', 'BIGNUMERIC', 'JSON', 'INTERVAL', 'ARRAY', 'STRUCT', 'RANGE']);

const kindNumber = (k: number | string): number => (typeof k === 'number' ? k : (KIND_BY_NAME[k] ?? 0));

const RAW_TYPES: Record<ColumnType, ZType> = { STRING: { typeKind: 8 }, TIMESTAMP: { typeKind: 19 }, JSON: { typeKind: 26 } };
export const rawColumnType = (t: ColumnType): ZType => RAW_TYPES[t];
const SCALAR_TYPES: Record<string, ZType> = { ...RAW_TYPES, INT64: { typeKind: 2 }, BOOL: { typeKind: 5 }, FLOAT64: { typeKind: 7 }, DATE: { typeKind: 10 } };
/** A scalar BigQuery column type by name (STRING, INT64, FLOAT64, BOOL, DATE, TIMESTAMP, JSON). */
export function scalarColumnType(t: string): ZType {
  const z = SCALAR_TYPES[t];
  if (!z) throw new Error(`no catalog type for ${t}`);
  return z;
}

/** A resolved-AST type (proto-loader output, nulls and defaults included) reduced to a clean ZType. */
export function cleanType(t: unknown): ZType {
  const o = (t ?? {}) as Record<string, unknown>;
  const kind = kindNumber((o.typeKind as number | string | undefined) ?? 0);
  const out: ZType = { typeKind: kind };
  const arr = o.arrayType as { elementType?: unknown } | null | undefined;
  if (kind === 16 && arr) out.arrayType = { elementType: cleanType(arr.elementType) };
  const st = o.structType as { field?: { fieldName?: string; fieldType?: unknown }[] } | null | undefined;
  if (kind === 17 && st) out.structType = { field: (st.field ?? []).map((f) => ({ fieldName: f.fieldName ?? '', fieldType: cleanType(f.fieldType) })) };
  const rg = o.rangeType as { elementType?: unknown } | null | undefined;
  if (kind === 29 && rg) out.rangeType = { elementType: cleanType(rg.elementType) };
  return out;
}

/** BigQuery spelling of a type: INT64, ARRAY<STRUCT<a INT64, b STRING>>, RANGE<DATE>, ... */
export function typeName(t: ZType): string {
  const k = kindNumber(t.typeKind);
  const base = KIND_NAMES[k] ?? `TYPE_KIND_${k}`;
  if (k === 16 && t.arrayType) return `ARRAY<${typeName(t.arrayType.elementType)}>`;
  if (k === 17 && t.structType) return `STRUCT<${t.structType.field.map((f) => `${f.fieldName ? `${f.fieldName} ` : ''}${typeName(f.fieldType)}`).join(', ')}>`;
  if (k === 29 && t.rangeType) return `RANGE<${typeName(t.rangeType.elementType)}>`;
  return base;
}

/** The first part of a type BigQuery cannot store in a table (UINT64, PROTO, ...), or undefined. */
export function unstorablePart(t: ZType): string | undefined {
  const k = kindNumber(t.typeKind);
  const base = KIND_NAMES[k] ?? `TYPE_KIND_${k}`;
  if (!BIGQUERY_STORABLE.has(base)) return base;
  if (t.arrayType) return unstorablePart(t.arrayType.elementType);
  if (t.structType) for (const f of t.structType.field) {
    const bad = unstorablePart(f.fieldType);
    if (bad) return bad;
  }
  return undefined;
}

const tableKey = (dataset: string, name: string) => `${dataset}.${name}`.toLowerCase();

/** Tables known so far; each BigQuery table is published under every name form a query may use. */
export class Catalog {
  private readonly tables = new Map<string, CatalogTable>();
  private version = 0;

  /** Bumped on every change, so a registered copy knows it is stale. */
  get revision(): number {
    return this.version;
  }

  set(t: CatalogTable): void {
    this.tables.set(tableKey(t.dataset, t.name), t);
    this.version++;
  }

  get(dataset: string, name: string): CatalogTable | undefined {
    return this.tables.get(tableKey(dataset, name));
  }

  /**
   * As a SimpleCatalogProto: root tables named `project.dataset.table` and `dataset.table` (a backticked
   * path is one identifier to ZetaSQL, and Dataform writes `project.dataset.table`), plus nested catalogs
   * project → dataset → table and dataset → table for unquoted or split paths.
   */
  toProto(name: string, languageOptions: LanguageOptionsProto): SimpleCatalogProto {
    const root: Node = { tables: new Map(), catalogs: new Map() };
    for (const t of this.tables.values()) {
      const column: SimpleColumnProto[] = t.columns.map((c) => ({ name: c.name, type: c.type as SimpleColumnProto['type'] }));
      const add = (path: string[]) => {
        let node = root;
        for (const part of path.slice(0, -1)) {
          let next = node.catalogs.get(part);
          if (!next) node.catalogs.set(part, (next = { tables: new Map(), catalogs: new Map() }));
          node = next;
        }
        const leaf = path[path.length - 1] ?? t.name;
        node.tables.set(leaf, { name: leaf, column });
      };
      add([`${t.dataset}.${t.name}`]);
      add([t.dataset, t.name]);
      if (t.project) {
        add([`${t.project}.${t.dataset}.${t.name}`]);
        add([t.project, t.dataset, t.name]);
        add([`${t.project}.${t.dataset}`, t.name]);
      }
    }
    const toProto = (n: string, node: Node): SimpleCatalogProto => ({
      name: n,
      table: [...node.tables.values()],
      catalog: [...node.catalogs].map(([k, v]) => toProto(k, v)),
    });
    return { ...toProto(name, root), builtinFunctionOptions: { languageOptions } };
  }
}

interface Node {
  tables: Map<string, SimpleTableProto>;
  catalogs: Map<string, Node>;
}

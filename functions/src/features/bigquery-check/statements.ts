// Analyses hand-written, parameterised BigQuery statements (the adapters' jobs, their named parameters typed) with the same ZetaSQL analyzer and catalog types as the Dataform SQL.
import type { TypeProto } from '@fivetrandevelopers/zetasql/lib/types/zetasql/TypeProto';
import type { Catalog, ZType } from './catalog';
import { zetasqlServer } from './server';

/** A parameter type as @google-cloud/bigquery's `types` option takes it (`'STRING'`, `['STRING']`, `{field: type}`). */
export type StatementParamType = string | StatementParamType[] | { [field: string]: StatementParamType };

export interface TypedStatement {
  label: string;
  sql: string;
  types: Record<string, StatementParamType>;
}

export interface StatementAnalysis {
  label: string;
  ok: boolean;
  /** The failing statement's first line and the analyzer's message. */
  error?: string;
}

const KINDS: Record<string, number> = { STRING: 8, INT64: 2, INTEGER: 2, FLOAT64: 7, FLOAT: 7, BOOL: 5, BOOLEAN: 5, BYTES: 9, DATE: 10, DATETIME: 21, TIMESTAMP: 19, NUMERIC: 23, BIGNUMERIC: 24, JSON: 26 };

/** ZetaSQL's type for a parameter type. */
export function paramZType(t: StatementParamType): ZType {
  if (Array.isArray(t)) return { typeKind: 16, arrayType: { elementType: paramZType(t[0]!) } };
  if (typeof t === 'object') return { typeKind: 17, structType: { field: Object.entries(t).map(([fieldName, ft]) => ({ fieldName, fieldType: paramZType(ft) })) } };
  const kind = KINDS[t.toUpperCase()];
  if (kind === undefined) throw new Error(`no ZetaSQL type for parameter type ${t}`);
  return { typeKind: kind };
}

/** The statements of a job: a script splits at a `;` that ends a line. */
const splitScript = (sql: string): string[] => sql.split(/;\s*\n/).map((x) => x.replace(/;\s*$/, '').trim()).filter(Boolean);

/**
 * Analyses each statement against the catalog (registered once) with its parameters typed; a script's statements in
 * turn. An analyzer rejection is a failed statement; anything else (the server down) throws.
 */
export async function analyzeStatements(catalog: Catalog, statements: TypedStatement[], opts: { defaultTimezone?: string } = {}): Promise<StatementAnalysis[]> {
  const zs = await zetasqlServer();
  const registered = await zs.client.registerCatalog({ simpleCatalog: catalog.toProto('bigquery', zs.languageOptions) });
  const registeredCatalogId = Number(registered?.registeredId);
  const out: StatementAnalysis[] = [];
  try {
    for (const s of statements) {
      const queryParameters = Object.entries(s.types).map(([name, t]) => ({ name, type: paramZType(t) as TypeProto }));
      const errors: string[] = [];
      for (const statement of splitScript(s.sql)) {
        try {
          await zs.client.analyze({ registeredCatalogId, sqlStatement: statement, options: { languageOptions: zs.languageOptions, queryParameters, errorMessageMode: 'ERROR_MESSAGE_ONE_LINE', defaultTimezone: opts.defaultTimezone ?? 'UTC' } });
        } catch (e) {
          const err = e as { code?: number; details?: string };
          if (err.code !== 3) throw e; // INVALID_ARGUMENT is the statement's fault; anything else is the check's
          errors.push(`${statement.split('\n')[0]}: ${err.details ?? String(e)}`);
        }
      }
      out.push(errors.length ? { label: s.label, ok: false, error: errors.join('\n') } : { label: s.label, ok: true });
    }
  } finally {
    await zs.client.unRegisterCatalog({ registeredId: registeredCatalogId }).catch(() => undefined);
  }
  return out;
}

// What a feature build needs of the warehouse (the embedded DuckDB adapter provides it), and the table recording the checks that passed.
import type { Row } from '../ports/warehouse';

export type Exec = (sql: string, params?: unknown[]) => Promise<Row[]>;

/** Any statement, and several in one transaction: what the feature runner, its key box and the default snapshot use. */
export interface FeatureWarehouse {
  execute: Exec;
  transaction<T>(fn: (exec: Exec) => Promise<T>): Promise<T>;
}

/**
 * The feature runner's record of built-in and scoped assertions whose last check passed (features/runner.ts).
 * A redaction rewrites derived tables outside a run, so it clears the record: the next run checks every table whole.
 */
export const ASSERTION_PASSES = 'shop_assertions.passed';

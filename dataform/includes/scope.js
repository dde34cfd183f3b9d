// Assertions that check only what a run changed: ${scope.changed_rows(ref("t"), ["k"])} or
// ${scope.written_rows(ref("t"))} in a standalone assertion.
// In BigQuery (and on any full check) it is the whole table. The local runner checks, on an incremental run after a
// passing check of the same SQL, only the rows of `t` whose keys match a row the run wrote to `t` or to one of the
// `also` tables (functions/src/features/plan.ts). Use it only where that is exact: a row of `t` can start failing
// only when it, or a row with the same keys in an `also` table, is written (rows are never deleted there).

const VARS = (dataform.projectConfig && dataform.projectConfig.vars) || {};
const DUCK = VARS.dialect === "duckdb";

/** The markers the local planner rewrites (DuckDB compilations only); keep in step with plan.ts SCOPE_MARKER. */
const MARKER = "shop-mlops:changed-rows";
const WRITTEN_MARKER = "shop-mlops:written-rows";

/**
 * A FROM-clause relation: `table` (a ref), scoped on incremental local runs to the rows whose `keys` match a row
 * this run wrote to `table` or to any of `also` (refs of incremental tables holding the same key columns).
 *   FROM ${scope.changed_rows(ref("order_lines"), ["shop", "order_id"], [ref("orders")])} AS l
 */
function changed_rows(table, keys, also = []) {
  if (!Array.isArray(keys) || keys.length === 0) throw new Error("scope.changed_rows: keys must be a non-empty array");
  for (const k of keys) {
    if (!/^[a-z_][a-z0-9_]*$/.test(k)) throw new Error(`scope.changed_rows: key '${k}' is not a column name`);
  }
  if (!DUCK) return table;
  return `(SELECT * FROM ${table} /* ${MARKER} keys=${keys.join(",")} also=${also.join(" ")} */)`;
}

/**
 * A FROM-clause relation: `table` (a ref), scoped on incremental local runs to exactly the rows this run wrote to it
 * (no lookup in the table). For rules about single rows: a row can only start breaking one when it is written.
 *   FROM ${scope.written_rows(ref("events_dedup"))} AS e WHERE e.topic NOT IN (...)
 */
function written_rows(table) {
  if (!DUCK) return table;
  return `(SELECT * FROM ${table} /* ${WRITTEN_MARKER} */)`;
}

module.exports = { changed_rows, written_rows, MARKER, WRITTEN_MARKER };

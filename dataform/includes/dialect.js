// One SQLX, two warehouses: BigQuery is the reference dialect; these helpers emit the DuckDB spelling
// when the project is compiled with `--vars=dialect=duckdb` (the local runner does this).
// Every helper returns a SQL fragment (a string) to interpolate in SQLX: ${dialect.safe_divide("a", "b")}.

const VARS = (dataform.projectConfig && dataform.projectConfig.vars) || {};
const DIALECT = VARS.dialect || "bigquery";
if (DIALECT !== "bigquery" && DIALECT !== "duckdb") {
  throw new Error(`vars.dialect must be 'bigquery' or 'duckdb', got '${DIALECT}'`);
}
const DUCK = DIALECT === "duckdb";

/** Which warehouse this compilation targets: 'bigquery' or 'duckdb'. */
const name = DIALECT;
const is_duckdb = DUCK;
const is_bigquery = !DUCK;

function check(value, re, what) {
  if (!re.test(value)) throw new Error(`vars.${what} is not valid: '${value}'`);
  return value;
}

/** The shop's IANA time zone (vars.shop_timezone, default UTC): days are calendar days in this zone. */
const TIMEZONE = check(VARS.shop_timezone || "UTC", /^[A-Za-z][A-Za-z0-9_+\-\/]*$/, "shop_timezone");
function timezone() {
  return TIMEZONE;
}

/**
 * The snapshot date (inclusive, shop-local) as a DATE expression: vars.snapshot_date (YYYY-MM-DD) when
 * given, otherwise yesterday in the shop's time zone (what a scheduled cloud run wants).
 */
function snapshot_date() {
  const v = VARS.snapshot_date;
  if (v) return `DATE '${check(v, /^\d{4}-\d{2}-\d{2}$/, "snapshot_date")}'`;
  return DUCK ? `CAST(timezone('${TIMEZONE}', now()) AS DATE) - 1` : `DATE_SUB(CURRENT_DATE('${TIMEZONE}'), INTERVAL 1 DAY)`;
}

// ---- types --------------------------------------------------------------------------------------
function int64(expr) {
  return DUCK ? `CAST(${expr} AS BIGINT)` : `CAST(${expr} AS INT64)`;
}
function float64(expr) {
  return DUCK ? `CAST(${expr} AS DOUBLE)` : `CAST(${expr} AS FLOAT64)`;
}
function string(expr) {
  return DUCK ? `CAST(${expr} AS VARCHAR)` : `CAST(${expr} AS STRING)`;
}
/** Money: BigQuery NUMERIC (38 digits, 9 decimals); DuckDB DECIMAL(38,9). */
function numeric(expr) {
  return DUCK ? `CAST(${expr} AS DECIMAL(38,9))` : `CAST(${expr} AS NUMERIC)`;
}
/** An ISO-8601 string with offset (as Shopify writes them) → TIMESTAMP (DuckDB: TIMESTAMPTZ). */
function timestamp(expr) {
  return DUCK ? `CAST(${expr} AS TIMESTAMPTZ)` : `TIMESTAMP(${expr})`;
}
/** A TIMESTAMP literal in UTC, e.g. timestamp_literal('1970-01-01 00:00:00'). */
function timestamp_literal(text) {
  check(text, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, "timestamp literal");
  return DUCK ? `TIMESTAMPTZ '${text}+00'` : `TIMESTAMP '${text} UTC'`;
}

// ---- JSON (the raw payload column is JSON in both warehouses) -----------------------------------
/** A scalar at a JSONPath as STRING (ids stay exact: never goes through a float). */
function json_value(expr, path) {
  return DUCK ? `json_extract_string(${expr}, '${path}')` : `JSON_VALUE(${expr}, '${path}')`;
}
/**
 * Several scalars of one JSON document as a STRUCT of STRINGs, the document parsed once (DuckDB; a payload is
 * kilobytes, and one parse per field made the staging builds JSON-bound). `fields` maps a column name to a JSONPath:
 *   ${dialect.json_fields("payload", {id: "$.id", customer_id: "$.customer.id"})} AS j   -- then j.id, j.customer_id
 * Select it as a column in one CTE and read its fields in the next (both warehouses read j.name alike).
 */
function json_fields(expr, fields) {
  const names = Object.keys(fields);
  if (!names.length) throw new Error("json_fields needs at least one field");
  for (const n of names) {
    check(n, /^[a-z_][a-z0-9_]*$/, "json_fields name");
    check(fields[n], /^\$[A-Za-z0-9_.\[\]]*$/, "json_fields path");
  }
  if (DUCK) {
    const paths = names.map((n) => `'${fields[n]}'`).join(", ");
    const members = names.map((n, i) => `${n} := _j[${i + 1}]`).join(", ");
    return `list_transform([json_extract_string(${expr}, [${paths}])], _j -> struct_pack(${members}))[1]`;
  }
  return `STRUCT(${names.map((n) => `JSON_VALUE(${expr}, '${fields[n]}') AS ${n}`).join(", ")})`;
}
/** A JSON boolean at a path as BOOL (NULL when absent). */
function json_bool(expr, path) {
  return `(${json_value(expr, path)} = 'true')`;
}
/**
 * FROM-clause item unnesting the JSON array at `path` into one JSON value per row named `alias`:
 *   FROM t CROSS JOIN ${dialect.unnest_json("t.payload", "$.line_items", "li")}
 * A missing or null array gives no rows in both warehouses.
 */
function unnest_json(expr, path, alias) {
  return DUCK ? `UNNEST(json_extract(${expr}, '${path}[*]')) AS _${alias}(${alias})` : `UNNEST(JSON_QUERY_ARRAY(${expr}, '${path}')) AS ${alias}`;
}
/**
 * FROM-clause item: the rows of `relation` (a CTE or table), one per element of the JSON array at `path` in its JSON
 * column `column`, the element (JSON) in a new column `alias`; rows whose array is missing or empty drop out:
 *   FROM ${dialect.unnest_json_rows("order_payloads", "payload", "$.line_items", "li")} AS l
 * Use it instead of a lateral unnest_json over big payloads: DuckDB plans the lateral form as a join that copies
 * every payload (4x slower on order line items).
 */
function unnest_json_rows(relation, column, path, alias) {
  return DUCK
    ? `(SELECT *, unnest(json_extract(${column}, '${path}[*]')) AS ${alias} FROM ${relation})`
    : `(SELECT _r.*, ${alias} FROM ${relation} AS _r CROSS JOIN UNNEST(JSON_QUERY_ARRAY(_r.${column}, '${path}')) AS ${alias})`;
}
/** Number of elements of the JSON array at `path` (NULL when absent). */
function json_array_length(expr, path) {
  return DUCK ? `CAST(json_array_length(${expr}, '${path}') AS BIGINT)` : `ARRAY_LENGTH(JSON_QUERY_ARRAY(${expr}, '${path}'))`;
}
/** TRUE when the JSON array at `path` holds an object whose `key` equals `value` (e.g. a line item property); FALSE when absent. */
function json_array_has(expr, path, key, value) {
  // DuckDB: one wildcard extraction instead of a correlated unnest per row.
  return DUCK
    ? `COALESCE(list_contains(json_extract_string(${expr}, '${path}[*].${key}'), '${value}'), FALSE)`
    : `EXISTS (SELECT 1 FROM ${unnest_json(expr, path, "_elem")} WHERE ${json_value("_elem", "$." + key)} = '${value}')`;
}

// ---- dates and times ----------------------------------------------------------------------------
/** The shop-local calendar DATE of a TIMESTAMP. */
function local_date(ts) {
  return DUCK ? `CAST(timezone('${TIMEZONE}', ${ts}) AS DATE)` : `DATE(${ts}, '${TIMEZONE}')`;
}
/** Whole days from b to a (a − b), like BigQuery DATE_DIFF(a, b, DAY). */
function date_diff_days(a, b) {
  return DUCK ? `date_diff('day', ${b}, ${a})` : `DATE_DIFF(${a}, ${b}, DAY)`;
}
/** DATE + n days (DuckDB's date + INTERVAL would give a TIMESTAMP). */
function date_add_days(d, n) {
  return DUCK ? `CAST((${d}) + to_days(CAST(${n} AS INTEGER)) AS DATE)` : `DATE_ADD(${d}, INTERVAL ${n} DAY)`;
}
function date_sub_days(d, n) {
  return DUCK ? `CAST((${d}) - to_days(CAST(${n} AS INTEGER)) AS DATE)` : `DATE_SUB(${d}, INTERVAL ${n} DAY)`;
}
/** Monday of the ISO week (BigQuery's WEEK alone starts on Sunday; we always mean ISO weeks). */
function date_trunc_week(d) {
  return DUCK ? `CAST(date_trunc('week', ${d}) AS DATE)` : `DATE_TRUNC(${d}, ISOWEEK)`;
}
/** strftime-style format, e.g. format_date('%Y-%m', d). */
function format_date(fmt, d) {
  return DUCK ? `strftime(${d}, '${fmt}')` : `FORMAT_DATE('${fmt}', ${d})`;
}
function timestamp_sub_hours(ts, hours) {
  return DUCK ? `((${ts}) - INTERVAL (${hours}) HOUR)` : `TIMESTAMP_SUB(${ts}, INTERVAL ${hours} HOUR)`;
}
/** Whole hours from b to a, like BigQuery TIMESTAMP_DIFF(a, b, HOUR). */
function timestamp_diff_hours(a, b) {
  return DUCK ? `date_diff('hour', ${b}, ${a})` : `TIMESTAMP_DIFF(${a}, ${b}, HOUR)`;
}
/**
 * FROM-clause item: one row per day from `from` to `to` (both inclusive) as a DATE named `alias`.
 * Correlated use is fine: FROM v CROSS JOIN ${dialect.date_spine("v.first_date", "v.last_date", "day")}
 */
function date_spine(from, to, alias) {
  return DUCK
    ? `UNNEST(CAST(generate_series(CAST(${from} AS TIMESTAMP), CAST(${to} AS TIMESTAMP), INTERVAL 1 DAY) AS DATE[])) AS _${alias}(${alias})`
    : `UNNEST(GENERATE_DATE_ARRAY(${from}, ${to})) AS ${alias}`;
}

// ---- arithmetic and aggregates ------------------------------------------------------------------
/** a / b, NULL when b is 0 or NULL (FLOAT64 for integer inputs in both). */
function safe_divide(a, b) {
  return DUCK ? `(CAST(${a} AS DOUBLE) / NULLIF(CAST(${b} AS DOUBLE), 0))` : `SAFE_DIVIDE(${a}, ${b})`;
}
/** Integer division rounding toward zero (both inputs INT64). */
function int_div(a, b) {
  return DUCK ? `((${a}) // (${b}))` : `DIV(${a}, ${b})`;
}
/** TRUE if any row is TRUE; NULL when every input is NULL. */
function logical_or(expr) {
  return DUCK ? `bool_or(${expr})` : `LOGICAL_OR(${expr})`;
}
/** `*` without some columns: BigQuery `* EXCEPT (a, b)`, DuckDB `* EXCLUDE (a, b)`. Pass a qualifier as `t.*` in `star`. */
function select_except(columns, star) {
  const cols = Array.isArray(columns) ? columns.join(", ") : columns;
  return `${star || "*"} ${DUCK ? "EXCLUDE" : "EXCEPT"} (${cols})`;
}

/** Hours of lookback when an incremental run picks up late-landing rows (reprocessing is idempotent). */
const LOOKBACK_HOURS = 48;

module.exports = {
  name,
  is_duckdb,
  is_bigquery,
  timezone,
  snapshot_date,
  int64,
  float64,
  string,
  numeric,
  timestamp,
  timestamp_literal,
  json_value,
  json_fields,
  json_bool,
  unnest_json,
  unnest_json_rows,
  json_array_has,
  json_array_length,
  local_date,
  date_diff_days,
  date_add_days,
  date_sub_days,
  date_trunc_week,
  format_date,
  timestamp_sub_hours,
  timestamp_diff_hours,
  date_spine,
  safe_divide,
  int_div,
  logical_or,
  select_except,
  LOOKBACK_HOURS,
};

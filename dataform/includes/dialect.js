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

/** What snapshot_date() emits when vars.snapshot_date is "deferred"; functions/src/features/compile.ts binds it. */
const SNAPSHOT_TOKEN = "__snapshot_date__";

/**
 * The snapshot date (inclusive, shop-local) as a DATE expression: vars.snapshot_date (YYYY-MM-DD) when
 * given, otherwise yesterday in the shop's time zone (what a scheduled cloud run wants).
 */
function snapshot_date() {
  const v = VARS.snapshot_date;
  // "deferred": the local runner compiles once per project version and binds the date per run (SNAPSHOT_TOKEN)
  if (v === "deferred") return `DATE '${SNAPSHOT_TOKEN}'`;
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
/**
 * Money: BigQuery NUMERIC (38 digits, 9 decimals); DuckDB DECIMAL(38,9). DuckDB parses text into DECIMAL(38,9) ~100x
 * slower than into DECIMAL(18,9) (measured: 3.5 s vs 0.03 s per million prices), so values below 10^9 take the fast
 * parse and widen exactly; larger ones (or non-text input the fast parse rejects) take the full one. Same value either way.
 */
function numeric(expr) {
  return DUCK ? `COALESCE(CAST(TRY_CAST(${expr} AS DECIMAL(18,9)) AS DECIMAL(38,9)), CAST(${expr} AS DECIMAL(38,9)))` : `CAST(${expr} AS NUMERIC)`;
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
 * A JSON document parsed ONCE into a STRUCT of STRINGs, arrays of objects included, so no later query touches the JSON:
 *   ${dialect.json_record("payload", {
 *     id: "$.id", customer_id: "$.customer.id",
 *     line_items: ["$.line_items", {id: "$.id", quantity: "$.quantity", properties: ["$.properties", {name: "$.name"}]}],
 *   })} AS rec                        -- then rec.id, rec.customer_id, rec.line_items (ARRAY<STRUCT<id, quantity, properties>>)
 * A name maps to a JSONPath of a scalar (read as text, like json_value: ids stay exact, true/false as 'true'/'false'), or to
 * [path of an array of objects, spec of each element with paths relative to the element]. DuckDB: one json_transform
 * (the document parsed once; every field of a kilobyte payload read in one pass). BigQuery: JSON_VALUE per field,
 * ARRAY(SELECT AS STRUCT ...) per array. A missing array is NULL in DuckDB and empty in BigQuery: read arrays with
 * unnest_rows or array_has, which treat both alike.
 */
function json_record(expr, spec) {
  return DUCK ? `list_transform([json_transform(${expr}, '${JSON.stringify(recordShape(spec))}')], _r0 -> ${recordPack(spec, "_r0", 0)})[1]` : `STRUCT(${recordFields(expr, spec, 0)})`;
}
function recordEntries(spec) {
  const names = Object.keys(spec);
  if (!names.length) throw new Error("json_record needs at least one field");
  return names.map((n) => {
    check(n, /^[a-z_][a-z0-9_]*$/, "json_record name");
    const v = spec[n];
    const path = Array.isArray(v) ? v[0] : v;
    check(String(path), /^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/, "json_record path");
    if (Array.isArray(v) && (v.length !== 2 || typeof v[1] !== "object")) throw new Error(`json_record: ${n} must be [path, {element fields}]`);
    return { name: n, keys: path.slice(2).split("."), element: Array.isArray(v) ? v[1] : null };
  });
}
// DuckDB json_transform structure: nested objects of "VARCHAR", arrays as [element structure].
function recordShape(spec) {
  const shape = {};
  for (const e of recordEntries(spec)) {
    let node = shape;
    e.keys.slice(0, -1).forEach((k) => {
      if (node[k] === undefined) node[k] = {};
      if (typeof node[k] !== "object" || Array.isArray(node[k])) throw new Error(`json_record: path conflict at ${k}`);
      node = node[k];
    });
    const last = e.keys[e.keys.length - 1];
    if (node[last] !== undefined) throw new Error(`json_record: path conflict at ${last}`);
    node[last] = e.element ? [recordShape(e.element)] : "VARCHAR";
  }
  return shape;
}
function recordPack(spec, v, depth) {
  return `struct_pack(${recordEntries(spec)
    .map((e) => {
      const at = `${v}.${e.keys.map((k) => `"${k}"`).join(".")}`;
      if (!e.element) return `${e.name} := ${at}`;
      const w = `_r${depth + 1}`;
      return `${e.name} := list_transform(${at}, ${w} -> ${recordPack(e.element, w, depth + 1)})`;
    })
    .join(", ")})`;
}
// BigQuery: the select list of one record level (a STRUCT(...) at the top, SELECT AS STRUCT inside arrays).
function recordFields(expr, spec, depth) {
  return recordEntries(spec)
    .map((e) => {
      const path = `$.${e.keys.join(".")}`;
      if (!e.element) return `JSON_VALUE(${expr}, '${path}') AS ${e.name}`;
      const w = `_r${depth + 1}`;
      const o = `_o${depth + 1}`;
      return `ARRAY(SELECT AS STRUCT ${recordFields(w, e.element, depth + 1)} FROM UNNEST(JSON_QUERY_ARRAY(${expr}, '${path}')) AS ${w} WITH OFFSET AS ${o} ORDER BY ${o}) AS ${e.name}`;
    })
    .join(", ");
}
/** A STRUCT built from named expressions: ${dialect.struct({title: "rec.title", has_email: "rec.email IS NOT NULL"})}. */
function struct(fields) {
  const names = Object.keys(fields);
  if (!names.length) throw new Error("struct needs at least one field");
  names.forEach((n) => check(n, /^[a-z_][a-z0-9_]*$/, "struct field name"));
  return DUCK ? `struct_pack(${names.map((n) => `${n} := ${fields[n]}`).join(", ")})` : `STRUCT(${names.map((n) => `${fields[n]} AS ${n}`).join(", ")})`;
}
/**
 * FROM-clause item: the rows of `relation` (a CTE or table), one per element of its ARRAY column `column`, the element
 * in a new column `alias` (the array column itself dropped); rows whose array is NULL or empty drop out:
 *   FROM ${dialect.unnest_rows("winners", "line_items", "li")} AS l      -- then l.li.id, l.li.quantity
 * DuckDB unnests in the select list (its lateral join form copies every row per element first).
 */
function unnest_rows(relation, column, alias) {
  check(column, /^[a-z_][a-z0-9_]*$/, "unnest_rows column");
  return DUCK
    ? `(SELECT * EXCLUDE (${column}), unnest(${column}) AS ${alias} FROM ${relation})`
    : `(SELECT _r.* EXCEPT (${column}), ${alias} FROM ${relation} AS _r CROSS JOIN UNNEST(_r.${column}) AS ${alias})`;
}
/**
 * Aggregate: the distinct non-NULL values of `expr` as an ARRAY in ascending order (equal sets give equal arrays;
 * NULL when there are none).
 */
function array_agg_distinct(expr) {
  return DUCK ? `list_sort(list(DISTINCT ${expr}) FILTER (WHERE ${expr} IS NOT NULL))` : `ARRAY_AGG(DISTINCT ${expr} IGNORE NULLS ORDER BY ${expr})`;
}
/** An empty ARRAY<STRING> where `array` is NULL (BigQuery stores a NULL array as empty; DuckDB keeps the NULL). */
function string_array_or_empty(array) {
  return DUCK ? `COALESCE(${array}, CAST([] AS VARCHAR[]))` : `IFNULL(${array}, ARRAY<STRING>[])`;
}
/** TRUE when two non-NULL ARRAYs hold the same elements in the same order (BigQuery has no array equality). */
function arrays_equal(a, b) {
  return DUCK ? `(${a} = ${b})` : `(TO_JSON_STRING(${a}) = TO_JSON_STRING(${b}))`;
}
/**
 * FROM-clause item: for each row of `relation`, one row per unordered pair of the elements of its ARRAY column
 * `column` (distinct values), as a STRUCT `alias` with fields a < b; the array column is dropped:
 *   FROM ${dialect.unnest_pairs("baskets", "products", "pair")} AS x      -- then x.pair.a, x.pair.b
 * (half the rows of both orders: mirror the aggregated pairs when both directions are wanted).
 */
function unnest_pairs(relation, column, alias) {
  check(column, /^[a-z_][a-z0-9_]*$/, "unnest_pairs column");
  return DUCK
    ? `(SELECT * EXCLUDE (${column}), unnest(flatten(list_transform(${column}, _a -> list_transform(list_filter(${column}, _b -> _b > _a), _b -> struct_pack(a := _a, b := _b))))) AS ${alias} FROM ${relation})`
    : `(SELECT _r.* EXCEPT (${column}), STRUCT(_a AS a, _b AS b) AS ${alias} FROM ${relation} AS _r CROSS JOIN UNNEST(_r.${column}) AS _a CROSS JOIN UNNEST(_r.${column}) AS _b WHERE _a < _b)`;
}
/** Number of elements of an ARRAY column (NULL when the array is NULL). */
function array_length(array) {
  return DUCK ? `CAST(len(${array}) AS BIGINT)` : `ARRAY_LENGTH(${array})`;
}
/** TRUE when the ARRAY<STRUCT> `array` holds an element whose `field` equals the string `value`; FALSE when empty or NULL. */
function array_has(array, field, value) {
  check(field, /^[a-z_][a-z0-9_]*$/, "array_has field");
  check(value, /^[A-Za-z0-9_ .\-]*$/, "array_has value");
  return DUCK
    ? `COALESCE(list_contains(list_transform(${array}, _x -> _x.${field}), '${value}'), FALSE)`
    : `EXISTS (SELECT 1 FROM UNNEST(${array}) AS _x WHERE _x.${field} = '${value}')`;
}
/** The `valueField` of the first element of the ARRAY<STRUCT> `array` whose `keyField` equals `key` (a name/value list such as note_attributes); NULL when none. */
function array_lookup(array, keyField, key, valueField) {
  check(keyField, /^[a-z_][a-z0-9_]*$/, "array_lookup key field");
  check(valueField, /^[a-z_][a-z0-9_]*$/, "array_lookup value field");
  check(key, /^[A-Za-z0-9_ .\-]*$/, "array_lookup key");
  return DUCK
    ? `list_extract(list_transform(list_filter(${array}, _x -> _x.${keyField} = '${key}'), _x -> _x.${valueField}), 1)`
    : `(SELECT _x.${valueField} FROM UNNEST(${array}) AS _x WITH OFFSET AS _o WHERE _x.${keyField} = '${key}' ORDER BY _o LIMIT 1)`;
}
/**
 * FROM-clause item unnesting the JSON array at `path` into one JSON value per row named `alias`:
 *   FROM t CROSS JOIN ${dialect.unnest_json("t.payload", "$.line_items", "li")}
 * A missing or null array gives no rows in both warehouses.
 */
/**
 * After a CTE's AS: DuckDB computes a CTE once when told MATERIALIZED (it otherwise inlines it into every reader);
 * BigQuery has no such keyword and plans CTEs itself.
 */
function materialized_cte() {
  return DUCK ? "MATERIALIZED" : "";
}
/**
 * An aggregate: the value of the row that comes first in `order_by` (a comma list, ties broken by its later terms).
 * DuckDB's arg_min hashes; BigQuery's ARRAY_AGG … LIMIT 1 keeps one value per group.
 */
function first_by(value, order_by) {
  return DUCK ? `arg_min(${value}, (${order_by}))` : `ARRAY_AGG(${value} ORDER BY ${order_by} LIMIT 1)[OFFSET(0)]`;
}
/** The length of the JSON array a JSON text holds at its root (NULL when it is not an array). */
function json_array_length(expr) {
  return DUCK ? `CAST(json_array_length(${expr}) AS BIGINT)` : `ARRAY_LENGTH(JSON_QUERY_ARRAY(${expr}, '$'))`;
}
function unnest_json(expr, path, alias) {
  return DUCK ? `UNNEST(json_extract(${expr}, '${path}[*]')) AS _${alias}(${alias})` : `UNNEST(JSON_QUERY_ARRAY(${expr}, '${path}')) AS ${alias}`;
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
/** The UTC calendar DATE of a TIMESTAMP (whatever the shop's zone). */
function utc_date(ts) {
  return DUCK ? `CAST(timezone('UTC', ${ts}) AS DATE)` : `DATE(${ts})`;
}
/** The TIMESTAMP at which shop-local day `d` (a DATE) begins. */
function local_day_start(d) {
  return DUCK ? `timezone('${TIMEZONE}', CAST(${d} AS TIMESTAMP))` : `TIMESTAMP(${d}, '${TIMEZONE}')`;
}
/** TIMESTAMP + whole hours (exact hours: a day is 24 of them whatever the zone does). */
function timestamp_add_hours(ts, hours) {
  return DUCK ? `((${ts}) + INTERVAL (${hours}) HOUR)` : `TIMESTAMP_ADD(${ts}, INTERVAL ${hours} HOUR)`;
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
/** Aggregate: `value` of the row with the smallest `key` in the group (keys unique within a group). */
function value_at_min(value, key) {
  return DUCK ? `arg_min(${value}, ${key})` : `ANY_VALUE(${value} HAVING MIN ${key})`;
}
/** `*` without some columns: BigQuery `* EXCEPT (a, b)`, DuckDB `* EXCLUDE (a, b)`. Pass a qualifier as `t.*` in `star`. */
function select_except(columns, star) {
  const cols = Array.isArray(columns) ? columns.join(", ") : columns;
  return `${star || "*"} ${DUCK ? "EXCLUDE" : "EXCEPT"} (${cols})`;
}

/**
 * Closes a query over shop_raw.events rows already filtered to chosen copies (webhook id, received_at, api_version),
 * keeping one row per delivery. BigQuery's raw table can hold exact copies (Pub/Sub redelivers a published row):
 * QUALIFY keeps one by `order`. DuckDB's raw table cannot (the embedded loader lands a webhook id once; events_dedup's
 * uniqueKey assertion fails otherwise), so DuckDB gets no window over parsed bodies.
 */
function first_landed_copy(webhookId, order) {
  return DUCK ? "" : `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${webhookId} ORDER BY ${order}) = 1`;
}

/**
 * Aggregate over an incremental table (`SELECT ${dialect.watermark("received_at")} FROM ${self()}`): the newest
 * `column` it holds minus the lookback (the epoch when empty): an incremental run rereads inputs newer than this.
 */
function watermark(column) {
  return timestamp_sub_hours(`COALESCE(MAX(${column}), ${timestamp_literal("1970-01-01 00:00:00")})`, LOOKBACK_HOURS);
}

/** Hours of lookback when an incremental run picks up late-landing rows (reprocessing is idempotent). */
const LOOKBACK_HOURS = 48;


// ---- catalog text -------------------------------------------------------------------------------
/**
 * Words a product title shares with too many others to say what it is. The recommender's titleTokens()
 * (functions/src/models/recommend/catalog.ts) uses the same list; test/features/product-attributes.test.ts checks
 * both give the same tokens.
 */
const TITLE_STOPWORDS = ["a", "an", "and", "the", "of", "in", "on", "for", "with", "to", "by", "or", "at", "from", "set", "pack", "assorted", "design", "colour", "color", "size"];
/**
 * Normalised title tokens as ARRAY<STRING> (sorted, distinct): lower case, split on anything but letters and digits,
 * stopwords, pure numbers and one-letter tokens dropped, a plural "s" stripped from tokens longer than 3 ("hearts" → "heart").
 */
function title_tokens(expr) {
  const stop = TITLE_STOPWORDS.map((w) => `'${w}'`).join(", ");
  const keep = (t) => `LENGTH(${t}) >= 2 AND NOT REGEXP_CONTAINS(${t}, r'^[0-9]+$') AND ${t} NOT IN (${stop})`;
  const stem = (t) => `CASE WHEN LENGTH(${t}) > 3 AND ENDS_WITH(${t}, 's') AND NOT ENDS_WITH(${t}, 'ss') THEN SUBSTR(${t}, 1, LENGTH(${t}) - 1) ELSE ${t} END`;
  if (DUCK) {
    const keepD = `length(t) >= 2 AND NOT regexp_full_match(t, '[0-9]+') AND t NOT IN (${stop})`;
    const stemD = `CASE WHEN length(t) > 3 AND suffix(t, 's') AND NOT suffix(t, 'ss') THEN left(t, length(t) - 1) ELSE t END`;
    return `COALESCE(list_sort(list_distinct(list_transform(list_filter(regexp_extract_all(lower(${expr}), '[\\pL\\pN]+'), lambda t: ${keepD}), lambda t: ${stemD}))), CAST([] AS VARCHAR[]))`;
  }
  return `ARRAY(SELECT DISTINCT ${stem("t")} AS tok FROM UNNEST(REGEXP_EXTRACT_ALL(LOWER(${expr}), r'[\\pL\\pN]+')) AS t WHERE ${keep("t")} ORDER BY tok)`;
}
/** A separated list in a STRING (Shopify's comma-separated tags) → ARRAY<STRING> of its trimmed, non-empty items (empty when NULL). */
function split_trimmed(expr, sep) {
  check(sep, /^[,;|]$/, "split_trimmed separator");
  return DUCK
    ? `COALESCE(list_filter(list_transform(string_split(${expr}, '${sep}'), lambda t: trim(t)), lambda t: t <> ''), CAST([] AS VARCHAR[]))`
    : `ARRAY(SELECT TRIM(t) FROM UNNEST(SPLIT(COALESCE(${expr}, ''), '${sep}')) AS t WHERE TRIM(t) != '')`;
}

module.exports = {
  title_tokens,
  split_trimmed,
  TITLE_STOPWORDS,
  name,
  is_duckdb,
  is_bigquery,
  timezone,
  snapshot_date,
  SNAPSHOT_TOKEN,
  int64,
  float64,
  string,
  numeric,
  timestamp,
  timestamp_literal,
  json_value,
  json_record,
  struct,
  unnest_rows,
  array_has,
  array_lookup,
  array_length,
  array_agg_distinct,
  unnest_pairs,
  string_array_or_empty,
  arrays_equal,
  json_array_length,
  first_by,
  materialized_cte,
  unnest_json,
  local_date,
  date_diff_days,
  date_add_days,
  date_sub_days,
  date_trunc_week,
  format_date,
  utc_date,
  local_day_start,
  timestamp_add_hours,
  timestamp_sub_hours,
  timestamp_diff_hours,
  date_spine,
  safe_divide,
  int_div,
  logical_or,
  value_at_min,
  select_except,
  first_landed_copy,
  watermark,
  LOOKBACK_HOURS,
};

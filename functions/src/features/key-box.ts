// Narrowing a scoped unique-key check to the bounding box of the keys a run wrote, when that box is selective.
import type { FeatureWarehouse } from './feature-warehouse';

const q = (id: string) => `"${id.replace(/"/g, '""')}"`;
const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;

/**
 * A predicate on `table` (its `keys` columns) holding every row whose key equals a key of `newRows`: per column the
 * range [min, max] of the new rows (OR NULL when a new key has a NULL there), as constants, so DuckDB skips the row
 * groups outside it by their min/max statistics; columns whose range narrows nothing are left out. Checking every
 * key group inside the box is exact (it includes every group a new row is in) and, for a table keyed by a snapshot
 * or a date, reads only the newest row groups. Returns undefined when the box holds more than `maxRatio` times the
 * new rows (then a semi-join on the keys reads less).
 */
export async function selectiveKeyBox(w: FeatureWarehouse, table: string, newRows: string, keys: string[], maxRatio = 4): Promise<{ predicate: string; constant: Map<string, string> } | undefined> {
  const stats = keys.flatMap((k, i) => [
    `CAST(MIN(${q(k)}) AS VARCHAR) AS lo${i}`,
    `CAST(MAX(${q(k)}) AS VARCHAR) AS hi${i}`,
    `COUNT(${q(k)}) AS n${i}`,
    `ANY_VALUE(typeof(${q(k)})) AS t${i}`,
  ]);
  const [s] = await w.execute(`SELECT COUNT(*) AS n, ${stats.join(', ')} FROM ${newRows}`);
  const total = Number(s?.['n'] ?? 0);
  if (!s || total === 0) return { predicate: 'FALSE', constant: new Map() };
  const bounds = keys.map((k, i) => {
    const type = String(s[`t${i}`] ?? 'VARCHAR');
    if (!/^[A-Z][A-Z0-9_ (),]*$/.test(type)) return undefined; // a type we would not spell back safely: no bound
    const nonNull = Number(s[`n${i}`] ?? 0);
    const range = nonNull > 0 ? `${q(k)} BETWEEN CAST(${lit(String(s[`lo${i}`]))} AS ${type}) AND CAST(${lit(String(s[`hi${i}`]))} AS ${type})` : 'FALSE';
    return nonNull < total ? `(${range} OR ${q(k)} IS NULL)` : range;
  });
  // Keep a column's bound only where it narrows the box: comparing every row against a bound that holds everything
  // (the shop, the product columns of a snapshot) costs as much as the check.
  const count = async (where: string[]) => Number((await w.execute(`SELECT COUNT(*) AS n FROM ${table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`))[0]?.['n'] ?? 0);
  let kept: string[] = [];
  let inBox = await count(kept);
  for (const b of bounds) {
    if (!b) continue;
    const n = await count([...kept, b]);
    if (n < inBox) [kept, inBox] = [[...kept, b], n];
  }
  if (kept.length === 0 || inBox > maxRatio * total) return undefined;
  // A key column with one value among the new rows (no NULL) has that value on every row in the box: its bound
  // was kept, or dropped because every row met it. Grouping by it adds nothing but hashing: it is output as that value.
  const constant = new Map<string, string>();
  keys.forEach((k, i) => {
    if (bounds[i] && Number(s[`n${i}`]) === total && s[`lo${i}`] === s[`hi${i}`]) constant.set(k, `CAST(${lit(String(s[`lo${i}`]))} AS ${String(s[`t${i}`])})`);
  });
  return { predicate: kept.join(' AND '), constant };
}

/**
 * The unique-key check over the selective key box of `newRows` (see selectiveKeyBox): every key group inside the box
 * that holds more than one row, as Dataform's uniqueKey assertion returns them (the key columns and index_row_count).
 */
export async function boxedUniqueKeyCheck(w: FeatureWarehouse, table: string, newRows: string, keys: string[]): Promise<string | undefined> {
  const box = await selectiveKeyBox(w, table, newRows, keys);
  if (!box) return undefined;
  const grouped = keys.filter((k) => !box.constant.has(k));
  const columns = keys.map((k) => (box.constant.has(k) ? `${box.constant.get(k)!} AS ${q(k)}` : q(k)));
  return `SELECT ${columns.join(', ')}, COUNT(1) AS index_row_count FROM ${table} WHERE ${box.predicate}${grouped.length ? ` GROUP BY ${grouped.map(q).join(', ')}` : ''} HAVING COUNT(1) > 1`;
}

// A value as a DuckDB SQL string literal (single quotes doubled), for the few places a value cannot be a parameter (ATTACH paths, settings, table-function arguments).
export const sqlLiteral = (s: string): string => `'${s.replaceAll("'", "''")}'`;

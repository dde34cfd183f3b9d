// Reaches the embedded store: through the running runtime's admin routes when it runs, else by opening DuckDB directly.
import type { AppConfig } from '../core/config';
import { ShopMlopsError } from '../core/errors';
import { findRunningRuntime, type RuntimeInfo } from '../runtime/runtime-file';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../adapters/embedded/duckdb-warehouse';
import { paths } from '../runtime/local-runtime';

export async function adminCall<T>(info: RuntimeInfo, method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${info.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${info.adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as T & { error?: { message: string } };
  if (!res.ok) throw new ShopMlopsError('BAD_REQUEST', json.error?.message ?? `runtime answered ${res.status}`);
  return json;
}

/** Runs `fn` with a warehouse opened directly (only when no runtime holds the database). */
export async function withDirectWarehouse<T>(config: AppConfig, fn: (w: DuckDbWarehouse) => Promise<T>, readOnly = false): Promise<T> {
  const w = await openDuckDbWarehouse({ path: paths(config.dataDir).warehouse, readOnly }).catch((err: Error) => {
    throw new ShopMlopsError('UNAVAILABLE', `cannot open the warehouse in ${config.dataDir}: ${err.message}`);
  });
  try {
    return await fn(w);
  } finally {
    await w.close();
  }
}

export { findRunningRuntime };

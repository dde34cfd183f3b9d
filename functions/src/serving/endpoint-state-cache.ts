// Endpoint states read through a short-lived cache (the cloud's Vertex endpoint is an API call away): fresh within the TTL, the last good state while a read fails.
import type { EndpointKey, EndpointState, Endpoints } from '../ports/endpoints';

export interface EndpointStateCacheOptions {
  /** A state is re-read after this long (ms): a split change or a switch back reaches the routes within it. */
  ttlMs: number;
  /** How long the last good state keeps serving while reads fail (ms). */
  staleMs?: number;
  now?: () => number;
}

export function cachedEndpointState(endpoints: Pick<Endpoints, 'getState'>, o: EndpointStateCacheOptions): Pick<Endpoints, 'getState'> {
  const now = o.now ?? Date.now;
  const staleMs = o.staleMs ?? 10 * 60_000;
  const cache = new Map<string, { at: number; state: EndpointState }>();
  const reading = new Map<string, Promise<EndpointState>>();
  return {
    async getState(key: EndpointKey) {
      const k = `${key.shop}\n${key.model}`;
      const hit = cache.get(k);
      if (hit && now() - hit.at < o.ttlMs) return hit.state;
      let p = reading.get(k);
      if (!p) {
        p = endpoints
          .getState(key)
          .then((state) => {
            cache.set(k, { at: now(), state });
            return state;
          })
          .finally(() => reading.delete(k));
        reading.set(k, p);
      }
      try {
        return await p;
      } catch (err) {
        if (hit && now() - hit.at < staleMs) return hit.state;
        throw err;
      }
    },
  };
}

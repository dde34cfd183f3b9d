// Whether the prediction routes serve a shop (false once the app was uninstalled), read from the session storage at most once per TTL per shop, so no request waits on a file or Firestore read; a change made through this process is seen at once (forget).
import type { Logger } from '../core/log';
import type { SessionStorage } from '../ports/session-storage';

/** How long a process trusts a shop's install state (an uninstall made elsewhere reaches every instance within it). */
export const INSTALL_STATE_TTL_MS = 30_000;
const MAX_CACHED_SHOPS = 10_000;

export interface ServedShops {
  /** False once the app was uninstalled from the shop; a failed read answers true (logged): the storefront keeps working. */
  isServedShop(shop: string): Promise<boolean>;
  /** Drops the cached state (after this process installed or uninstalled the shop). */
  forget(shop: string): void;
}

export function createServedShops(sessions: Pick<SessionStorage, 'isUninstalled'>, o: { log: Logger; ttlMs?: number; now?: () => number }): ServedShops {
  const ttl = o.ttlMs ?? INSTALL_STATE_TTL_MS;
  const now = o.now ?? Date.now;
  const served = new Map<string, { value: boolean; at: number }>();
  return {
    async isServedShop(shop) {
      const hit = served.get(shop);
      if (hit && now() - hit.at < ttl) return hit.value;
      let value = true;
      try {
        value = !(await sessions.isUninstalled(shop));
      } catch (err) {
        o.log.warn('install state not read; the shop is served', { shop, error: (err as Error).message });
        return true;
      }
      if (served.size >= MAX_CACHED_SHOPS) served.clear();
      served.set(shop, { value, at: now() });
      return value;
    },
    forget: (shop) => void served.delete(shop),
  };
}

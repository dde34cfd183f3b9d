// SessionStorage on Firestore (cloud): one document per shop in `shopify_sessions` (id = shop domain), token encrypted at rest by Google, no client SDK access (server-only collection).
import type { Firestore } from 'firebase-admin/firestore';
import { ShopMlopsError } from '../../core/errors';
import { MYSHOPIFY_DOMAIN } from '../../core/topics';
import { shopRecordSchema, type SessionStorage, type ShopRecord } from '../../ports/session-storage';

export const SESSIONS_COLLECTION = 'shopify_sessions';

export function createFirestoreSessionStorage(db: Pick<Firestore, 'collection'>, collection = SESSIONS_COLLECTION): SessionStorage {
  const doc = (shop: string) => {
    if (!MYSHOPIFY_DOMAIN.test(shop)) throw new ShopMlopsError('BAD_REQUEST', `not a <name>.myshopify.com shop: ${JSON.stringify(shop)}`);
    return db.collection(collection).doc(shop);
  };
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw new ShopMlopsError('UNAVAILABLE', `firestore ${what} failed: ${(e as Error).message}`, { cause: e });
    }
  };
  const read = async (shop: string): Promise<ShopRecord | null> => {
    const snap = await call('read', () => doc(shop).get());
    return snap.exists ? shopRecordSchema.parse(snap.data()) : null;
  };
  return {
    store: (session) => call('write', async () => void (await doc(session.shop).set(shopRecordSchema.parse({ shop: session.shop, session, uninstalledAt: null })))),
    async load(shop) {
      return (await read(shop))?.session ?? null;
    },
    async uninstall(shop, at) {
      const before = await read(shop);
      await call('write', () => doc(shop).set({ shop, session: null, uninstalledAt: at }));
      return !!before?.session;
    },
    async isUninstalled(shop) {
      return (await read(shop))?.uninstalledAt != null;
    },
    async installedShops() {
      const snap = await call('query', () => db.collection(collection).where('uninstalledAt', '==', null).get());
      return snap.docs.map((d) => shopRecordSchema.parse(d.data())).filter((r) => r.session).map((r) => r.shop).sort();
    },
  };
}

// FlowTriggerJournal on Firestore (cloud): one document per sent decision in `shopify_flow_triggers` (id = decision id, with its shop), read per shop by an equality query.
import type { Firestore } from 'firebase-admin/firestore';
import { ShopMlopsError } from '../../core/errors';
import { MYSHOPIFY_DOMAIN } from '../../core/topics';
import type { FlowTriggerJournal } from '../../ports/flow-trigger-journal';

export const FLOW_TRIGGERS_COLLECTION = 'shopify_flow_triggers';

export function createFirestoreFlowTriggerJournal(db: Pick<Firestore, 'collection'>, collection = FLOW_TRIGGERS_COLLECTION): FlowTriggerJournal {
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw new ShopMlopsError('UNAVAILABLE', `firestore ${what} failed: ${(e as Error).message}`, { cause: e });
    }
  };
  const checked = (shop: string) => {
    if (!MYSHOPIFY_DOMAIN.test(shop)) throw new ShopMlopsError('BAD_REQUEST', `not a <name>.myshopify.com shop: ${JSON.stringify(shop)}`);
    return shop;
  };
  return {
    async sent(shop) {
      const snap = await call('query', () => db.collection(collection).where('shop', '==', checked(shop)).get());
      return new Set(snap.docs.map((d) => d.id));
    },
    async record(shop, decisionId) {
      if (!/^[0-9a-f]{64}$/.test(decisionId)) throw new ShopMlopsError('BAD_REQUEST', `not a decision id: ${JSON.stringify(decisionId)}`);
      await call('write', () => db.collection(collection).doc(decisionId).set({ shop: checked(shop), decisionId, sentAt: new Date().toISOString() }));
    },
  };
}

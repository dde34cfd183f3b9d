// The SessionStorage contract against both adapters: 0600 files (embedded) and Firestore (cloud, through an in-process server speaking Firestore's gRPC protocol to the real client library).
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { createFileSessionStorage } from '../../functions/src/adapters/embedded/file-session-storage';
import { createFirestoreSessionStorage, SESSIONS_COLLECTION } from '../../functions/src/adapters/gcp/firestore-session-storage';
import type { SessionStorage } from '../../functions/src/ports/session-storage';
import { startFakeFirestore, type FakeFirestore } from '../gcp/support/fake-firestore';

const A = 'shop-a.myshopify.com';
const B = 'shop-b.myshopify.com';
const session = (shop: string, token: string) => ({ shop, accessToken: token, scope: 'write_products,write_customers', installedAt: '2026-12-06T23:00:00.000Z' });

function contract(name: string, make: () => Promise<{ storage: SessionStorage; cleanup(): Promise<void> }>) {
  describe(`SessionStorage: ${name}`, () => {
    test('store, load, uninstall (token gone, shop marked), reinstall (mark cleared), installed shops', async () => {
      const { storage, cleanup } = await make();
      try {
        expect(await storage.load(A)).toBeNull();
        expect(await storage.isUninstalled(A)).toBe(false);
        await storage.store(session(A, 'shpat_a1'));
        await storage.store(session(B, 'shpat_b1'));
        expect(await storage.load(A)).toEqual(session(A, 'shpat_a1'));
        expect(await storage.installedShops()).toEqual([A, B]);
        expect(await storage.uninstall(A, '2026-12-07T00:00:00.000Z')).toBe(true);
        expect(await storage.load(A)).toBeNull();
        expect(await storage.isUninstalled(A)).toBe(true);
        expect(await storage.installedShops()).toEqual([B]);
        expect(await storage.uninstall(A, '2026-12-07T00:01:00.000Z')).toBe(false);
        await storage.store(session(A, 'shpat_a2'));
        expect(await storage.isUninstalled(A)).toBe(false);
        expect((await storage.load(A))?.accessToken).toBe('shpat_a2');
        await expect(storage.load('../../etc/passwd')).rejects.toThrow(/myshopify/);
      } finally {
        await cleanup();
      }
    });
  });
}

contract('embedded files', async () => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'shop-mlops-sessions-')), 'sessions');
  return {
    storage: createFileSessionStorage(dir),
    cleanup: async () => {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(dir, `${A}.json`)).mode & 0o777).toBe(0o600);
    },
  };
});

let fake: FakeFirestore;
contract('Firestore', async () => {
  fake = await startFakeFirestore();
  const db = new Firestore({ projectId: 'demo-shop-mlops', host: '127.0.0.1', port: fake.port, ssl: false, customHeaders: { Authorization: 'Bearer owner' } });
  return {
    storage: createFirestoreSessionStorage(db),
    cleanup: async () => {
      // One document per shop in the collection, as the adapter says.
      expect([...fake.documents().keys()].sort()).toEqual([A, B].map((s) => `projects/demo-shop-mlops/databases/(default)/documents/${SESSIONS_COLLECTION}/${s}`));
      expect(fake.documents().get(`projects/demo-shop-mlops/databases/(default)/documents/${SESSIONS_COLLECTION}/${A}`)).toMatchObject({ shop: A, uninstalledAt: null, session: { accessToken: 'shpat_a2' } });
      await db.terminate();
      await fake.stop();
    },
  };
});

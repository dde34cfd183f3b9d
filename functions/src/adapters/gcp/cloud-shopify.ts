// The Shopify side of the Cloud Functions: offline tokens in Firestore, POST /shopify/install on the `api` function, app/uninstalled acted on by the privacy topic's worker, the Flow triggers after the monitor's pass (sent decisions journaled in Firestore).
import type { Hono } from 'hono';
import type { Firestore } from 'firebase-admin/firestore';
import type { LandedEvent } from '../../core/classify';
import type { AppConfig } from '../../core/config';
import { ShopMlopsError } from '../../core/errors';
import type { Logger } from '../../core/log';
import type { PrivacyOutcome } from '../../core/privacy-service';
import type { MonitoringStore } from '../../ports/monitoring-store';
import type { SessionStorage } from '../../ports/session-storage';
import { createAdminLibrary, routeShopifyAdminTo, type AdminLibrary } from '../../shopify/admin-library';
import { sendFlowTriggers, type FlowTriggerReport } from '../../shopify/flow-trigger';
import { handleAppUninstalled } from '../../shopify/install';
import { mountInstallRoute } from '../../shopify/install-route';
import { createServedShops } from '../../shopify/served-shops';
import { lazy } from './cloud-config';
import { createFirestoreFlowTriggerJournal } from './firestore-flow-trigger-journal';
import { createFirestoreSessionStorage } from './firestore-session-storage';

/** The firebase-admin app the functions' Firestore client belongs to (named: never clashes with another initializeApp). */
const ADMIN_APP = 'shop-mlops';

/** The project's (default) Firestore database (infra/firestore.tf) through the Admin SDK, as the functions' account; FIRESTORE_EMULATOR_HOST points it elsewhere. */
export function cloudFirestore(projectId: string): Firestore {
  const { getApps, initializeApp } = require('firebase-admin/app') as typeof import('firebase-admin/app');
  const { getFirestore } = require('firebase-admin/firestore') as typeof import('firebase-admin/firestore');
  const app = getApps().find((a) => a.name === ADMIN_APP) ?? initializeApp({ projectId }, ADMIN_APP);
  return getFirestore(app);
}

export interface CloudShopifyOptions {
  log: Logger;
  /** Tests: a client pointed at an in-process server (default: cloudFirestore on first use). */
  firestore?: Pick<Firestore, 'collection'>;
}

export interface CloudShopify {
  sessions: SessionStorage;
  /** The Admin API library (throws CONFIG_INVALID without SHOPIFY_API_KEY). */
  library(): AdminLibrary;
  /** POST /shopify/install (the same route module as the embedded runtime). */
  mount(app: Hono): void;
  /** An app/uninstalled events row from the privacy topic: the signed payload's shop loses its token and is marked. */
  onUninstalled(event: LandedEvent): Promise<PrivacyOutcome>;
  /**
   * For the prediction routes: false once the app was uninstalled from the shop (403, as on the embedded runtime). Read
   * from Firestore at most every INSTALL_STATE_TTL_MS per shop and instance; a failed read answers true (logged).
   */
  isServedShop(shop: string): Promise<boolean>;
  /** After a monitor pass: every recorded decision not yet sent goes to Flow with the shop's offline token (never throws). */
  sendFlowTriggers(store: Pick<MonitoringStore, 'decisions'>): Promise<FlowTriggerReport | null>;
}

export { INSTALL_STATE_TTL_MS } from '../../shopify/served-shops';

export function createCloudShopify(config: AppConfig, o: CloudShopifyOptions): CloudShopify {
  const log = o.log.child({ component: 'shopify' });
  // Firestore (and firebase-admin) are loaded on first use: a function that never reads a token never pays for them.
  const db = lazy(() => o.firestore ?? cloudFirestore(config.gcpProject!));
  const firestore: Pick<Firestore, 'collection'> = { collection: (path: string) => db().collection(path) };
  const sessions = createFirestoreSessionStorage(firestore);
  const journal = createFirestoreFlowTriggerJournal(firestore);
  if (config.shopifyAdminOrigin) routeShopifyAdminTo(config.shopifyAdminOrigin);
  const library = lazy((): AdminLibrary => {
    if (!config.shopifyApiKey) throw new ShopMlopsError('CONFIG_INVALID', 'SHOPIFY_API_KEY is not set: no Admin API calls (install, Flow triggers)');
    return createAdminLibrary({ apiKey: config.shopifyApiKey, apiSecret: config.shopifyApiSecret! });
  });
  const served = createServedShops(sessions, { log });
  return {
    sessions,
    library,
    isServedShop: (shop) => served.isServedShop(shop),
    mount: (app) => mountInstallRoute(app, { library, sessions, log }),
    async onUninstalled(event) {
      if (event.topic !== 'app/uninstalled') throw new ShopMlopsError('BAD_REQUEST', `not app/uninstalled: ${event.topic}`);
      const hadToken = await handleAppUninstalled(sessions, event.shop, event.payload, event.triggered_at ?? event.received_at, log);
      return { action: 'app/uninstalled', details: { hadToken } };
    },
    async sendFlowTriggers(store) {
      if (!config.shopifyApiKey) return null;
      try {
        return await sendFlowTriggers({ store, sessions, library: library(), journal, logger: log });
      } catch (err) {
        log.warn('flow triggers not sent; retried after the next pass', { error: (err as Error).message });
        return null;
      }
    },
  };
}

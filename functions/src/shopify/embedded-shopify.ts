// The Shopify side of the embedded runtime: sessions (0600 files), install by token exchange (POST /shopify/install), app/uninstalled and bulk_operations/finish acted on after landing, the metafields write-back (POST /admin/metafields) and the Flow triggers after each monitor pass.
import * as path from 'node:path';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { LandedEvent } from '../core/classify';
import { ShopMlopsError } from '../core/errors';
import type { Logger } from '../core/log';
import { errorResponse } from '../http/webhook-app';
import type { MonitoringStore } from '../ports/monitoring-store';
import type { Row } from '../ports/warehouse';
import type { SessionStorage } from '../ports/session-storage';
import { createFileSessionStorage } from '../adapters/embedded/file-session-storage';
import { createFileFlowTriggerJournal } from '../adapters/embedded/file-flow-trigger-journal';
import { parseExact } from '../core/json';
import { createAdminLibrary, routeShopifyAdminTo, type AdminLibrary } from './admin-library';
import { createBulkFinishSignals, type BulkFinishSignals } from './bulk-finish-signals';
import { sendFlowTriggers, type FlowTriggerReport } from './flow-trigger';
import { handleAppUninstalled, refuseUninstalled } from './install';
import { mountInstallRoute } from './install-route';
import { createServedShops } from './served-shops';
import { writeBack, type MetafieldsJobDeps, type ShopWriteReport, type WriteMode } from './metafields-job';
import { duckDbScoreSource } from './score-source';
import { embeddedJournalDir } from './journal-storage';
import type { ScheduledJob } from '../runtime/scheduler';
import type { StartTraining } from '../monitoring/retrain';

export const shopifyPaths = (dataDir: string) => ({ sessions: path.join(dataDir, 'sessions'), metafields: embeddedJournalDir(dataDir), flow: path.join(dataDir, 'flow-triggers') });

export interface EmbeddedShopifyOptions {
  dataDir: string;
  /** SHOPIFY_API_KEY: without it there is no Admin API (install, write-back and Flow triggers refuse; webhooks still act). */
  apiKey: string | undefined;
  apiSecret: string;
  /** SHOP_MLOPS_SHOPIFY_ADMIN_ORIGIN: send Admin API calls to this server instead of https://<shop> (the contract server). */
  adminOrigin?: string | undefined;
  execute: (sql: string, params?: unknown[]) => Promise<Row[]>;
  monitoringStore?: Pick<MonitoringStore, 'decisions'>;
  logger: Logger;
  /** Write-back tuning (tests). */
  writeBack?: Partial<Pick<MetafieldsJobDeps, 'maxChunkBytes' | 'pollMs' | 'deltaLimit'>>;
}

export interface EmbeddedShopify {
  sessions: SessionStorage;
  signals: BulkFinishSignals;
  library: AdminLibrary | null;
  /** After landing: app/uninstalled revokes, bulk_operations/finish wakes the write-back. */
  onLanded(events: readonly LandedEvent[]): Promise<void>;
  /** Shops the app was uninstalled from are skipped by every job (and refused by the prediction routes). */
  isUninstalled(shop: string): Promise<boolean>;
  /** For the prediction routes: false once uninstalled (cached per shop; see served-shops.ts). */
  isServedShop(shop: string): Promise<boolean>;
  writeBack(o: { mode: WriteMode; shops?: string[] }): Promise<ShopWriteReport[]>;
  sendFlowTriggers(): Promise<FlowTriggerReport | null>;
  /** POST /shopify/install (session token in Authorization) and POST /admin/metafields (behind the admin routes' guard). */
  mount(app: Hono): void;
  /** Training refuses to start for an uninstalled shop (every retraining trigger goes through it). */
  gateTraining(start: StartTraining): StartTraining;
  /** The scheduler's monitor job, then the Flow triggers of its decisions. */
  withFlowTriggers(jobs: ScheduledJob[]): ScheduledJob[];
  /** A monitor pass (POST /admin/monitor), then the Flow triggers of its decisions. */
  afterMonitorPass<T>(pass: Promise<T>): Promise<T>;
}

export const metafieldsRouteBody = z.strictObject({ mode: z.enum(['full', 'delta', 'auto']).default('auto'), shops: z.array(z.string()).optional() });

export function createEmbeddedShopify(o: EmbeddedShopifyOptions): EmbeddedShopify {
  const p = shopifyPaths(o.dataDir);
  const log = o.logger.child({ component: 'shopify' });
  const files = createFileSessionStorage(p.sessions);
  // The prediction routes ask on every request: cached per shop; an install or uninstall through this process is seen at once.
  const served = createServedShops(files, { log });
  const sessions: SessionStorage = {
    ...files,
    store: async (session) => {
      await files.store(session);
      served.forget(session.shop);
    },
    uninstall: async (shop, at) => {
      try {
        return await files.uninstall(shop, at);
      } finally {
        served.forget(shop);
      }
    },
  };
  const signals = createBulkFinishSignals();
  if (o.adminOrigin) routeShopifyAdminTo(o.adminOrigin);
  const library = o.apiKey ? createAdminLibrary({ apiKey: o.apiKey, apiSecret: o.apiSecret }) : null;
  const need = (): AdminLibrary => {
    if (!library) throw new ShopMlopsError('CONFIG_INVALID', 'SHOPIFY_API_KEY is not set: no Admin API calls (install, metafields, Flow triggers)');
    return library;
  };
  const writeBackRun = (w: { mode: WriteMode; shops?: string[] }) =>
    writeBack({ dir: p.metafields, scores: duckDbScoreSource(o.execute), sessions, library: need(), signals, logger: log, ...o.writeBack }, w);
  const flow = async () => {
    if (!library || !o.monitoringStore) return null;
    try {
      return await sendFlowTriggers({ store: o.monitoringStore, sessions, library, journal: createFileFlowTriggerJournal(p.flow), logger: log });
    } catch (err) {
      log.warn('flow triggers not sent; retried after the next pass', { error: (err as Error).message });
      return null;
    }
  };
  const afterMonitorPass = async <T>(pass: Promise<T>): Promise<T> => {
    const r = await pass;
    await flow();
    return r;
  };
  return {
    sessions,
    signals,
    library,
    gateTraining: (start) => refuseUninstalled(sessions, start),
    withFlowTriggers: (jobs) => jobs.map((j) => (j.name === 'monitor' ? { ...j, run: (now: Date) => afterMonitorPass(j.run(now)) } : j)),
    afterMonitorPass,
    async onLanded(events) {
      for (const ev of events) {
        try {
          if (ev.topic === 'app/uninstalled') await handleAppUninstalled(sessions, ev.shop, ev.payload, ev.triggered_at ?? ev.received_at, log);
          else if (ev.topic === 'bulk_operations/finish') signals.notify(parseExact(ev.payload));
        } catch (err) {
          log.error('could not act on a landed delivery', { topic: ev.topic, webhookId: ev.webhook_id, error: (err as Error).message });
        }
      }
    },
    isUninstalled: (shop) => sessions.isUninstalled(shop),
    isServedShop: (shop) => served.isServedShop(shop),
    writeBack: writeBackRun,
    sendFlowTriggers: flow,
    mount(app) {
      mountInstallRoute(app, { library: need, sessions, log });
      app.post('/admin/metafields', async (c) => {
        const body = metafieldsRouteBody.safeParse(await c.req.json().catch(() => ({})));
        if (!body.success) return errorResponse('BAD_REQUEST', body.error.issues.map((i) => i.message).join('; '));
        try {
          return c.json({ reports: await writeBackRun({ mode: body.data.mode, ...(body.data.shops ? { shops: body.data.shops } : {}) }) });
        } catch (err) {
          const e = ShopMlopsError.fromUnknown(err);
          return errorResponse(e.code, e.message, e.details);
        }
      });
    },
  };
}

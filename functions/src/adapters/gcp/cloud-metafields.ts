// The scheduled metafields write-back's wiring (cloud): the same job as the embedded runtime's (shopify/metafields-job.ts) over the BigQuery score source, the offline tokens in Firestore and the journals in Cloud Storage; bulk completion by polling (the finish webhook lands in another function).
import type { BigQuery } from '@google-cloud/bigquery';
import type { Storage } from '@google-cloud/storage';
import type { AppConfig } from '../../core/config';
import { ShopMlopsError } from '../../core/errors';
import { createLogger, type Logger } from '../../core/log';
import { writeBackShop, type MetafieldsJobDeps, type ShopWriteReport, type WriteMode } from '../../shopify/metafields-job';
import { bigQueryScoreSource } from './bigquery-score-source';
import { createCloudShopify, type CloudShopifyOptions } from './cloud-shopify';
import { createGcsJournalStorage, METAFIELDS_JOURNAL_PREFIX } from './gcs-journal-storage';

/** Folder of the write-back journals in the artifact bucket (metafields/<shop>/journal/, metafields/<shop>/runs/); the privacy worker redacts there too. */
export { METAFIELDS_JOURNAL_PREFIX };

export interface CloudMetafieldsOptions extends Pick<CloudShopifyOptions, 'firestore'> {
  /** Tests: clients pointed at in-process servers. */
  bigquery?: BigQuery;
  storage?: Storage;
  /** Job knobs (tests: small files, fast polling). */
  job?: Partial<Pick<MetafieldsJobDeps, 'maxChunkBytes' | 'pollMs' | 'deltaLimit' | 'compactAboveBytes'>>;
}

export interface MetafieldsPassReport {
  /** Shops with scores and an offline token (uninstalled shops are not among them). */
  shops: string[];
  reports: ShopWriteReport[];
  failed: Array<{ shop: string; code: string; message: string }>;
}

export interface CloudMetafields {
  /** One pass over every installed shop with scores; a shop that fails does not stop the others (its journal resumes it next pass). */
  pass(mode: WriteMode): Promise<MetafieldsPassReport>;
  log: Logger;
}

export function buildMetafieldsRuntime(config: AppConfig, opts: CloudMetafieldsOptions = {}): CloudMetafields {
  const log = createLogger({ level: config.logLevel, component: 'metafields' });
  const project = config.gcpProject!;
  const shopify = createCloudShopify(config, { log, ...(opts.firestore ? { firestore: opts.firestore } : {}) });
  const scores = bigQueryScoreSource({ projectId: project, log, ...(opts.bigquery ? { bigquery: opts.bigquery } : {}) });
  const journals = createGcsJournalStorage({ bucket: config.artifactBucket!, prefix: METAFIELDS_JOURNAL_PREFIX, ...(opts.storage ? { storage: opts.storage } : {}) });
  return {
    log,
    async pass(mode) {
      const deps: MetafieldsJobDeps = { journals, scores, sessions: shopify.sessions, library: shopify.library(), logger: log, ...opts.job };
      const installed = new Set(await shopify.sessions.installedShops());
      const shops = (await scores.shops()).filter((s) => installed.has(s));
      const out: MetafieldsPassReport = { shops, reports: [], failed: [] };
      for (const shop of shops) {
        try {
          out.reports.push(await writeBackShop(shop, mode, deps));
        } catch (err) {
          const e = ShopMlopsError.fromUnknown(err);
          log.error('metafields write-back failed for a shop; its journal resumes it on the next pass', { shop, code: e.code, error: e.message });
          out.failed.push({ shop, code: e.code, message: e.message });
        }
      }
      return out;
    },
  };
}

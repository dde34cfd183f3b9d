// Redaction of personal data held in artifacts: the pipelines' extracted datasets (NDJSON rows with shop and customer_id; local runs and the Vertex pipeline root), the data-request exports (deleted by a redaction, and once they expire), and every stored generation of what it rewrites or deletes.

import type { ArtifactStore } from '../ports/artifact-store';

/** Where pipeline runs keep their artifacts: in-process runs (functions/src/pipeline/local-runner.ts) and the Vertex AI pipeline root (infra/pipeline.tf); extracted datasets are NDJSON rows. */
export const PIPELINE_ARTIFACT_PREFIXES = ['pipeline-runs/', 'pipeline-root/'] as const;
/** Where customers/data_request exports go (privacy-service.ts exportKey). */
export const EXPORT_PREFIX = 'privacy-exports/';
/**
 * Only NDJSON datasets hold customer rows; models and metrics hold counts (checked by test/embedded/privacy-artifacts.test.ts).
 * An extract step's outputs are named after their table (`…/extract/customer_rfm` locally; `…/extract-<task id>/customer_rfm` under Vertex's pipeline root).
 */
const isDataset = (key: string, contentType: string) => contentType.startsWith('application/x-ndjson') || /\/extract(?:[-_][^/]*)?\/[a-z_]+$/.test(key);

export interface ArtifactRedaction {
  /** Artifacts rewritten (customer) or deleted (shop), by key. */
  artifacts: { key: string; rowsRemoved: number }[];
  /** Data-request exports deleted. */
  exports: string[];
}

/** Drops every stored generation but the live one (a versioned bucket keeps what was overwritten or deleted). */
async function purgeOld(store: ArtifactStore, key: string): Promise<void> {
  if (store.purgeNoncurrent) await store.purgeNoncurrent(key);
}

/** Deletes an artifact with every stored generation of it. */
export async function deleteEveryGeneration(store: ArtifactStore, key: string): Promise<void> {
  await store.delete(key);
  await purgeOld(store, key);
}

/** Rewrites every dataset artifact without the rows that match; deletes it when no row is left. */
async function filterDatasets(store: ArtifactStore, needle: string, drop: (row: Record<string, unknown>) => boolean): Promise<ArtifactRedaction['artifacts']> {
  const out: ArtifactRedaction['artifacts'] = [];
  for (const prefix of PIPELINE_ARTIFACT_PREFIXES) {
    for (const info of await store.list(prefix)) {
      if (info.key.endsWith('.meta.json') || !isDataset(info.key, info.contentType)) continue;
      const body = await store.get(info.key);
      if (!body || !body.includes(needle)) continue; // cheap test before parsing
      const kept: string[] = [];
      let removed = 0;
      for (const line of body.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        let row: Record<string, unknown> | null = null;
        try {
          row = JSON.parse(line) as Record<string, unknown>;
        } catch {
          row = null;
        }
        if (row && drop(row)) removed++;
        else kept.push(line);
      }
      if (!removed) continue;
      if (kept.length) {
        await store.put(info.key, kept.join('\n') + '\n', { contentType: info.contentType });
        await purgeOld(store, info.key);
      } else await deleteEveryGeneration(store, info.key);
      out.push({ key: info.key, rowsRemoved: removed });
    }
  }
  return out;
}

/** Deletes every export under a prefix (with every generation). */
async function deleteExports(store: ArtifactStore, prefix: string): Promise<string[]> {
  const keys = (await store.list(prefix)).map((i) => i.key);
  for (const k of keys) await deleteEveryGeneration(store, k);
  return keys;
}

/** customers/redact: drop the customer's rows from every extracted dataset (ids are strings in these rows) and delete their data-request exports. */
export async function redactCustomerArtifacts(store: ArtifactStore, shop: string, customerId: string): Promise<ArtifactRedaction> {
  const artifacts = await filterDatasets(store, customerId, (r) => String(r['customer_id'] ?? '') === customerId && (r['shop'] === undefined || r['shop'] === shop));
  return { artifacts, exports: await deleteExports(store, `${EXPORT_PREFIX}${shop}/customer-${customerId}/`) };
}

/** shop/redact: drop every row of the shop from every extracted dataset and delete the shop's data-request exports. */
export async function redactShopArtifacts(store: ArtifactStore, shop: string): Promise<ArtifactRedaction> {
  const artifacts = await filterDatasets(store, shop, (r) => r['shop'] === shop);
  return { artifacts, exports: await deleteExports(store, `${EXPORT_PREFIX}${shop}/`) };
}

/** Deletes the data-request exports written more than `ttlDays` ago (the merchant has had them for that long); returns their keys. */
export async function expireExports(store: ArtifactStore, ttlDays: number, now: Date = new Date()): Promise<string[]> {
  const cutoff = now.getTime() - ttlDays * 86_400_000;
  const expired = (await store.list(EXPORT_PREFIX)).filter((i) => Date.parse(i.updatedAt) <= cutoff).map((i) => i.key);
  for (const k of expired) await deleteEveryGeneration(store, k);
  return expired;
}

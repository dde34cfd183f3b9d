// Redaction of customer rows held in artifacts: the training pipeline's extracted datasets (NDJSON rows with shop and customer_id).

import type { ArtifactStore } from '../ports/artifact-store';

/** Where pipeline runs keep their artifacts (functions/src/pipeline/local-runner.ts); extracted datasets are NDJSON rows. */
export const PIPELINE_ARTIFACT_PREFIX = 'pipeline-runs/';
/** Only NDJSON datasets hold customer rows; models and metrics hold counts (checked by test/embedded/privacy-artifacts.test.ts). */
const isDataset = (key: string, contentType: string) => contentType === 'application/x-ndjson' || /\/extract\/[a-z_]+$/.test(key);

export interface ArtifactRedaction {
  /** Artifacts rewritten (customer) or deleted (shop), by key. */
  artifacts: { key: string; rowsRemoved: number }[];
}

/** Rewrites every dataset artifact without the rows that match; deletes it when no row is left. */
async function filterDatasets(store: ArtifactStore, needle: string, drop: (row: Record<string, unknown>) => boolean): Promise<ArtifactRedaction> {
  const out: ArtifactRedaction = { artifacts: [] };
  for (const info of await store.list(PIPELINE_ARTIFACT_PREFIX)) {
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
    if (kept.length) await store.put(info.key, kept.join('\n') + '\n', { contentType: info.contentType });
    else await store.delete(info.key);
    out.artifacts.push({ key: info.key, rowsRemoved: removed });
  }
  return out;
}

/** customers/redact: drop the customer's rows from every extracted dataset (ids are strings in these rows). */
export function redactCustomerArtifacts(store: ArtifactStore, shop: string, customerId: string): Promise<ArtifactRedaction> {
  return filterDatasets(store, customerId, (r) => String(r['customer_id'] ?? '') === customerId && (r['shop'] === undefined || r['shop'] === shop));
}

/** shop/redact: drop every row of the shop from every extracted dataset. */
export function redactShopArtifacts(store: ArtifactStore, shop: string): Promise<ArtifactRedaction> {
  return filterDatasets(store, shop, (r) => r['shop'] === shop);
}

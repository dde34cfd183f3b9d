// Test helper: registers a copy of a propensity version whose only change is its decision threshold (a new version, as a retrain would), in a running runtime's registry of that shop.
import type { Runtime } from '../../../functions/src/runtime/local-runtime';

export async function withThreshold(rt: Runtime, shop: string, from: number, threshold: number, name: string): Promise<number> {
  const registry = rt.serving.registries.forShop(shop);
  const v = (await registry.getVersion('propensity', from))!;
  const key = v.artifactUri.slice(v.artifactUri.indexOf('models/'));
  const art = JSON.parse((await rt.artifacts.get(`${key}/model.json`))!.toString('utf8')) as { production: { threshold: { threshold: number | null; status: string } } };
  art.production.threshold = { ...art.production.threshold, status: 'met', threshold };
  const newKey = `models/propensity/e2e-${name}`;
  await rt.artifacts.put(`${newKey}/model.json`, JSON.stringify(art));
  return (await registry.registerVersion({ model: 'propensity', runId: v.runId, artifactKey: newKey, params: { ...v.params, artifact_key: newKey }, description: `v${from} with threshold ${threshold} (${name})` })).version;
}

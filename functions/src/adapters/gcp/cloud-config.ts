// The Cloud Functions' light wiring every entry point loads at start: the project, gcp-mode config from the environment, and a per-instance lazy builder (no Google client here).
import { loadConfig, type AppConfig } from '../../core/config';
import type { MetricServiceClient } from './cloud-monitoring-sink';

type Env = Record<string, string | undefined>;

/** The project the function runs in: set by the runtime (GOOGLE_CLOUD_PROJECT / GCLOUD_PROJECT) or in FIREBASE_CONFIG. */
export function projectIdFrom(env: Env): string | undefined {
  if (env['GOOGLE_CLOUD_PROJECT']) return env['GOOGLE_CLOUD_PROJECT'];
  if (env['GCLOUD_PROJECT']) return env['GCLOUD_PROJECT'];
  try {
    const fc = JSON.parse(env['FIREBASE_CONFIG'] ?? '{}') as { projectId?: unknown };
    return typeof fc.projectId === 'string' ? fc.projectId : undefined;
  } catch {
    return undefined;
  }
}

/** Default artifact bucket name; infra/storage.tf names the bucket the same way. */
export const defaultArtifactBucket = (projectId: string) => `${projectId}-shop-mlops-artifacts`;

/** gcp-mode configuration from the function's environment and the secret's value. */
export function loadCloudConfig(env: Env, apiSecret: string | undefined): AppConfig {
  const project = projectIdFrom(env);
  // PORT belongs to the Functions runtime (the emulator sets it to a socket path), not to our listener.
  const { PORT: _port, ...rest } = env;
  return loadConfig({
    ...rest,
    SHOP_MLOPS_MODE: 'gcp',
    SHOPIFY_API_SECRET: apiSecret,
    GOOGLE_CLOUD_PROJECT: project,
    SHOP_MLOPS_ARTIFACT_BUCKET: env['SHOP_MLOPS_ARTIFACT_BUCKET'] ?? (project ? defaultArtifactBucket(project) : undefined),
  });
}


/** Options shared by the HTTPS functions' runtimes: the Cloud Monitoring client (tests point it at a fake). */
export interface MetricsExportOptions {
  metricClient?: MetricServiceClient;
}


/** Caches one instance per function instance; a failed build is not cached, so the next invocation retries it. */
export function lazy<T>(build: () => T): () => T {
  let cached: { value: T } | undefined;
  return () => {
    if (!cached) cached = { value: build() };
    return cached.value;
  };
}

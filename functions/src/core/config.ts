// One zod schema for all configuration (env + CLI flags), validated once at start-up, listing every problem at once.
import { z } from 'zod';
import { ShopMlopsError } from './errors';

/** The development secret used in embedded mode when SHOPIFY_API_SECRET is unset (never valid in gcp mode). */
export const DEV_API_SECRET = 'shop-mlops-dev-secret';

const intFrom = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

const base = z.object({
  mode: z.enum(['embedded', 'gcp']).default('embedded'),
  host: z.string().min(1).default('127.0.0.1'),
  port: intFrom(8787, 0, 65535),
  dataDir: z.string().min(1).default('.shop-mlops'),
  shopifyApiSecret: z.string().min(1).optional(),
  shopifyApiKey: z.string().min(1).optional(),
  logLevel: z.enum(['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR']).default('INFO'),
  /** Largest webhook body accepted (bytes); larger → 413. */
  maxBodyBytes: intFrom(5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  /** Deliveries being accepted at once; above → 503 with Retry-After. */
  maxInFlight: intFrom(512, 1, 100_000),
  retryAfterSeconds: intFrom(5, 1, 3600),
  /** Embedded loader: most envelopes landed per warehouse transaction. */
  loadBatchSize: intFrom(20000, 1, 1_000_000),
  /** Embedded loader: pause after catching up, so the next transaction carries a bigger batch (ms). */
  loadLingerMs: intFrom(1000, 0, 60_000),
  /** Embedded runtime: acknowledged bytes not yet landed above which POST /webhooks answers 503 with Retry-After. */
  maxBacklogBytes: intFrom(1024 ** 3, 64 * 1024, 2 ** 50),
  /** Embedded runtime: free disk under the data directory below which POST /webhooks answers 503 (bytes). */
  minFreeDiskBytes: intFrom(512 * 1024 ** 2, 0, 2 ** 50),
  /** Embedded runtime: no landing progress on a non-empty backlog for this long makes /healthz answer 503 (seconds). */
  loaderStallSeconds: intFrom(120, 1, 86_400),
  /** Embedded runtime: rebuild the feature tables every N minutes (0 = never). */
  featuresEveryMinutes: intFrom(360, 0, 10_080),
  /** The shop's IANA time zone: feature days are days there. */
  shopTimezone: z.string().min(1).default('UTC'),
  gcpProject: z.string().min(1).optional(),
  pubsubTopic: z.string().min(1).default('shopify-webhooks'),
  privacyTopic: z.string().min(1).default('shopify-privacy'),
  rawDataset: z.string().min(1).default('shop_raw'),
  artifactBucket: z.string().min(1).optional(),
});

export type RawConfig = z.input<typeof base>;

/** Keys that gcp mode cannot run without (checked even when other keys are invalid, so every problem is listed). */
const GCP_REQUIRED = ['shopifyApiSecret', 'gcpProject', 'artifactBucket'] as const;

export type AppConfig = z.output<typeof base> & { shopifyApiSecret: string; secretSource: 'env' | 'development-default' };

/** Environment variable for each key (flags override env). */
export const ENV_NAMES: Record<keyof z.input<typeof base>, string> = {
  mode: 'SHOP_MLOPS_MODE',
  host: 'SHOP_MLOPS_HOST',
  port: 'PORT',
  dataDir: 'SHOP_MLOPS_DATA_DIR',
  shopifyApiSecret: 'SHOPIFY_API_SECRET',
  shopifyApiKey: 'SHOPIFY_API_KEY',
  logLevel: 'SHOP_MLOPS_LOG_LEVEL',
  maxBodyBytes: 'SHOP_MLOPS_MAX_BODY_BYTES',
  maxInFlight: 'SHOP_MLOPS_MAX_IN_FLIGHT',
  retryAfterSeconds: 'SHOP_MLOPS_RETRY_AFTER_SECONDS',
  loadBatchSize: 'SHOP_MLOPS_LOAD_BATCH_SIZE',
  loadLingerMs: 'SHOP_MLOPS_LOAD_LINGER_MS',
  maxBacklogBytes: 'SHOP_MLOPS_MAX_BACKLOG_BYTES',
  minFreeDiskBytes: 'SHOP_MLOPS_MIN_FREE_DISK_BYTES',
  loaderStallSeconds: 'SHOP_MLOPS_LOADER_STALL_SECONDS',
  featuresEveryMinutes: 'SHOP_MLOPS_FEATURES_EVERY_MINUTES',
  shopTimezone: 'SHOP_MLOPS_SHOP_TIMEZONE',
  gcpProject: 'GOOGLE_CLOUD_PROJECT',
  pubsubTopic: 'SHOP_MLOPS_PUBSUB_TOPIC',
  privacyTopic: 'SHOP_MLOPS_PRIVACY_TOPIC',
  rawDataset: 'SHOP_MLOPS_RAW_DATASET',
  artifactBucket: 'SHOP_MLOPS_ARTIFACT_BUCKET',
};

/** Reads env, overlays flags, validates; throws CONFIG_INVALID naming every bad or missing key at once. */
export function loadConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env, flags: Partial<RawConfig> = {}): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const v = env[name];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) raw[k] = v;
  const parsed = base.safeParse(raw);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => {
        const key = String(i.path[0] ?? '');
        const envName = key in ENV_NAMES ? ENV_NAMES[key as keyof typeof ENV_NAMES] : key;
        return `${key} (${envName}): ${i.message}`;
      });
  if (raw['mode'] === 'gcp') {
    for (const key of GCP_REQUIRED) if (!raw[key]) problems.push(`${key} (${ENV_NAMES[key]}): required in gcp mode`);
  }
  if (!parsed.success || problems.length) {
    throw new ShopMlopsError('CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`, { details: { problems } });
  }
  const c = parsed.data;
  return c.shopifyApiSecret
    ? { ...c, shopifyApiSecret: c.shopifyApiSecret, secretSource: 'env' }
    : { ...c, shopifyApiSecret: DEV_API_SECRET, secretSource: 'development-default' };
}

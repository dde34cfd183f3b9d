// One zod schema for all configuration (env + CLI flags), validated once at start-up, listing every problem at once.
import { isIP } from 'node:net';
import { z } from 'zod';
import { readFileSync } from 'node:fs';
import { ShopMlopsError } from './errors';
import { parseMonitoringPolicy, type MonitoringPolicy } from '../monitoring/config';

const intFrom = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

const base = z.object({
  mode: z.enum(['embedded', 'gcp']).default('embedded'),
  host: z.string().min(1).default('127.0.0.1'),
  port: intFrom(8787, 0, 65535),
  dataDir: z.string().min(1).default('.shop-mlops'),
  shopifyApiSecret: z.string().min(1).optional(),
  /** Secrets still accepted while rotating (comma-separated, most recent first); tried after the current one. */
  shopifyApiSecretPrevious: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== ''),
    ),
  shopifyApiKey: z.string().min(1).optional(),
  /** Admin API calls (install, metafields, Flow triggers) go to this origin instead of https://<shop> (a local contract server in development and tests). */
  shopifyAdminOrigin: z.string().url().optional(),
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
  /** Both worlds: privacy requests without an audit row are retried every N minutes (BigQuery's streaming buffer holds rows about 30 minutes). */
  privacyRetryMinutes: intFrom(30, 1, 1_440),
  /** Both worlds: data-request exports are deleted this many days after they were written (infra: the bucket's lifecycle rule too). */
  privacyExportTtlDays: intFrom(30, 1, 365),
  /** Embedded runtime: DuckDB's memory limit (e.g. 4GB; default 80 % of RAM); past it DuckDB spills to disk (`npm run bench -- monitor`: 16 GiB peak and 32 s unbounded, 4.8 GiB and 59 s at 4GB). */
  warehouseMemoryLimit: z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'must be a size like 4GB or 512MiB').optional(),
  /** The shop's IANA time zone: feature days are days there. */
  shopTimezone: z.string().min(1).default('UTC'),
  /** Embedded admin SQL (`shop-mlops sql`): statements are interrupted after this long (ms). */
  adminSqlTimeoutMs: intFrom(30_000, 100, 24 * 3_600_000),
  gcpProject: z.string().min(1).optional(),
  pubsubTopic: z.string().min(1).default('shopify-webhooks'),
  privacyTopic: z.string().min(1).default('shopify-privacy'),
  rawDataset: z.string().min(1).default('shop_raw'),
  artifactBucket: z.string().min(1).optional(),
  /** Embedded runtime: a request's headers must arrive within this many ms of its first byte (slow clients → 408, closed). */
  headersTimeoutMs: intFrom(10_000, 100, 600_000),
  /** A webhook body must arrive within this many ms once its headers are in (slower → 408, connection closed). */
  bodyTimeoutMs: intFrom(30_000, 100, 600_000),
  /** Embedded runtime: extra `Host` values served (DNS-rebinding defence), comma-separated; `name` = any port, `name:port` = that port, `*` = any host. */
  /** Prediction routes: latency budget of the model layers (ms); a slower answer falls back (champion, batch scores, popularity). */
  servingBudgetMs: intFrom(50, 1, 60_000),
  /** Processes that serve (embedded runtime, `api` function): V8 lets the old generation grow this % past its live size before a major GC (0 = V8's own choice); see serving/heap-tuning.ts. */
  heapGrowingPercent: intFrom(300, 0, 1_000),
  /** Pub/Sub topic of the prediction log (gcp); infra/serving-log.tf declares it. */
  predictionTopic: z.string().min(1).default('shop-mlops-predictions'),
  allowedHosts: z.union([z.string(), z.array(z.string())]).default([]).transform((v) => (Array.isArray(v) ? v : v.split(',')).map((h) => h.trim().toLowerCase()).filter((h) => h.length > 0)),
  /** App Proxy path prefixes accepted in the signed `path_prefix` (comma-separated; `/<prefix>/<subpath>` of shopify.app.toml's [app_proxy], plus any a merchant renamed it to). */
  appProxyPathPrefixes: z
    .string()
    .default('/apps/shop-mlops')
    .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x !== ''))
    .pipe(z.array(z.string().regex(/^\/(apps|a|community|tools)\/[A-Za-z0-9_.~-]+$/, 'each must be /apps|a|community|tools/<subpath>')).min(1, 'at least one prefix')),
  /** Each shop's own storefront domains, for CORS: `shop.myshopify.com=www.shop.com|shop.com;other.myshopify.com=...` (its myshopify domain is always allowed). */
  storefrontDomains: z
    .string()
    .default('')
    .transform((s, ctx) => parseStorefrontDomains(s, ctx)),
  /** Prediction routes: each shop's token bucket refills at this many requests per second... */
  rateLimitPerSecond: z.coerce.number().positive().max(1_000_000).default(100),
  /** ...and holds at most this many (the burst). */
  rateLimitBurst: intFrom(200, 1, 10_000_000),
  /** Most shops with a bucket at once (memory bound); full buckets are dropped first, then the least recently used. */
  rateLimitMaxShops: intFrom(10_000, 1, 10_000_000),
  /** A JSON file with the monitoring policy (thresholds per model, evidence minimums, promotion hold, drift, velocity); absent: the defaults. */
  monitoringPolicyFile: z.string().min(1).optional(),
  /** gcp: the training pipeline's step container image, for retraining the monitoring jobs start (`pipeline submit --image`). */
  pipelineImage: z.string().min(1).optional(),
});

/** A shop's myshopify domain, as Shopify writes it. */
export const MYSHOPIFY_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;
/** A storefront host name (no scheme, port or wildcard). */
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

function parseStorefrontDomains(s: string, ctx: z.RefinementCtx): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const entry of s.split(';').map((e) => e.trim()).filter((e) => e !== '')) {
    const [shop, domains, ...rest] = entry.split('=').map((x) => x.trim().toLowerCase());
    if (!shop || !MYSHOPIFY_DOMAIN.test(shop) || domains === undefined || rest.length) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not shop.myshopify.com=domain|domain` });
      continue;
    }
    const list = domains.split('|').map((d) => d.trim()).filter((d) => d !== '');
    const bad = list.filter((d) => !HOST_NAME.test(d));
    if (bad.length) ctx.addIssue({ code: 'custom', message: `${shop}: not a plain host name (no scheme, port or wildcard): ${bad.join(', ')}` });
    out[shop] = [...(out[shop] ?? []), ...list];
  }
  return out;
}

export type RawConfig = z.input<typeof base>;

/** Keys that gcp mode cannot run without (checked even when other keys are invalid, so every problem is listed). */
const GCP_REQUIRED = ['shopifyApiSecret', 'gcpProject', 'artifactBucket'] as const;

/**
 * secretSource 'env': SHOPIFY_API_SECRET is set. 'development': it is not (embedded mode on a loopback host only), and
 * the runtime and the CLI use the random secret kept in the data directory (core/dev-secret.ts).
 */
export type AppConfig = z.output<typeof base> & { secretSource: 'env' | 'development'; monitoringPolicy: MonitoringPolicy };

/** Hosts only this machine can reach: the development secret is refused on any other. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** Environment variable for each key (flags override env). */
export const ENV_NAMES: Record<keyof z.input<typeof base>, string> = {
  mode: 'SHOP_MLOPS_MODE',
  host: 'SHOP_MLOPS_HOST',
  port: 'PORT',
  dataDir: 'SHOP_MLOPS_DATA_DIR',
  shopifyApiSecret: 'SHOPIFY_API_SECRET',
  shopifyApiSecretPrevious: 'SHOPIFY_API_SECRET_PREVIOUS',
  shopifyApiKey: 'SHOPIFY_API_KEY',
  shopifyAdminOrigin: 'SHOP_MLOPS_SHOPIFY_ADMIN_ORIGIN',
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
  privacyRetryMinutes: 'SHOP_MLOPS_PRIVACY_RETRY_MINUTES',
  privacyExportTtlDays: 'SHOP_MLOPS_PRIVACY_EXPORT_TTL_DAYS',
  shopTimezone: 'SHOP_MLOPS_SHOP_TIMEZONE',
  warehouseMemoryLimit: 'SHOP_MLOPS_WAREHOUSE_MEMORY_LIMIT',
  adminSqlTimeoutMs: 'SHOP_MLOPS_ADMIN_SQL_TIMEOUT_MS',
  gcpProject: 'GOOGLE_CLOUD_PROJECT',
  pubsubTopic: 'SHOP_MLOPS_PUBSUB_TOPIC',
  privacyTopic: 'SHOP_MLOPS_PRIVACY_TOPIC',
  rawDataset: 'SHOP_MLOPS_RAW_DATASET',
  artifactBucket: 'SHOP_MLOPS_ARTIFACT_BUCKET',
  headersTimeoutMs: 'SHOP_MLOPS_HEADERS_TIMEOUT_MS',
  bodyTimeoutMs: 'SHOP_MLOPS_BODY_TIMEOUT_MS',
  allowedHosts: 'SHOP_MLOPS_ALLOWED_HOSTS',
  servingBudgetMs: 'SHOP_MLOPS_SERVING_BUDGET_MS',
  heapGrowingPercent: 'SHOP_MLOPS_HEAP_GROWING_PERCENT',
  predictionTopic: 'SHOP_MLOPS_PREDICTION_TOPIC',
  appProxyPathPrefixes: 'SHOP_MLOPS_APP_PROXY_PATH_PREFIXES',
  storefrontDomains: 'SHOP_MLOPS_STOREFRONT_DOMAINS',
  rateLimitPerSecond: 'SHOP_MLOPS_RATE_LIMIT_PER_SECOND',
  rateLimitBurst: 'SHOP_MLOPS_RATE_LIMIT_BURST',
  rateLimitMaxShops: 'SHOP_MLOPS_RATE_LIMIT_MAX_SHOPS',
  monitoringPolicyFile: 'SHOP_MLOPS_MONITORING_POLICY',
  pipelineImage: 'SHOP_MLOPS_PIPELINE_IMAGE',
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
  } else if (!raw['shopifyApiSecret'] && typeof raw['host'] === 'string' && !isLoopbackHost(raw['host'])) {
    problems.push(
      `shopifyApiSecret (${ENV_NAMES.shopifyApiSecret}): required when the runtime binds a non-loopback host (${ENV_NAMES.host}=${raw['host']}); the development secret is for 127.0.0.1, ::1 and localhost only`,
    );
  }
  const monitoringPolicy = readMonitoringPolicy(typeof raw['monitoringPolicyFile'] === 'string' ? raw['monitoringPolicyFile'] : undefined, problems);
  if (!parsed.success || problems.length || !monitoringPolicy) {
    throw new ShopMlopsError('CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`, { details: { problems } });
  }
  return { ...parsed.data, secretSource: parsed.data.shopifyApiSecret ? 'env' : 'development', monitoringPolicy };
}

/** The monitoring policy file (JSON) through parseMonitoringPolicy, or the defaults; its problems join the others. */
function readMonitoringPolicy(file: string | undefined, problems: string[]): MonitoringPolicy | null {
  const where = `monitoringPolicyFile (${ENV_NAMES.monitoringPolicyFile})`;
  try {
    return parseMonitoringPolicy(file === undefined ? {} : JSON.parse(readFileSync(file, 'utf8')), `${where} ${file ?? ''}`.trim());
  } catch (err) {
    if (err instanceof ShopMlopsError && Array.isArray(err.details?.['problems'])) problems.push(...(err.details['problems'] as string[]).map((p) => `${where}: ${p}`));
    else problems.push(`${where}: cannot read ${file}: ${(err as Error).message}`);
    return null;
  }
}

// ---- the serving container (Vertex AI custom-container contract: Vertex sets the AIP_* variables) ----

const route = z.string().regex(/^\/\S*$/, 'must be a path starting with /');
const predictorBase = z.object({
  port: intFrom(8080, 0, 65535),
  host: z.string().min(1).default('0.0.0.0'),
  healthRoute: route.default('/health'),
  predictRoute: route.default('/predict'),
  /** Where the model version's files are (Vertex copies the model's artifactUri here): a gs:// URI or a local path. */
  storageUri: z.string().min(1).optional(),
  /** Largest predict request body (bytes); larger → 413. Vertex caps shared endpoints at 1.5 MB, dedicated ones at 10 MB. */
  maxBodyBytes: intFrom(1.5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  logLevel: z.enum(['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR']).default('INFO'),
});
export type PredictorConfig = z.output<typeof predictorBase>;

export const PREDICTOR_ENV_NAMES: Record<keyof z.input<typeof predictorBase>, string> = {
  port: 'AIP_HTTP_PORT',
  host: 'SHOP_MLOPS_PREDICTOR_HOST',
  healthRoute: 'AIP_HEALTH_ROUTE',
  predictRoute: 'AIP_PREDICT_ROUTE',
  storageUri: 'AIP_STORAGE_URI',
  maxBodyBytes: 'SHOP_MLOPS_PREDICT_MAX_BODY_BYTES',
  logLevel: 'SHOP_MLOPS_LOG_LEVEL',
};

/** The serving container's configuration from its environment; CONFIG_INVALID naming every bad key at once. */
export function loadPredictorConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env): PredictorConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(PREDICTOR_ENV_NAMES)) {
    const v = env[name];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const parsed = predictorBase.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => {
    const key = String(i.path[0] ?? '');
    return `${key} (${PREDICTOR_ENV_NAMES[key as keyof typeof PREDICTOR_ENV_NAMES] ?? key}): ${i.message}`;
  });
  throw new ShopMlopsError('CONFIG_INVALID', `invalid predictor configuration:\n  - ${problems.join('\n  - ')}`, { details: { problems } });
}

// The webhook secrets in force: SHOPIFY_API_SECRET (+ previous ones while rotating), or a random development secret kept in the data directory.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { AppConfig } from './config';
import { ShopMlopsError } from './errors';

/** The file, inside the data directory, that holds the development secret (mode 0600). */
export const DEV_SECRET_FILE = 'dev-secret';

const devSecretText = z.string().regex(/^[A-Za-z0-9_-]{43,}$/);

export interface WebhookSecrets {
  current: string;
  previous: string[];
  source: AppConfig['secretSource'];
}

/** Reads the data directory's development secret, creating it (32 random bytes, base64url, 0600) on first use. */
export async function developmentSecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, DEV_SECRET_FILE);
  await fsp.mkdir(dataDir, { recursive: true, mode: 0o700 });
  // Written whole to a temporary name and linked into place: a runtime and a CLI verb starting together agree on one secret.
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  await fsp.writeFile(tmp, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await fsp.link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ShopMlopsError.fromUnknown(err, 'CONFIG_INVALID');
  } finally {
    await fsp.rm(tmp, { force: true });
  }
  const parsed = devSecretText.safeParse((await fsp.readFile(file, 'utf8')).trim());
  if (!parsed.success) {
    throw new ShopMlopsError('CONFIG_INVALID', `${file} does not hold a development secret (43+ base64url characters); delete it to have a new one generated`);
  }
  return parsed.data;
}

/** The secrets the runtime accepts and the CLI signs with (the current one). */
export async function webhookSecrets(config: AppConfig): Promise<WebhookSecrets> {
  if (config.shopifyApiSecret) return { current: config.shopifyApiSecret, previous: config.shopifyApiSecretPrevious, source: 'env' };
  if (config.mode === 'gcp') throw new ShopMlopsError('CONFIG_INVALID', 'SHOPIFY_API_SECRET is required in gcp mode');
  return { current: await developmentSecret(config.dataDir), previous: config.shopifyApiSecretPrevious, source: 'development' };
}

// Port: each shop's offline Admin API token (from the install's token exchange) and whether the app is uninstalled there; embedded: 0600 files, cloud: Firestore.
import { z } from 'zod';
import { MYSHOPIFY_DOMAIN } from '../core/topics';

export const offlineSessionSchema = z.strictObject({
  shop: z.string().regex(MYSHOPIFY_DOMAIN),
  /** The offline access token (never logged). */
  accessToken: z.string().min(1),
  /** Scopes granted, comma-separated as Shopify returns them. */
  scope: z.string(),
  installedAt: z.string().min(1),
});
export type OfflineSession = z.infer<typeof offlineSessionSchema>;

/** A shop's stored record: its session while installed; after app/uninstalled no token and when. */
export const shopRecordSchema = z.strictObject({
  shop: z.string().regex(MYSHOPIFY_DOMAIN),
  session: offlineSessionSchema.nullable(),
  uninstalledAt: z.string().nullable(),
});
export type ShopRecord = z.infer<typeof shopRecordSchema>;

export interface SessionStorage {
  /** Install or reinstall: keeps the token and clears an uninstall mark. */
  store(session: OfflineSession): Promise<void>;
  /** The shop's offline session, or null (never installed, or uninstalled). */
  load(shop: string): Promise<OfflineSession | null>;
  /** app/uninstalled: deletes the token and marks the shop, so every job skips it. True when it was installed. */
  uninstall(shop: string, at: string): Promise<boolean>;
  /** Whether the app was uninstalled from the shop (and not installed again since). */
  isUninstalled(shop: string): Promise<boolean>;
  /** Shops with a stored token. */
  installedShops(): Promise<string[]>;
}

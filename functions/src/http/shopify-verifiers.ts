// @shopify/shopify-api instances that verify App Proxy signatures and session tokens: one per accepted secret (current first, then rotation leftovers).
import '@shopify/shopify-api/adapters/node';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';

export type ShopifyLibrary = ReturnType<typeof shopifyApi>;

/** Stands in for the API key when none is configured: session tokens are then refused before the library sees them. */
export const NO_API_KEY = 'shop-mlops-api-key-not-configured';

export function shopifyVerifiers(opts: { apiKey: string | undefined; apiSecret: string; previousSecrets?: readonly string[] }): ShopifyLibrary[] {
  return [opts.apiSecret, ...(opts.previousSecrets ?? [])].map((secret) =>
    shopifyApi({
      apiKey: opts.apiKey ?? NO_API_KEY,
      apiSecretKey: secret,
      // Neither check below uses the host or the API version; the library insists on both.
      hostName: 'localhost',
      apiVersion: ApiVersion.October25,
      isEmbeddedApp: true,
      // The library's messages can quote a rejected token: never let it log.
      logger: { level: LogSeverity.Error, log: async () => undefined },
    }),
  );
}

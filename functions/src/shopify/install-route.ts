// POST /shopify/install: the embedded app's App Bridge session token (Authorization: Bearer) exchanged for the shop's offline token, kept by the session port; mounted by the embedded runtime and the cloud `api` function alike.
import type { Hono } from 'hono';
import { ShopMlopsError } from '../core/errors';
import type { Logger } from '../core/log';
import { errorResponse } from '../http/webhook-app';
import type { SessionStorage } from '../ports/session-storage';
import type { AdminLibrary } from './admin-library';
import { installWithSessionToken } from './install';

export const INSTALL_PATH = '/shopify/install';

export interface InstallRouteDeps {
  /** The Admin API library; throws CONFIG_INVALID without SHOPIFY_API_KEY. */
  library: () => AdminLibrary;
  sessions: SessionStorage;
  log: Logger;
}

export function mountInstallRoute(app: Hono, d: InstallRouteDeps): void {
  app.post(INSTALL_PATH, async (c) => {
    try {
      const r = await installWithSessionToken(d.library(), d.sessions, c.req.header('authorization') ?? '');
      d.log.info('app installed: offline token stored', { shop: r.shop, reinstalled: r.reinstalled });
      return c.json(r);
    } catch (err) {
      const e = ShopMlopsError.fromUnknown(err);
      return errorResponse(e.code, e.message, e.details);
    }
  });
}

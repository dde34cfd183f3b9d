// App install and uninstall: an App Bridge session token exchanged for the shop's offline token (stored by the session port); app/uninstalled deletes it and marks the shop so every job skips it.
import { RequestedTokenType } from '@shopify/shopify-api';
import { ShopMlopsError } from '../core/errors';
import type { Logger } from '../core/log';
import { parseExact } from '../core/json';
import { MYSHOPIFY_DOMAIN, shopProblem, TOPIC_SCHEMAS } from '../core/topics';
import type { StartTraining } from '../monitoring/retrain';
import type { SessionStorage } from '../ports/session-storage';
import { verifySessionToken } from '../http/session-token-verify';
import type { AdminLibrary } from './admin-library';

export interface InstallResult {
  shop: string;
  scope: string;
  /** The shop had uninstalled the app before. */
  reinstalled: boolean;
}

/** Verifies the session token (signature, audience, expiry, iss = dest shop), exchanges it for an offline token and stores it. */
export async function installWithSessionToken(library: AdminLibrary, sessions: SessionStorage, authorization: string, now: () => Date = () => new Date()): Promise<InstallResult> {
  const verified = await verifySessionToken(authorization, [library], true);
  if (!verified.ok) throw new ShopMlopsError('UNAUTHORIZED', verified.message, { details: { reason: verified.reason } });
  const token = authorization.trim().slice('Bearer '.length);
  let session;
  try {
    ({ session } = await library.auth.tokenExchange({ shop: verified.shop, sessionToken: token, requestedTokenType: RequestedTokenType.OfflineAccessToken }));
  } catch (err) {
    // The library's messages may quote the request; keep only the class of failure.
    throw new ShopMlopsError('UNAVAILABLE', `token exchange for ${verified.shop} failed (${(err as Error).name})`, { retryable: true });
  }
  if (!session.accessToken) throw new ShopMlopsError('UNAVAILABLE', `token exchange for ${verified.shop} returned no access token`);
  const reinstalled = await sessions.isUninstalled(verified.shop);
  await sessions.store({ shop: verified.shop, accessToken: session.accessToken, scope: session.scope ?? '', installedAt: now().toISOString() });
  return { shop: verified.shop, scope: session.scope ?? '', reinstalled };
}

/**
 * A landed app/uninstalled delivery: the shop's token is deleted and the shop marked uninstalled. The shop acted on is the
 * signed payload's `myshopify_domain`; the (unsigned) shop header must name the same shop, else nothing is done
 * (BAD_REQUEST: core/topics shopProblem quarantines such a delivery before landing; the cloud consumer checks again).
 */
export async function handleAppUninstalled(sessions: SessionStorage, shop: string, payload: string, at: string, logger?: Logger): Promise<boolean> {
  const parsed = TOPIC_SCHEMAS['app/uninstalled'].safeParse(parseExact(payload));
  const signed = parsed.success ? parsed.data.myshopify_domain : undefined;
  if (typeof signed !== 'string' || !MYSHOPIFY_DOMAIN.test(signed)) throw new ShopMlopsError('BAD_REQUEST', 'app/uninstalled payload names no <name>.myshopify.com shop (myshopify_domain)');
  const problem = shopProblem('app/uninstalled', shop, parsed.data);
  if (problem) throw new ShopMlopsError('BAD_REQUEST', `refused app/uninstalled: ${problem}`);
  const had = await sessions.uninstall(signed, at);
  logger?.notice('app uninstalled: offline token deleted, jobs stopped for the shop', { shop: signed, hadToken: had });
  return had;
}

/** Training refuses to start for a shop the app was uninstalled from (every retraining trigger goes through its starter). */
export function refuseUninstalled(sessions: Pick<SessionStorage, 'isUninstalled'>, start: StartTraining): StartTraining {
  return async (request) => {
    if (await sessions.isUninstalled(request.shop)) throw new ShopMlopsError('FORBIDDEN', `the app was uninstalled from ${request.shop}: no training`);
    return start(request);
  };
}

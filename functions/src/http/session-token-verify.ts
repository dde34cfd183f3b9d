// Session tokens (`Authorization: Bearer <jwt>`): App Bridge's (admin) and checkout / customer account UI extensions' (no iss; `sub` = the logged-in customer); decodeSessionToken, plus the checks it leaves out (exp present, iss and dest name one shop).
import { InvalidJwtError } from '@shopify/shopify-api';
import { z } from 'zod';
import { MYSHOPIFY_DOMAIN } from '../core/config';
import type { ShopifyLibrary } from './shopify-verifiers';

export type SessionTokenFailure =
  | 'session_tokens_not_configured'
  | 'malformed_authorization'
  | 'invalid_session_token'
  | 'token_expired'
  | 'wrong_audience'
  | 'missing_exp'
  | 'issuer_destination_mismatch';
/** `admin`: App Bridge (no customer); `extension`: a checkout or customer account UI extension, the customer its `sub` names (null: a guest). */
export type SessionTokenResult = { ok: true; shop: string; kind: 'admin' | 'extension'; customerId: string | null } | { ok: false; status: 401; reason: SessionTokenFailure; message: string };

const fail = (reason: SessionTokenFailure, message: string): SessionTokenResult => ({ ok: false, status: 401, reason, message });

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;
const claims = z.object({
  exp: z.number().finite(),
  iss: z.string().optional(),
  dest: z.string(),
  sub: z.string().optional(),
});
/** A UI extension token's `sub`: the logged-in customer's GID. */
const CUSTOMER_GID = /^gid:\/\/shopify\/Customer\/(\d{1,20})$/;
/** `https://<shop>` exactly. */
const DEST = /^https:\/\/([^/:?#@]+)$/;
/** `https://<shop>/admin` (Shopify's form), or `<shop>/admin` (what the library's own test helper getJwt issues). */
const ISS = /^(?:https:\/\/)?([^/:?#@]+)\/admin$/;

/** Sorts the library's rejection into a reason; its message quotes the token, so it is never passed on. */
function rejection(e: InvalidJwtError): SessionTokenResult {
  if (/invalid API key/i.test(e.message)) return fail('wrong_audience', 'the session token is for another app');
  if (/"exp" claim/.test(e.message)) return fail('token_expired', 'the session token has expired');
  return fail('invalid_session_token', 'the session token is not valid');
}

export async function verifySessionToken(authorization: string, libraries: readonly ShopifyLibrary[], apiKeyConfigured: boolean): Promise<SessionTokenResult> {
  if (!apiKeyConfigured) return fail('session_tokens_not_configured', 'session tokens need SHOPIFY_API_KEY (the audience)');
  const m = BEARER.exec(authorization.trim());
  if (!m) return fail('malformed_authorization', 'Authorization must be "Bearer <session token>"');
  let payload: unknown;
  let first: InvalidJwtError | undefined;
  for (const shopify of libraries) {
    try {
      payload = await shopify.session.decodeSessionToken(m[1]!);
      break;
    } catch (e) {
      if (!(e instanceof InvalidJwtError)) throw e;
      first ??= e;
    }
  }
  if (payload === undefined) return rejection(first!);
  const c = claims.safeParse(payload);
  if (!c.success) {
    const exp = (payload as { exp?: unknown }).exp;
    return typeof exp !== 'number' ? fail('missing_exp', 'the session token has no exp claim') : fail('issuer_destination_mismatch', 'the session token has no iss or dest');
  }
  if (c.data.iss === undefined) {
    // A checkout / customer account UI extension's token: no iss, dest the bare shop domain, sub the customer if logged in.
    if (!MYSHOPIFY_DOMAIN.test(c.data.dest)) return fail('issuer_destination_mismatch', 'the session token\'s dest is not a shop');
    if (c.data.sub === undefined) return { ok: true, shop: c.data.dest, kind: 'extension', customerId: null };
    const customer = CUSTOMER_GID.exec(c.data.sub)?.[1];
    if (!customer) return fail('invalid_session_token', 'the session token\'s sub is not a customer');
    return { ok: true, shop: c.data.dest, kind: 'extension', customerId: customer };
  }
  const dest = DEST.exec(c.data.dest)?.[1];
  const iss = ISS.exec(c.data.iss)?.[1];
  if (!dest || !iss || dest !== iss || !MYSHOPIFY_DOMAIN.test(dest)) return fail('issuer_destination_mismatch', 'the session token\'s iss and dest do not name the same shop');
  return { ok: true, shop: dest, kind: 'admin', customerId: null };
}

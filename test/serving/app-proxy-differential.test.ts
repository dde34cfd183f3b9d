// Differential test: the node:crypto App Proxy check against @shopify/shopify-api's utils.validateHmac(query, {signator: 'appProxy'}) on 12,000 seeded queries (same verdict, same failure class).
import '@shopify/shopify-api/adapters/node';
import { ApiVersion, InvalidHmacError, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import { checkAppProxySignature, type AppProxySignatureFailure } from '../../functions/src/http/app-proxy-signature';
import { appProxySignature } from '../../functions/src/testing/app-proxy-signer';
import { prng, type Rng } from '../helpers/prng';

const CASES = 12_000;
const CURRENT = 'shpss_current-secret-2026';
const PREVIOUS = 'pr\u00e9c\u00e9dent-\u00fcnicode-\u{1F511}';
const WRONG = 'shpss_not-our-secret';

const library = (secret: string) => shopifyApi({ apiKey: 'k', apiSecretKey: secret, hostName: 'localhost', apiVersion: ApiVersion.October25, isEmbeddedApp: true, logger: { level: LogSeverity.Error, log: async () => undefined } });
const libraries = { [CURRENT]: library(CURRENT), [PREVIOUS]: library(PREVIOUS) };


// Keys on which localeCompare and byte order disagree (case, '_', digits, accents, a decomposed é), integer-like keys
// (a plain object puts them first), and the names the proxy and the library treat specially.
const KEYS = ['shop', 'logged_in_customer_id', 'path_prefix', 'visitor_id', 'product_id', 'k', 'Zeta', 'alpha', 'a_b', 'a1', 'A', '_x', '10', '2', '\u00e9t\u00e9', 'e\u0301te', 'hmac', 'x-y', '\u{1F600}'];
const VALUES = ['demo-store.myshopify.com', '', '1234567890', '/apps/shop-mlops', 'a,b', 'x=y&z', '\u00fcber', 'space here', '+plus', '%25', '\u{1F511}', '0'];

type Verdict = { ok: true } | { ok: false; reason: AppProxySignatureFailure };

/** The library's answer for one secret, in our terms. */
async function libraryVerdict(q: URLSearchParams, secret: string): Promise<Verdict> {
  try {
    return (await libraries[secret as keyof typeof libraries].utils.validateHmac(q, { signator: 'appProxy' })) ? { ok: true } : { ok: false, reason: 'mismatch' };
  } catch (e) {
    if (!(e instanceof InvalidHmacError)) throw e;
    if (/more than once/.test(e.message)) return { ok: false, reason: 'duplicate_parameter' };
    if (/signature value/.test(e.message)) return { ok: false, reason: 'signature_missing' };
    if (/tolerance/.test(e.message)) return { ok: false, reason: 'timestamp_out_of_window' };
    if (/missing or invalid/.test(e.message)) return { ok: false, reason: 'timestamp_missing' };
    throw e;
  }
}

/** One generated query and the mutation applied to it after signing. */
function generate(r: Rng, now: number): { q: URLSearchParams; kind: string } {
  const params: Array<[string, string]> = [];
  for (const k of new Set(Array.from({ length: 1 + r.int(6) }, () => r.pick(KEYS)))) params.push([k, r.pick(VALUES)]);
  const kind = r.pick(['valid', 'valid', 'valid', 'flip', 'upper', 'no_signature', 'empty_signature', 'dup_single', 'dup_other', 'tamper', 'extra', 'no_timestamp', 'bad_timestamp', 'old', 'future', 'wrong_secret', 'previous_secret', 'padded_signature', 'hmac_param'] as const);
  let ts: string | null = String(now + r.int(121) - 60);
  if (kind === 'no_timestamp') ts = null;
  if (kind === 'bad_timestamp') ts = r.pick(['1.5', 'abc', '', ' 42 ', '1e3', `${now}.0`, `0x${now.toString(16)}`, `${now}n`]);
  if (kind === 'old') ts = String(now - 100 - r.int(10_000));
  if (kind === 'future') ts = String(now + 100 + r.int(10_000));
  if (ts !== null) params.push(['timestamp', ts]);
  // A repeated ordinary key is signed as its values joined with ',' (what the library reads).
  const dupOther = kind === 'dup_other' ? params.find(([k]) => !['shop', 'timestamp', 'hmac'].includes(k)) : undefined;
  const signedParams = Object.fromEntries(params.map(([k, v]) => [k, dupOther && k === dupOther[0] ? `${v},second` : v]));
  if (kind === 'hmac_param') signedParams['hmac'] = 'ignored';
  const secret = kind === 'wrong_secret' ? WRONG : kind === 'previous_secret' ? PREVIOUS : CURRENT;
  let signature = appProxySignature(secret, Object.fromEntries(Object.entries(signedParams).filter(([k]) => k !== 'hmac')));
  if (kind === 'flip') signature = signature.slice(0, 10) + (signature[10] === 'a' ? 'b' : 'a') + signature.slice(11);
  if (kind === 'upper') signature = signature.toUpperCase();
  if (kind === 'padded_signature') signature = ` ${signature}`;
  const q = new URLSearchParams();
  for (const [k, v] of params) q.append(k, v);
  if (dupOther) q.append(dupOther[0], 'second');
  if (kind === 'hmac_param') q.append('hmac', 'ignored');
  if (kind === 'tamper' && params.length) q.set(params[0]![0], `${params[0]![1]}!`);
  if (kind === 'extra') q.append('unsigned_extra', '1');
  if (kind === 'dup_single') q.append(r.pick(['shop', 'timestamp', 'hmac']), r.pick(VALUES));
  if (kind !== 'no_signature') q.append('signature', kind === 'empty_signature' ? '' : signature);
  if (kind === 'dup_single' && r.chance(0.3)) q.append('signature', signature);
  return { q, kind };
}

test(`the node:crypto App Proxy check agrees with validateHmac on ${CASES.toLocaleString('en')} generated queries`, async () => {
  const r = prng(20261206);
  const disagreements: Array<{ kind: string; query: string; ours: Verdict; library: Verdict }> = [];
  const byOutcome: Record<string, number> = {};
  for (let i = 0; i < CASES; i++) {
    const now = Math.trunc(Date.now() / 1000);
    const { q, kind } = generate(r, now);
    // Both secrets in rotation order, as the storefront middleware checks them.
    const lib = await libraryVerdict(q, CURRENT);
    const libPrevious = lib.ok || lib.reason !== 'mismatch' ? lib : await libraryVerdict(q, PREVIOUS);
    const oursRaw = checkAppProxySignature(q, [CURRENT, PREVIOUS]);
    const ours: Verdict = oursRaw.ok ? { ok: true } : oursRaw;
    if (JSON.stringify(ours) !== JSON.stringify(libPrevious)) disagreements.push({ kind, query: q.toString(), ours, library: libPrevious });
    const key = ours.ok ? 'ok' : ours.reason;
    byOutcome[key] = (byOutcome[key] ?? 0) + 1;
    // The secret that matched is named by its position (current 0, previous 1), never by value.
    if (oursRaw.ok) expect(oursRaw.secretIndex).toBe(kind === 'previous_secret' ? 1 : 0);
  }
  expect(disagreements.slice(0, 5)).toEqual([]);
  // The generator reaches every outcome, valid ones most.
  for (const outcome of ['ok', 'mismatch', 'duplicate_parameter', 'signature_missing', 'timestamp_missing', 'timestamp_out_of_window']) expect(byOutcome[outcome] ?? 0).toBeGreaterThan(100);
  expect(byOutcome['ok']!).toBeGreaterThan(CASES * 0.2);
}, 120_000);

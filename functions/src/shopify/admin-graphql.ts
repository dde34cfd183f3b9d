// Admin GraphQL calls per shop through the library's client with the shop's offline token, paced by extensions.cost.throttleStatus (never a hard-coded plan limit), THROTTLED answers retried after the bucket refills.
import { GraphqlQueryError, HttpResponseError, HttpRetriableError, HttpThrottlingError, Session } from '@shopify/shopify-api';
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';
import type { Logger } from '../core/log';
import type { SessionStorage } from '../ports/session-storage';
import type { AdminLibrary } from './admin-library';

const throttleStatus = z.object({ maximumAvailable: z.number(), currentlyAvailable: z.number(), restoreRate: z.number().positive() });
const costSchema = z.object({ requestedQueryCost: z.number().nullable().optional(), actualQueryCost: z.number().nullable().optional(), throttleStatus });
const extensionsSchema = z.object({ cost: costSchema.optional() }).passthrough();

export interface AdminGraphql {
  /** One operation; THROTTLED answers wait for the bucket (what throttleStatus says) and retry; other GraphQL errors throw. */
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Milliseconds spent waiting for the throttle bucket so far. */
  readonly throttledMs: number;
}

export interface AdminGraphqlDeps {
  library: AdminLibrary;
  sessions: SessionStorage;
  logger?: Logger;
  sleep?: (ms: number) => Promise<void>;
  /** THROTTLED answers tolerated per operation before giving up (retryable UNAVAILABLE). Default 10. */
  maxThrottledRetries?: number;
}

interface Bucket {
  available: number;
  max: number;
  restoreRate: number;
  at: number;
  /** Cost the last operation asked for (the next one is assumed alike). */
  lastCost: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A client for one shop; throws FORBIDDEN when the shop has no offline token (not installed, or uninstalled). */
export async function adminGraphqlFor(shop: string, deps: AdminGraphqlDeps): Promise<AdminGraphql> {
  const stored = await deps.sessions.load(shop);
  if (!stored) throw new ShopMlopsError('FORBIDDEN', `no offline token for ${shop}: the app is not installed there`);
  const session = new Session({ id: `offline_${shop}`, shop, state: '', isOnline: false, accessToken: stored.accessToken, scope: stored.scope });
  const client = new deps.library.clients.Graphql({ session });
  const sleep = deps.sleep ?? defaultSleep;
  const maxRetries = deps.maxThrottledRetries ?? 10;
  let bucket: Bucket | null = null;
  let throttledMs = 0;

  const observe = (ext: unknown) => {
    const parsed = extensionsSchema.safeParse(ext);
    const cost = parsed.success ? parsed.data.cost : undefined;
    if (!cost) return null;
    const t = cost.throttleStatus;
    bucket = { available: t.currentlyAvailable, max: t.maximumAvailable, restoreRate: t.restoreRate, at: Date.now(), lastCost: cost.requestedQueryCost ?? bucket?.lastCost ?? 0 };
    return cost;
  };
  const wait = async (ms: number) => {
    if (ms <= 0) return;
    throttledMs += ms;
    await sleep(ms);
  };
  /** Before a call: wait until the bucket (as last reported, refilled at its restore rate) holds the cost of the last call. */
  const pace = async () => {
    const b = bucket as Bucket | null;
    if (!b) return;
    const now = Math.min(b.max, b.available + ((Date.now() - b.at) / 1000) * b.restoreRate);
    if (now < b.lastCost) await wait(Math.ceil(((b.lastCost - now) / b.restoreRate) * 1000));
  };

  return {
    get throttledMs() {
      return throttledMs;
    },
    async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      for (let attempt = 0; ; attempt++) {
        await pace();
        try {
          const res = await client.request(query, variables ? { variables } : {});
          observe(res.extensions);
          return res.data as T;
        } catch (err) {
          if (err instanceof GraphqlQueryError) {
            const body = err.body as { errors?: { graphQLErrors?: Array<{ message?: string; extensions?: { code?: string } }> }; extensions?: unknown } | undefined;
            const errors = body?.errors?.graphQLErrors ?? [];
            if (errors.some((e) => e.extensions?.code === 'THROTTLED')) {
              const cost = observe(body?.extensions);
              if (attempt >= maxRetries) throw new ShopMlopsError('UNAVAILABLE', `Admin API still throttled after ${attempt + 1} attempts`, { retryable: true });
              const need = cost ? Math.max(0, (cost.requestedQueryCost ?? 0) - cost.throttleStatus.currentlyAvailable) / cost.throttleStatus.restoreRate : 1;
              // What the bucket says, plus a growing margin with jitter so concurrent callers do not retry in step.
              const ms = Math.ceil(need * 1000 + Math.min(30_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2));
              deps.logger?.info('admin API throttled, waiting', { shop, attempt, waitMs: ms });
              await wait(ms);
              continue;
            }
            throw new ShopMlopsError('UNPROCESSABLE', `Admin API error: ${errors.map((e) => e.message ?? e.extensions?.code ?? 'error').join('; ') || err.message}`, { details: { codes: errors.map((e) => e.extensions?.code ?? null) } });
          }
          if (err instanceof HttpThrottlingError) {
            if (attempt >= maxRetries) throw new ShopMlopsError('UNAVAILABLE', 'Admin API still answering 429', { retryable: true });
            await wait(Math.ceil((err.response.retryAfter ?? 1) * 1000));
            continue;
          }
          if (err instanceof HttpResponseError && !(err instanceof HttpRetriableError)) {
            // 401/403: the token was revoked or lacks a scope (reinstall); other 4xx: our request is wrong. Neither is applied.
            const code = err.response.code;
            throw new ShopMlopsError(code === 401 || code === 403 ? 'FORBIDDEN' : 'UNPROCESSABLE', `Admin API answered ${code} for ${shop}`, { retryable: false });
          }
          // Network failure or 5xx: the call may or may not have been applied; the caller's journal decides what to do.
          throw new ShopMlopsError('UNAVAILABLE', `Admin API call failed: ${(err as Error).message}`, { cause: err, retryable: true });
        }
      }
    },
  };
}

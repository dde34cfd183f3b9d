// The `Host` allowlist of the embedded runtime (DNS-rebinding defence): requests naming another host get 403 on every route.
import type { MiddlewareHandler } from 'hono';
import { errorResponse } from './webhook-app';

/** A Host header value as compared: lower case, IPv6 literals in brackets; `port` null when the header has none. */
function parseHost(value: string): { name: string; port: string | null } | null {
  const v = value.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]\s/@]+)(?::(\d{1,5}))?$/.exec(v);
  return m ? { name: m[1]!, port: m[2] ?? null } : null;
}

/** Bracketed as it appears in a Host header (`::1` → `[::1]`). */
export function hostName(host: string): string {
  const h = host.toLowerCase();
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/**
 * The hosts served: the bound host, localhost, 127.0.0.1 and [::1] on the listening port, plus configured entries
 * (`name` = any port, `name:port` = that port, `*` = any host at all).
 */
export function allowedHosts(boundHost: string, port: number, extra: readonly string[]): (host: string | undefined) => boolean {
  if (extra.includes('*')) return () => true;
  const exact = new Set<string>();
  const anyPort = new Set<string>();
  for (const name of [hostName(boundHost), 'localhost', '127.0.0.1', '[::1]']) {
    exact.add(`${name}:${port}`);
    if (port === 80) exact.add(name);
  }
  for (const entry of extra) {
    const bare6 = !entry.startsWith('[') && (entry.match(/:/g) ?? []).length >= 2; // `::1` written without brackets
    const parsed = parseHost(bare6 ? `[${entry}]` : entry);
    if (!parsed) continue;
    if (parsed.port === null) anyPort.add(parsed.name);
    else exact.add(`${parsed.name}:${parsed.port}`);
  }
  return (host) => {
    const parsed = host === undefined ? null : parseHost(host);
    if (!parsed) return false;
    return anyPort.has(parsed.name) || exact.has(parsed.port === null ? parsed.name : `${parsed.name}:${parsed.port}`);
  };
}

export function hostAllowlist(isAllowed: (host: string | undefined) => boolean): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host');
    if (!isAllowed(host)) return errorResponse('FORBIDDEN', 'this host name is not served here (allow it with SHOP_MLOPS_ALLOWED_HOSTS)', { host: host?.slice(0, 255) ?? null });
    await next();
  };
}

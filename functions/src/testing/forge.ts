// Test and simulator helper shipped with the product: forges correctly signed Shopify webhook deliveries.
import { createHmac, randomUUID } from 'node:crypto';

export interface ForgeOptions {
  secret: string;
  topic: string;
  shop?: string;
  body: Buffer | string;
  webhookId?: string;
  eventId?: string;
  apiVersion?: string;
  triggeredAt?: Date | string;
  /** Replace the signature (for negative tests). */
  hmac?: string;
}

export interface ForgedDelivery {
  headers: Record<string, string>;
  body: Buffer;
}

export function signBody(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** Headers exactly as Shopify sends them (names in Shopify's casing; HTTP makes them case-insensitive). */
export function forgeWebhook(o: ForgeOptions): ForgedDelivery {
  const body = typeof o.body === 'string' ? Buffer.from(o.body, 'utf8') : o.body;
  const triggered = o.triggeredAt instanceof Date ? o.triggeredAt.toISOString() : (o.triggeredAt ?? new Date().toISOString());
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-Shopify-Topic': o.topic,
      'X-Shopify-Hmac-Sha256': o.hmac ?? signBody(o.secret, body),
      'X-Shopify-Shop-Domain': o.shop ?? 'demo-store.myshopify.com',
      'X-Shopify-API-Version': o.apiVersion ?? '2026-10',
      'X-Shopify-Webhook-Id': o.webhookId ?? randomUUID(),
      'X-Shopify-Event-Id': o.eventId ?? randomUUID(),
      'X-Shopify-Triggered-At': triggered,
    },
  };
}

/** Posts a forged delivery with fetch; returns the status and parsed JSON body (if any). */
export async function postWebhook(url: string, d: ForgedDelivery): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: d.headers, body: new Uint8Array(d.body) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

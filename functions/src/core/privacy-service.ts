// Acts on Shopify's mandatory privacy topics: redact a customer, redact a shop, export a customer's data; audits each action.
import { randomUUID } from 'node:crypto';
import type { LandedEvent } from './classify';
import type { Logger } from './log';
import { parseExact } from './json';
import { TOPIC_SCHEMAS, isPrivacyTopic, shopProblem } from './topics';
import { ShopMlopsError } from './errors';
import type { Warehouse } from '../ports/warehouse';
import type { ArtifactStore } from '../ports/artifact-store';
import { redactCustomerArtifacts, redactShopArtifacts } from './privacy-artifacts';
import type { JournalStorage } from '../shopify/journal-storage';
import { redactCustomerJournal, redactShopJournal } from '../shopify/journal-redaction';

export interface PrivacyDeps {
  warehouse: Warehouse;
  artifacts: ArtifactStore;
  /** The metafields write-back's journals (they hold customer ids and their predicted values). */
  journals: JournalStorage;
  log: Logger;
  now?: () => Date;
}

export interface PrivacyOutcome {
  action: string;
  details: unknown;
}

/** Key of a data-request export in the artifact store. */
export function exportKey(shop: string, customerId: string, requestId: string): string {
  return `privacy-exports/${shop}/customer-${customerId}/request-${requestId}.json`;
}

export function createPrivacyService(deps: PrivacyDeps) {
  const now = deps.now ?? (() => new Date());
  const audit = async (event: LandedEvent, customerId: string | null, details: unknown) => {
    await deps.warehouse.recordPrivacyAction({
      audit_id: randomUUID(),
      shop: event.shop,
      action: event.topic as 'customers/redact' | 'shop/redact' | 'customers/data_request',
      customer_id: customerId,
      webhook_id: event.webhook_id,
      requested_at: event.triggered_at ?? event.received_at,
      completed_at: now().toISOString(),
      details: JSON.stringify(details),
    });
  };

  return {
    async handle(event: LandedEvent): Promise<PrivacyOutcome> {
      if (!isPrivacyTopic(event.topic)) throw new ShopMlopsError('BAD_REQUEST', `not a privacy topic: ${event.topic}`);
      const value = parseExact(event.payload);
      // Classification already quarantines these; checked again because the cloud worker acts on a Pub/Sub message.
      const request = TOPIC_SCHEMAS[event.topic].safeParse(value);
      if (!request.success) throw new ShopMlopsError('BAD_REQUEST', `not a ${event.topic} request: ${request.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const forged = shopProblem(event.topic, event.shop, request.data);
      if (forged) throw new ShopMlopsError('BAD_REQUEST', `refused ${event.topic}: ${forged}`);
      if (event.topic === 'shop/redact') {
        const result = { ...(await deps.warehouse.redactShop(event.shop)), ...(await redactShopArtifacts(deps.artifacts, event.shop)), writeBackJournal: await redactShopJournal(deps.journals, event.shop) };
        const outcome = { action: 'shop/redact', details: result };
        await audit(event, null, result);
        deps.log.notice('shop redacted', { shop: event.shop, tables: result.tables });
        return outcome;
      }
      if (event.topic === 'customers/redact') {
        const p = TOPIC_SCHEMAS['customers/redact'].parse(value);
        const result = {
          ...(await deps.warehouse.redactCustomer({ shop: event.shop, customerId: p.customer.id, orderIds: p.orders_to_redact })),
          ...(await redactCustomerArtifacts(deps.artifacts, event.shop, p.customer.id)),
          writeBackJournal: await redactCustomerJournal(deps.journals, event.shop, p.customer.id),
        };
        await audit(event, p.customer.id, result);
        deps.log.notice('customer redacted', { shop: event.shop, customerId: p.customer.id, tables: result.tables });
        return { action: 'customers/redact', details: result };
      }
      const p = TOPIC_SCHEMAS['customers/data_request'].parse(value);
      const data = await deps.warehouse.exportCustomer({ shop: event.shop, customerId: p.customer.id, orderIds: p.orders_requested });
      const doc = {
        shop: event.shop,
        customer_id: p.customer.id,
        data_request_id: p.data_request.id,
        generated_at: now().toISOString(),
        tables: data,
      };
      const info = await deps.artifacts.put(exportKey(event.shop, p.customer.id, p.data_request.id), JSON.stringify(doc, null, 2), { contentType: 'application/json' });
      const details = { uri: deps.artifacts.uri(info.key), rows: Object.fromEntries(Object.entries(data).map(([t, r]) => [t, r.length])) };
      await audit(event, p.customer.id, details);
      deps.log.notice('customer data exported', { shop: event.shop, customerId: p.customer.id, uri: details.uri });
      return { action: 'customers/data_request', details };
    },
  };
}

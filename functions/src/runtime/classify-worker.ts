// Worker thread that classifies log records (parse + schema) so the ack path's event loop never waits behind it.
import { parentPort } from 'node:worker_threads';
import { setPriority } from 'node:os';
import { classifyEnvelope, type LandedEvent, type QuarantineRecord } from '../core/classify';
import { decodeEnvelope } from '../core/envelope';

export interface ClassifyRequest {
  id: number;
  payloads: Uint8Array[];
}

export interface ClassifyResponse {
  id: number;
  /** From the worker, without `payload`: the caller holds the bytes and decodes the text only where it is read. */
  events: LandedEvent[];
  /** The customer each event is about (order's customer, or the customer record itself), aligned with events. */
  customerIds: (string | null)[];
  /** The index (in the request) of the payload each event came from, aligned with events. */
  indexes: number[];
  quarantined: QuarantineRecord[];
  undecodable: { index: number; error: string }[];
}

function customerOf(topic: string, parsed: unknown): string | null {
  const p = parsed as { id?: string; customer?: { id?: string } | null };
  if (topic.startsWith('orders/')) return p.customer?.id ?? null;
  if (topic.startsWith('customers/') && topic !== 'customers/redact' && topic !== 'customers/data_request') return p.id ?? null;
  return null;
}

export function classifyPayloads(payloads: Uint8Array[]): Omit<ClassifyResponse, 'id'> {
  const events: LandedEvent[] = [];
  const customerIds: (string | null)[] = [];
  const indexes: number[] = [];
  const quarantined: QuarantineRecord[] = [];
  const undecodable: { index: number; error: string }[] = [];
  payloads.forEach((p, index) => {
    let env;
    try {
      env = decodeEnvelope(Buffer.from(p.buffer, p.byteOffset, p.byteLength), { view: true });
    } catch (err) {
      undecodable.push({ index, error: (err as Error).message });
      return;
    }
    const c = classifyEnvelope(env);
    if (c.kind === 'event') {
      events.push(c.event);
      customerIds.push(customerOf(c.event.topic, c.parsed));
      indexes.push(index);
    } else quarantined.push(c.record);
  });
  return { events, customerIds, indexes, quarantined, undecodable };
}

if (parentPort) {
  // Background work: on Linux this lowers only this thread's priority, so acknowledgements win the CPU in a burst.
  try {
    setPriority(10);
  } catch {
    /* not permitted here: run at normal priority */
  }
  const port = parentPort;
  port.on('message', (req: ClassifyRequest) => {
    const r = classifyPayloads(req.payloads);
    // The payload text stays here: cloning it back would give the main thread a ~10 KB string per delivery to
    // collect, while landing uses the record's bytes (the caller re-attaches the text, decoded on first read).
    const events = r.events.map(({ payload: _text, ...rest }) => rest) as LandedEvent[];
    port.postMessage({ id: req.id, ...r, events } satisfies ClassifyResponse);
  });
}

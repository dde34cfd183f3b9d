// Worker thread that classifies log records (parse + schema) so the ack path's event loop never waits behind it.
import { parentPort } from 'node:worker_threads';
import { classifyEnvelope, type LandedEvent, type QuarantineRecord } from '../core/classify';
import { decodeEnvelope } from '../core/envelope';

export interface ClassifyRequest {
  id: number;
  payloads: Uint8Array[];
}

export interface ClassifyResponse {
  id: number;
  events: LandedEvent[];
  quarantined: QuarantineRecord[];
  undecodable: { index: number; error: string }[];
}

export function classifyPayloads(payloads: Uint8Array[]): Omit<ClassifyResponse, 'id'> {
  const events: LandedEvent[] = [];
  const quarantined: QuarantineRecord[] = [];
  const undecodable: { index: number; error: string }[] = [];
  payloads.forEach((p, index) => {
    let env;
    try {
      env = decodeEnvelope(Buffer.from(p.buffer, p.byteOffset, p.byteLength));
    } catch (err) {
      undecodable.push({ index, error: (err as Error).message });
      return;
    }
    const c = classifyEnvelope(env);
    if (c.kind === 'event') events.push(c.event);
    else quarantined.push(c.record);
  });
  return { events, quarantined, undecodable };
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (req: ClassifyRequest) => port.postMessage({ id: req.id, ...classifyPayloads(req.payloads) } satisfies ClassifyResponse));
}

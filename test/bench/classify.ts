// `npm run bench -- classify`: µs of CPU per delivery to classify an orders/create fixture (strict read + schema), against JSON.parse alone.
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classifyEnvelope } from '../../functions/src/core/classify';
import { encodeEnvelope, type WebhookEnvelope } from '../../functions/src/core/envelope';
import { classifyPayloads } from '../../functions/src/runtime/classify-worker';
import type { BenchResult, BenchRow } from './run';

const FIXTURE = path.resolve(__dirname, '../../../shared/fixtures/shopify/orders_create.json');
/** Measured before this reader, on the same machine and fixture (quoteUnsafeIntegers + JSON.parse + zod on the whole payload). */
const BEFORE_US = 59;

/** Best of many short rounds: this machine is shared, and the quietest round is the cost itself. */
function bestMicros(f: () => unknown, perRound: number, rounds = 300): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    f();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e3 / perRound);
  }
  return best;
}

export function run(): Promise<BenchResult> {
  const pretty = readFileSync(FIXTURE);
  const compact = Buffer.from(JSON.stringify(JSON.parse(pretty.toString('utf8'))));
  const rows: BenchRow[] = [];
  for (const [name, body] of [['orders_create.json as stored', pretty], ['the same, compact (as Shopify sends)', compact]] as const) {
    const env: WebhookEnvelope = { shop: 'bench.myshopify.com', topic: 'orders/create', webhookId: 'w', eventId: null, apiVersion: '2026-10', triggeredAt: null, receivedAt: new Date().toISOString(), body };
    if (classifyEnvelope(env).kind !== 'event') throw new Error('the fixture did not classify as an event');
    const records = Array.from({ length: 100 }, () => new Uint8Array(encodeEnvelope(env)));
    const text = body.toString('utf8');
    rows.push({
      name,
      bytes: body.length,
      classify_us: bestMicros(() => { for (let i = 0; i < 100; i++) classifyEnvelope(env); }, 100),
      worker_us: bestMicros(() => classifyPayloads(records), records.length),
      json_parse_us: bestMicros(() => { for (let i = 0; i < 100; i++) JSON.parse(text); }, 100),
    });
  }
  const us = rows[0]!['classify_us'] as number;
  return Promise.resolve({
    name: 'classify',
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    rows,
    targets: [{ metric: `classify_us (orders_create.json), 3x faster than ${BEFORE_US} µs`, target: `<= ${(BEFORE_US / 3).toFixed(1)}`, value: Number(us.toFixed(1)), pass: us <= BEFORE_US / 3 }],
    notes: ['worker_us: the classifier worker\'s unit of work (decode the log record, classify, customer id)', 'json_parse_us: JSON.parse of the same text, for scale (it checks less and builds everything)'],
  });
}

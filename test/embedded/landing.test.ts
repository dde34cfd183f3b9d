// DuckDB landing: the batch's own duplicates collapse to the first by either key, body bytes land as their exact text, a rejected row is UNPROCESSABLE.
import { openDuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import type { LandedEvent } from '../../functions/src/core/classify';
import { ShopMlopsError } from '../../functions/src/core/errors';

const ev = (webhook: string, event: string | null, payload = `{"id":"${webhook}"}`): LandedEvent => ({
  shop: 'landing.myshopify.com',
  topic: 'orders/create',
  webhook_id: webhook,
  event_id: event,
  api_version: '2026-10',
  triggered_at: null,
  received_at: '2026-01-01T00:00:00.000Z',
  payload,
});

test('inside one batch a delivery is dropped when its webhook id or its (shop, topic, event id) appeared earlier, even on a dropped row', async () => {
  const w = await openDuckDbWarehouse({ path: ':memory:' });
  try {
    // b repeats a's event id; c repeats a's webhook id; d repeats the event id of c (dropped itself); e has no event id.
    const r = await w.landEvents([ev('a', 'e1'), ev('b', 'e1'), ev('a', 'e2'), ev('d', 'e2'), ev('e', null), ev('f', null)]);
    expect(r).toEqual({ inserted: 3, duplicates: 3 });
    expect(await w.query('SELECT webhook_id, event_id FROM shop_raw.events ORDER BY webhook_id')).toEqual([
      { webhook_id: 'a', event_id: 'e1' },
      { webhook_id: 'e', event_id: null },
      { webhook_id: 'f', event_id: null },
    ]);
    expect(await w.landEvents([ev('a', 'x'), ev('g', 'e2'), ev('h', 'e3')])).toEqual({ inserted: 2, duplicates: 1 });
  } finally {
    await w.close();
  }
});

test('payloads given as body bytes land as exactly the text they encode (multi-byte UTF-8, 64-bit ids)', async () => {
  const w = await openDuckDbWarehouse({ path: ':memory:' });
  try {
    const text = '{"id":820982911946154508,"note":"Grüße – 東京 🛒","amount":"10.00"}';
    await w.landEvents([ev('bytes', null, text), ev('text', null, text)], [Buffer.from(text, 'utf8'), null]);
    const rows = await w.query("SELECT webhook_id, payload::VARCHAR AS p, json_extract_string(payload, '$.id') AS id FROM shop_raw.events ORDER BY webhook_id");
    expect(rows).toEqual([
      { webhook_id: 'bytes', p: text, id: '820982911946154508' },
      { webhook_id: 'text', p: text, id: '820982911946154508' },
    ]);
  } finally {
    await w.close();
  }
});

test('a row DuckDB rejects (not JSON) fails the batch as UNPROCESSABLE, not retryable, and lands nothing of it', async () => {
  const w = await openDuckDbWarehouse({ path: ':memory:' });
  try {
    const err = await w.landEvents([ev('ok', null), ev('bad', null, '{"id": ')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShopMlopsError);
    expect(err).toMatchObject({ code: 'UNPROCESSABLE', retryable: false });
    expect(await w.query('SELECT count(*) AS n FROM shop_raw.events')).toEqual([{ n: '0' }]);
  } finally {
    await w.close();
  }
});

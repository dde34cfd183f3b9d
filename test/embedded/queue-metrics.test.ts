// The runtime's /metrics: queue lag (age of the oldest unlanded delivery), quarantine size, and the monitoring sink's series.
import { forgeWebhook, postWebhook } from '../../functions/src/testing/forge';
import { replayQuarantine } from '../../functions/src/core/quarantine-replay';
import { SECRET, fixture, startTestRuntime } from '../helpers/runtime';

const body = fixture('orders_create.json');
const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();

test('queue lag is the age of the oldest acknowledged delivery not yet landed, 0 once it lands', async () => {
  const faults = { failLoads: true };
  const rt = await startTestRuntime({ loadLingerMs: 0 }, faults);
  try {
    expect(gauge(await scrape(rt.url), 'shop_mlops_queue_lag_seconds')).toBe(0);
    const sent = Date.now();
    expect((await postWebhook(`${rt.url}/webhooks`, forgeWebhook({ secret: SECRET, topic: 'orders/create', body, webhookId: 'lag-1', eventId: 'ev-lag-1', shop: 'lag.myshopify.com' }))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    const lag = gauge(await scrape(rt.url), 'shop_mlops_queue_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(1.4);
    expect(lag).toBeLessThanOrEqual((Date.now() - sent) / 1000 + 0.1);
    faults.failLoads = false;
    expect(await rt.loader.drain(20_000)).toBe(true);
    expect(gauge(await scrape(rt.url), 'shop_mlops_queue_lag_seconds')).toBe(0);
  } finally {
    await rt.close();
  }
}, 60_000);

test('quarantine size counts deliveries waiting in quarantine; a replay that lands one takes it off', async () => {
  const rt = await startTestRuntime({ loadLingerMs: 0 });
  try {
    const bad = (id: string) => forgeWebhook({ secret: SECRET, topic: 'orders/create', body: JSON.stringify({ id: 5, created_at: 'yesterday', currency: 'USD', total_price: '1.00', line_items: [] }), webhookId: id, shop: 'q.myshopify.com' });
    for (const id of ['q-1', 'q-2']) expect((await postWebhook(`${rt.url}/webhooks`, bad(id))).status).toBe(200);
    expect(await rt.loader.drain(20_000)).toBe(true);
    expect(gauge(await scrape(rt.url), 'shop_mlops_quarantine_records')).toBe(2);
    // Marked replayed (as a replay does once a delivery lands) → no longer waiting.
    const [first] = await rt.warehouse.listQuarantine();
    await rt.warehouse.markReplayed([first!.quarantine_id], new Date().toISOString());
    expect(gauge(await scrape(rt.url), 'shop_mlops_quarantine_records')).toBe(1);
    // Still failing the schema: a replay leaves it waiting.
    expect((await replayQuarantine(rt.warehouse, {})).map((o) => o.result)).toEqual(['still_quarantined']);
    expect(gauge(await scrape(rt.url), 'shop_mlops_quarantine_records')).toBe(1);
  } finally {
    await rt.close();
  }
}, 60_000);

test('points written to the runtime\'s monitoring sink are served on /metrics', async () => {
  const rt = await startTestRuntime();
  try {
    await rt.monitoringSink.write([{ name: 'shop_mlops_monitor_last_run_timestamp_seconds', labels: { job: 'monitor' }, value: 1_780_000_000 }], new Date());
    expect(await scrape(rt.url)).toMatch(/^shop_mlops_monitor_last_run_timestamp_seconds\{job="monitor"\} 1780000000$/m);
  } finally {
    await rt.close();
  }
}, 60_000);

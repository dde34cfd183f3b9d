// Parity through the whole product: CDNOW_sample replayed as webhooks, features at 1997-09-30 = the published RFM summary.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { cdnowToUciCsv } from '../../functions/src/simulator/cdnow';
import { planReplay } from '../../functions/src/simulator/replay-csv';
import { sendDeliveries } from '../../functions/src/simulator/send';
import { runFeatures } from '../../functions/src/features/runner';
import { SECRET, SHARED, startTestRuntime } from '../helpers/runtime';
import { testNeedingShared } from '../helpers/shared';

const CDNOW = path.join(SHARED, 'data/cdnow');
const maybe = testNeedingShared(path.join(CDNOW, 'CDNOW_sample.txt'), 'CDNOW parity');

function csv(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path.join(CDNOW, file), 'utf8').trim().split(/\r?\n/);
  const cols = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
}

maybe('customer_rfm at 1997-09-30 equals cdnow_customers_summary (frequency, recency and T in weeks) and zbar for all 2,357 customers', async () => {
  const rt = await startTestRuntime({ loadLingerMs: 0 });
  try {
    const { deliveries, report } = await planReplay(cdnowToUciCsv(readFileSync(path.join(CDNOW, 'CDNOW_sample.txt'), 'utf8')), { shop: 'cdnow.myshopify.com', timezone: 'UTC', currency: 'USD' });
    expect(deliveries.length).toBe(6919);
    void report;
    const sent = await sendDeliveries(`${rt.url}/webhooks`, deliveries, { secret: SECRET, concurrency: 32 });
    expect(sent.failed).toBe(0);
    expect(await rt.loader.drain(120_000)).toBe(true);
    const r = await runFeatures({ warehouse: rt.warehouse, snapshotDate: '1997-09-30', timezone: 'UTC' });
    const failed = r.actions.filter((a) => a.status !== 'ok');
    expect(failed.map((a) => `${a.name}: ${a.error}`)).toEqual([]);
    const rows = await rt.warehouse.query(`
      SELECT customer_id, frequency, round(recency_days / 7, 2) AS recency, round(age_days / 7, 2) AS t, round(CAST(monetary AS DECIMAL(18, 6)), 2) AS monetary -- exact halves (32.535) round up, as zbar's do
      FROM shop_features.customer_rfm WHERE snapshot_date = DATE '1997-09-30' AND shop = 'cdnow.myshopify.com'`);
    const ours = new Map(rows.map((x) => [String(x['customer_id']), x]));
    const summary = csv('cdnow_customers_summary.csv');
    const zbar = new Map(csv('cdnow_customers_summary_with_transactions.csv').map((x) => [x['ID']!, Number(x['zbar'])]));
    expect(summary).toHaveLength(2357);
    expect(ours.size).toBe(2357);
    const mismatches: string[] = [];
    for (const s of summary) {
      const o = ours.get(s['ID']!);
      const want = { frequency: Number(s['frequency']), recency: Number(s['recency']), t: Number(s['T']), monetary: zbar.get(s['ID']!) };
      const got = o ? { frequency: Number(o['frequency']), recency: Number(o['recency']), t: Number(o['t']), monetary: Number(o['monetary']) } : null;
      if (!got || got.frequency !== want.frequency || Math.abs(got.recency - want.recency) > 1e-9 || Math.abs(got.t - want.t) > 1e-9 || Math.abs(got.monetary - want.monetary!) > 1e-9) {
        mismatches.push(`${s['ID']}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`);
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
  } finally {
    await rt.close();
  }
}, 300_000);

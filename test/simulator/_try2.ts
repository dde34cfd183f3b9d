import { createReadStream } from 'node:fs';
import { streamReplay } from '../../functions/src/simulator/replay-csv';
(async () => {
  const t0 = Date.now();
  const { deliveries, report } = streamReplay(createReadStream('/work/shared/data/online_retail/online_retail_uci_2010-12_2011-12.csv'), { timezone: 'Europe/London' });
  let n = 0; let bytes = 0; let prev = 0; let unordered = 0;
  for await (const d of deliveries) { n++; bytes += d.body.length; if (d.triggeredAt.getTime() < prev) unordered++; prev = d.triggeredAt.getTime(); }
  console.log(Date.now() - t0, 'ms', n, 'deliveries', (bytes / 1e6).toFixed(0), 'MB', 'unordered', unordered, 'rss', (process.memoryUsage().rss / 1e6).toFixed(0));
  console.log(JSON.stringify(report, null, 1));
})();

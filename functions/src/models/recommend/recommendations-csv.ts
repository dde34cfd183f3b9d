// Writes batch recommendations as CSV (customer_id,rank,item_id,score,source), streamed in chunks.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { RecommenderModel } from './model';
import type { BatchRecommendations } from './recommender';

export const RECOMMENDATIONS_HEADER = 'customer_id,rank,item_id,score,source';

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Score with 6 significant digits, no exponent for ordinary magnitudes. */
export function formatScore(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/** Writes every customer's rows (rank 1 = best); returns the number of data rows. */
export async function writeRecommendationsCsv(file: string, batch: BatchRecommendations, model: RecommenderModel, customerIds: readonly string[], customerOf: (row: number) => number = (r) => r): Promise<number> {
  const out = createWriteStream(file, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  const write = async (s: string) => {
    if (!out.write(s)) await Promise.race([once(out, 'drain'), failed]);
  };
  let rows = 0;
  let chunk = RECOMMENDATIONS_HEADER + '\n';
  const itemField = model.items.map(csvField);
  for (let r = 0; r < batch.customers; r++) {
    const cid = csvField(customerIds[customerOf(r)]!);
    for (let q = 0; q < batch.k; q++) {
      const i = batch.items[r * batch.k + q]!;
      if (i < 0) break;
      chunk += `${cid},${q + 1},${itemField[i]},${formatScore(batch.scores[r * batch.k + q]!)},${batch.source[r * batch.k + q] === 0 ? 'similar' : 'popular'}\n`;
      rows++;
    }
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  return rows;
}

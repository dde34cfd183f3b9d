import { copyFileSync } from 'node:fs';
import { openDuckDbWarehouse } from '../../functions/src/adapters/embedded/duckdb-warehouse';
import { runFeatures } from '../../functions/src/features/runner';
async function main() {
  const dir = '/work/lead-scratch/s1m';
  const db = `${dir}/run.duckdb`;
  const mode = process.argv[2] ?? 'both';
  if (mode !== 'inc') copyFileSync(`${dir}/raw-base.duckdb`, db);
  const show = (label: string, r: Awaited<ReturnType<typeof runFeatures>>) => {
    for (const a of r.actions.filter((x) => x.seconds > Number(process.env.MINS ?? 0.15))) console.log(`${label} ${a.name.padEnd(80)} ${a.seconds.toFixed(2)} ${a.rows ?? ''} ${a.status}`);
    const sum = (k: string) => r.actions.filter((a) => a.type === k).reduce((s, a) => s + a.seconds, 0);
    console.log(label, 'compile+overhead', (r.seconds - r.actions.reduce((s, a) => s + a.seconds, 0)).toFixed(2));
    console.log(label, 'assertions', sum('assertion').toFixed(2), 'tables', (r.seconds - sum('assertion')).toFixed(2));
    console.log(`${label} TOTAL ${r.seconds.toFixed(1)} ok=${r.ok}`);
  };
  if (mode !== 'inc') {
    const w = await openDuckDbWarehouse({ path: db });
    if (process.env.NOJFP) await w.execute("SET disabled_optimizers='join_filter_pushdown'");
    show('full', await runFeatures({ warehouse: w, snapshotDate: '2025-12-30', fullRefresh: true }));
    await w.close();
    copyFileSync(db, `${dir}/after-full.duckdb`);
  } else copyFileSync(`${dir}/after-full.duckdb`, db);
  if (mode === 'full') return;
  const w2 = await openDuckDbWarehouse({ path: db });
  await w2.execute(`ATTACH '${dir}/raw.duckdb' AS src (READ_ONLY)`);
  await w2.execute(`INSERT INTO shop_raw.events SELECT * FROM src.shop_raw.events WHERE received_at >= TIMESTAMPTZ '2025-12-31 00:00:00+00'`);
  await w2.execute(`DETACH src`);
  show('inc', await runFeatures({ warehouse: w2, snapshotDate: '2025-12-31' }));
  await w2.close();
}
void main();

// TEMP timing probe (deleted before commit).
import { buildDashboardStore, monitorPass, at } from './support/dashboard-store';
test('timing', async () => {
  const t0 = performance.now();
  const s = await buildDashboardStore();
  const r = await monitorPass(s, at(33, 6));
  console.log(JSON.stringify({ timings: s.timings, total: (performance.now() - t0) / 1000, decisions: r.endpoints.map((e) => [e.model, e.decision.action, e.acted, e.decision.why]) }));
  const n = await s.rt.warehouse.query("SELECT count(*) n, count(DISTINCT customer_id) c FROM shop_features.customer_rfm");
  const o = await s.rt.warehouse.query("SELECT model, version, arm, metric, served_date, trials, successes FROM shop_monitoring.outcome_daily ORDER BY 1,2,3,4,5");
  const dr = await s.rt.warehouse.query("SELECT run_date, model, count(*) n, sum(psi) FROM shop_monitoring.drift_results GROUP BY ALL ORDER BY ALL");
  const rr = await s.rt.monitor.store.retrainRequests();
  console.log(JSON.stringify({ n, o, dr, rr: rr.map(r => [r.trigger, r.status]) }, (_k, v) => typeof v === 'bigint' ? String(v) : v));
  await s.rt.close();
}, 600_000);

// The first run a newcomer sees: one shop time zone for the demo and every later build, a restart that retrains nothing unless asked, loading that did not drain named.
import { runDemo } from '../../functions/src/runtime/demo';
import { SECRET, startTestRuntime, tempDir } from '../helpers/runtime';
import { runCli } from '../helpers/process';

interface Summary { seeded: boolean; timezone: string; features: { ok: boolean; snapshotDate: string }; training: { ok: boolean; runId: string } | null; problems: string[] }

const sql = async (dataDir: string, q: string, env: Record<string, string>) => {
  const r = await runCli(['sql', '--json', '--data-dir', dataDir, q], env);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, string>[];
};
const runCount = async (dataDir: string) => (JSON.parse((await runCli(['runs', '--json', '--data-dir', dataDir])).stdout) as unknown[]).length;

test('the demo, the later builds and a restart share the shop time zone; a restart trains nothing unless --retrain', async () => {
  const dataDir = tempDir();
  // A zone with a half-hour offset and no DST, far from the old demo default (America/New_York) and the config default (UTC).
  const env = { SHOP_MLOPS_SHOP_TIMEZONE: 'Asia/Kolkata' };
  const first = await runCli(['up', '--exit-after-demo', '--json', '--demo-days', '40', '--demo-end', '2026-11-25', '--port', '0', '--data-dir', dataDir], env);
  expect(first.code).toBe(0);
  const s1 = JSON.parse(first.stdout) as Summary;
  expect(s1).toMatchObject({ seeded: true, timezone: 'Asia/Kolkata', features: { ok: true, snapshotDate: '2026-11-24' }, training: { ok: true }, problems: [] });
  // The simulated store's orders carry the shop's offset, as Shopify writes them.
  const offsets = await sql(dataDir, "SELECT DISTINCT right(json_extract_string(payload, '$.created_at'), 6) AS o FROM shop_raw.events WHERE topic = 'orders/create'", env);
  expect(offsets).toEqual([{ o: '+05:30' }]);
  // A later build (what the runtime's scheduled rebuild runs, in the same configured zone) builds the same snapshot.
  const later = await runCli(['features', '--json', '--data-dir', dataDir], env);
  expect(later.code).toBe(0);
  expect(JSON.parse(later.stdout)).toMatchObject({ snapshotDate: s1.features.snapshotDate, timezone: 'Asia/Kolkata', ok: true });
  const runs = await runCount(dataDir);
  expect(runs).toBe(2); // the demo's first run and the second run whose challengers went out as canaries

  // A restart on the same store: the demo skips, features are rebuilt, nothing is trained.
  const again = await runCli(['up', '--exit-after-demo', '--json', '--port', '0', '--data-dir', dataDir], env);
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout)).toMatchObject({ seeded: false, timezone: 'Asia/Kolkata', features: { ok: true }, training: null, problems: [] });
  expect(await runCount(dataDir)).toBe(runs);

  // Asked to: one training run on the existing store.
  const asked = await runCli(['up', '--exit-after-demo', '--json', '--retrain', '--port', '0', '--data-dir', dataDir], env);
  expect(asked.code).toBe(0);
  expect(JSON.parse(asked.stdout)).toMatchObject({ seeded: false, training: { ok: true }, problems: [] });
  expect(await runCount(dataDir)).toBe(runs + 1);
}, 300_000);

test('up --timezone sets the shop zone of the whole runtime, not only of the demo', async () => {
  const dataDir = tempDir();
  const r = await runCli(['up', '--exit-after-demo', '--json', '--timezone', 'Pacific/Kiritimati', '--demo-days', '20', '--demo-end', '2026-11-25', '--port', '0', '--data-dir', dataDir]);
  expect(JSON.parse(r.stdout)).toMatchObject({ timezone: 'Pacific/Kiritimati', features: { snapshotDate: '2026-11-24' } });
  expect(await sql(dataDir, "SELECT DISTINCT right(json_extract_string(payload, '$.created_at'), 6) AS o FROM shop_raw.events WHERE topic = 'orders/create'", {})).toEqual([{ o: '+14:00' }]);
  const bad = await runCli(['up', '--exit-after-demo', '--timezone', 'Mars/Olympus', '--port', '0', '--data-dir', tempDir()]);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/--timezone must be an IANA time zone, got "Mars\/Olympus"/);
}, 120_000);

test('loading that does not drain is reported, and nothing is built or trained on a partial store', async () => {
  const faults = { failLoads: true };
  const rt = await startTestRuntime({}, faults);
  try {
    const s = await runDemo(rt, { dataDir: rt.dataDir, days: 5, seed: 7, endDate: '2026-11-25', secret: SECRET, drainTimeoutMs: 1500 });
    expect(s.problems).toHaveLength(1);
    expect(s.problems[0]).toMatch(/^loading did not drain within 1\.5 s: \d+ bytes of acknowledged deliveries have not landed/);
    expect(s.features.ok).toBe(false);
    expect(s.training).toBeNull();
    expect(s.rollout).toBeNull();
  } finally {
    faults.failLoads = false;
    await rt.close();
  }
}, 60_000);

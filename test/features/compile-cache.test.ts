// The runner's compilation cache: keyed by the project's content, the snapshot date bound per run, a changed SQLX recompiled.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SNAPSHOT_TOKEN, bindSnapshotDate, compileProjectDeferred } from '../../functions/src/features/compile';

const REAL = path.join(__dirname, '..', '..', 'dataform');
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'compile-cache-'));
  cpSync(path.join(REAL, 'definitions'), path.join(tmp, 'project', 'definitions'), { recursive: true });
  cpSync(path.join(REAL, 'includes'), path.join(tmp, 'project', 'includes'), { recursive: true });
  cpSync(path.join(REAL, 'workflow_settings.yaml'), path.join(tmp, 'project', 'workflow_settings.yaml'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const rfmQuery = (g: Awaited<ReturnType<typeof compileProjectDeferred>>) => g.tables.find((t) => t.target.name === 'customer_rfm')!.query;

test('compiled once per project content; the snapshot date is bound per run; an edit compiles again', async () => {
  const o = { projectDir: path.join(tmp, 'project'), dialect: 'duckdb' as const, vars: { shop_timezone: 'UTC' }, cacheDir: path.join(tmp, 'cache') };
  let t0 = performance.now();
  const first = await compileProjectDeferred(o);
  const cold = performance.now() - t0;
  expect(rfmQuery(first)).toContain(`DATE '${SNAPSHOT_TOKEN}'`);
  expect(readdirSync(o.cacheDir)).toHaveLength(1);

  t0 = performance.now();
  const again = await compileProjectDeferred(o);
  console.log(`dataform compile: ${cold.toFixed(0)} ms from the CLI, ${(performance.now() - t0).toFixed(0)} ms from the cache`);
  expect(again).toEqual(first);
  expect(readdirSync(o.cacheDir)).toHaveLength(1);

  const bound = bindSnapshotDate(again, '2024-03-10');
  expect(rfmQuery(bound)).toContain("DATE '2024-03-10'");
  expect(JSON.stringify(bound)).not.toContain(SNAPSHOT_TOKEN);
  expect(() => bindSnapshotDate(again, "2024-03-10' OR 1=1")).toThrow('snapshot date must be YYYY-MM-DD');

  // Another time zone is another compilation.
  await compileProjectDeferred({ ...o, vars: { shop_timezone: 'Europe/Paris' } });
  expect(readdirSync(o.cacheDir)).toHaveLength(2);

  // An edited SQLX is compiled again and its new SQL is what runs.
  const f = path.join(o.projectDir, 'definitions', 'features', 'customer_rfm.sqlx');
  writeFileSync(f, readFileSync(f, 'utf8').replace('COUNT(*) - 1 AS frequency', 'COUNT(*) - 1 AS frequency /* edited */'));
  const edited = await compileProjectDeferred(o);
  expect(readdirSync(o.cacheDir)).toHaveLength(3);
  expect(rfmQuery(edited)).toContain('/* edited */');
}, 120_000);

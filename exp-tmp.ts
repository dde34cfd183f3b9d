import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync, existsSync, rmSync } from 'node:fs';
async function main() {
  const f = '/tmp/redact-exp/y.duckdb';
  for (const p of [f, f + '.wal']) if (existsSync(p)) rmSync(p);
  const inst = await DuckDBInstance.create(f, { storage_compatibility_version: 'v1.2.0', checkpoint_threshold: '256MB' });
  const c = await inst.connect();
  const mode = process.argv[2];
  await c.run('CREATE TABLE t (id INT, p JSON)');
  await c.run(`INSERT INTO t SELECT i, ('{"id":' || i || ',"email":"f' || i || '@x.com"}')::JSON FROM range(50) r(i)`);
  await c.run(`INSERT INTO t VALUES (99999, '{"id":99999,"email":"zz-secret-mail@example.org"}')`);
  await c.run('CHECKPOINT');
  const grep = (tag: string) => { const b = readFileSync(f); console.log(tag, b.length, b.includes('zz-secret-mail')); };
  grep('before');
  await c.run(`DELETE FROM t WHERE id = 99999`);
  await c.run('CHECKPOINT');
  grep('after delete+checkpoint');
  if (mode === 'rewrite') {
    await c.run('CREATE TABLE t2 AS SELECT * FROM t'); await c.run('DROP TABLE t'); await c.run('ALTER TABLE t2 RENAME TO t');
    await c.run('CHECKPOINT'); grep('after rewrite+checkpoint');
  }
  if (mode === 'vacuum') { await c.run('VACUUM t'); await c.run('CHECKPOINT'); grep('after vacuum'); }
  if (mode === 'reinsert') {
    await c.run('BEGIN'); await c.run('CREATE TEMP TABLE keep AS SELECT * FROM t'); await c.run('DELETE FROM t'); await c.run('INSERT INTO t SELECT * FROM keep'); await c.run('COMMIT');
    await c.run('CHECKPOINT'); grep('after reinsert+checkpoint');
    await c.run(`INSERT INTO t SELECT i, ('{"id":' || i || ',"email":"g' || i || '@x.com"}')::JSON FROM range(50) r(i)`); await c.run('CHECKPOINT'); grep('after more');
  }
  c.closeSync(); inst.closeSync(); grep('closed');
}
main();

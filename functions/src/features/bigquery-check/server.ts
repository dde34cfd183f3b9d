// One ZetaSQL analyzer server per process (the binary shipped by @fivetrandevelopers/zetasql), with BigQuery-like language options.
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { ZetaSQLClient } from '@fivetrandevelopers/zetasql';
import type { LanguageOptionsProto } from '@fivetrandevelopers/zetasql/lib/types/zetasql/LanguageOptionsProto';
import type { LanguageFeature } from '@fivetrandevelopers/zetasql/lib/types/zetasql/LanguageFeature';
import { ShopMlopsError } from '../../core/errors';

export interface ZetaSqlServer {
  client: ZetaSQLClient;
  port: number;
  /** BigQuery-like: every released feature (maximumFeatures ⊇ VERSION_CURRENT), external product mode, all statement kinds. */
  languageOptions: LanguageOptionsProto;
}

/**
 * Features BigQuery has that ZetaSQL's maximumFeatures leaves off (INTERVAL type, GROUPING SETS / GROUPING()).
 * maximumFeatures already holds JSON, QUALIFY, analytic functions, PIVOT, safe functions, RANGE, pipes, ...
 */
const BIGQUERY_EXTRA_FEATURES: LanguageFeature[] = ['FEATURE_INTERVAL_TYPE', 'FEATURE_V_1_4_GROUPING_SETS', 'FEATURE_V_1_4_GROUPING_BUILTIN'];

const STARTUP_TIMEOUT_MS = 30_000;

/** The analyzer server binary for this platform, as the package's own runServer() picks it. */
export function zetasqlServerBinary(): string {
  const dir = path.join(path.dirname(require.resolve('@fivetrandevelopers/zetasql/package.json')), 'lib', 'zetasql');
  const ext = (process.arch.startsWith('arm') ? '_arm' : '') + (process.platform === 'darwin' ? '' : '.so');
  return path.join(dir, `remote_server${ext}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no free port'))));
    });
  });
}

let current: { child: ChildProcess; ready: Promise<ZetaSqlServer>; onExit: () => void } | undefined;

async function waitReady(child: ChildProcess, port: number, stderr: () => string): Promise<ZetaSqlServer> {
  ZetaSQLClient.init(port);
  const client = ZetaSQLClient.getInstance();
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new ShopMlopsError('UNAVAILABLE', `ZetaSQL server exited (${child.exitCode ?? child.signalCode}) on port ${port}: ${stderr().trim() || 'no output'}`);
    }
    try {
      await client.formatSql({ sql: 'SELECT 1' });
      break;
    } catch (e) {
      if ((e as { code?: number }).code !== 14 || Date.now() > deadline) {
        throw new ShopMlopsError('UNAVAILABLE', `ZetaSQL server on port ${port} did not answer: ${(e as Error).message} ${stderr().trim()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const max = await client.getLanguageOptions({ maximumFeatures: true });
  if (!max) throw new ShopMlopsError('UNAVAILABLE', 'ZetaSQL server returned no language options');
  const features = new Set<LanguageFeature>([...max.enabledLanguageFeatures, ...BIGQUERY_EXTRA_FEATURES]);
  const languageOptions: LanguageOptionsProto = {
    enabledLanguageFeatures: [...features],
    // Empty = every statement kind (DDL, DML, MERGE) is accepted, as BigQuery does in operations.
    supportedStatementKinds: [],
    // BigQuery is ZetaSQL's "external" product: FLOAT64 not DOUBLE, no INT32/UINT64/PROTO types.
    productMode: 'PRODUCT_EXTERNAL',
    nameResolutionMode: 'NAME_RESOLUTION_DEFAULT',
    reservedKeywords: max.reservedKeywords,
  };
  return { client, port, languageOptions };
}

async function start(): Promise<{ child: ChildProcess; ready: Promise<ZetaSqlServer>; onExit: () => void }> {
  const port = await freePort();
  const child = spawn(zetasqlServerBinary(), ['localhost', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  child.on('error', (e) => (err += ` ${e.message}`));
  // Never keep the process alive for the server, and never leave it behind.
  child.unref();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  return { child, ready: waitReady(child, port, () => err), onExit };
}

/** The process's analyzer server, started on first use on a free port. */
export async function zetasqlServer(): Promise<ZetaSqlServer> {
  for (let attempt = 1; ; attempt++) {
    if (!current) current = await start();
    const mine = current;
    try {
      return await mine.ready;
    } catch (e) {
      if (current === mine) await stopZetaSqlServer();
      // A port grabbed between probing and binding: try another one.
      if (attempt >= 3) throw e;
    }
  }
}

/** Stops the server (if started) and closes the gRPC channel; the next zetasqlServer() starts a new one. */
export async function stopZetaSqlServer(): Promise<void> {
  const c = current;
  current = undefined;
  if (!c) return;
  process.removeListener('exit', c.onExit);
  try {
    (ZetaSQLClient.API as unknown as { close?: () => void } | undefined)?.close?.();
  } catch {
    // the channel may never have been opened
  }
  if (c.child.exitCode === null && c.child.signalCode === null) {
    await new Promise<void>((resolve) => {
      c.child.once('exit', () => resolve());
      c.child.kill('SIGKILL');
    });
  }
}

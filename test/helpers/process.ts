// Test helpers for the CLI as a separate process: spawn `shop-mlops`, wait for health, send keep-alive signed load.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as http from 'node:http';
import { forgeWebhook } from '../../functions/src/testing/forge';

export const ROOT = path.resolve(__dirname, '../..');
export const BIN = path.join(ROOT, 'node_modules/.bin/shop-mlops');
export const NODE_BIN_DIR = path.join(ROOT, 'node_modules/.bin');

export function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcess & { output: () => string } {
  let out = '';
  const child = spawn(BIN, args, {
    cwd: ROOT,
    env: { ...process.env, PATH: `${NODE_BIN_DIR}:${process.env['PATH']}`, SHOP_MLOPS_LOG_LEVEL: 'WARNING', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return Object.assign(child, { output: () => out });
}

export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(BIN, args, { cwd: ROOT, env: { ...process.env, PATH: `${NODE_BIN_DIR}:${process.env['PATH']}`, SHOP_MLOPS_LOG_LEVEL: 'WARNING', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { code, stdout, stderr };
}

export async function waitHealthy(url: string, timeoutMs = 30_000, child?: ChildProcess): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child && child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not healthy after ${timeoutMs} ms: ${url}`);
}

export async function freePort(): Promise<number> {
  const srv = http.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Posts one delivery on a keep-alive agent; resolves with the status (or 0 on a network error). */
export function postOn(agent: http.Agent, url: string, d: ReturnType<typeof forgeWebhook>): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = http.request({ agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { ...d.headers, 'content-length': String(d.body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(d.body);
  });
}

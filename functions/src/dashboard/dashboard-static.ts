// The local runtime's static routes for the dashboard: GET / (hosting/index.html), /dashboard/* (its modules and styles from hosting/) and /vendor/* (the Vega-Lite builds from node_modules).
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Hono } from 'hono';
import { HOSTING_DIR, vendorPath } from './dashboard-files';
import { errorResponse } from '../http/webhook-app';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml' };
/** One path segment of a plain file name: no traversal, no hidden files. */
const FILE = /^[a-z0-9][a-z0-9._-]{0,80}\.(js|css|html|png|svg)$/;
/** No other page may frame the local dashboard (it holds the admin token in its session storage). */
const HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-cache', 'content-security-policy': "frame-ancestors 'none'" };

async function send(file: string | null): Promise<Response> {
  if (!file) return errorResponse('NOT_FOUND', 'no such file');
  try {
    const body = await readFile(file);
    return new Response(new Uint8Array(body), { status: 200, headers: { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', ...HEADERS } });
  } catch {
    return errorResponse('NOT_FOUND', 'no such file');
  }
}

export function mountDashboardStatic(app: Hono, hostingDir = HOSTING_DIR): void {
  app.get('/', () => send(path.join(hostingDir, 'index.html')));
  app.get('/dashboard/:file', (c) => {
    const f = c.req.param('file');
    return send(FILE.test(f) ? path.join(hostingDir, 'dashboard', f) : null);
  });
  app.get('/vendor/:file', (c) => send(vendorPath(c.req.param('file'))));
}

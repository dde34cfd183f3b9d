// Bench reference: a bare Node HTTP server that only verifies each delivery with our verifier (core/verify.ts, node:crypto HMAC) and answers.
import * as http from 'node:http';
import { createWebhookVerifier } from '../../functions/src/core/verify';

const verifier = createWebhookVerifier({ apiSecret: process.env['SHOPIFY_API_SECRET'] ?? '' });
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (d: Buffer) => chunks.push(d));
  req.on('end', () => {
    void verifier.verify(req.headers, Buffer.concat(chunks)).then((r) => {
      res.writeHead(r.ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(r.ok ? '{"ok":true}' : '{"ok":false}');
    });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2]), '127.0.0.1', () => console.log('ready'));

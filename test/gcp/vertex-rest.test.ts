// The Vertex AI REST transport against a real HTTP server on 127.0.0.1: URLs (custom verbs, query, escaped segments), the bearer header, google.rpc errors and bare HTTP failures → ShopMlopsError (retryable for 429/5xx), operations polled to the end.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { vertexError } from '../../functions/src/adapters/gcp/vertex-common';
import { VertexApiError, createVertexRest, operationSchema } from '../../functions/src/adapters/gcp/vertex-rest';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
}
let server: Server;
let origin: string;
const seen: Seen[] = [];
/** What the server answers next, in order; the last one repeats. */
let script: Array<{ status: number; body: string; type?: string }> = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      const next = script.length > 1 ? script.shift()! : script[0]!;
      res.writeHead(next.status, { 'content-type': next.type ?? 'application/json' });
      res.end(next.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  seen.length = 0;
  script = [];
});

const auth = { getRequestHeaders: async () => ({ authorization: 'Bearer t0ken' }) };
const rest = () => createVertexRest({ location: 'us-central1', apiEndpoint: origin, auth, poll: { initialMs: 1, maxMs: 5 } });
const failure = async (p: Promise<unknown>) => vertexError(await p.then(() => new Error('no failure'), (e: unknown) => e), 'call');

test('without apiEndpoint the requests go to the regional host over https', () => {
  expect(createVertexRest({ location: 'europe-west4', auth: null }).origin).toBe('https://europe-west4-aiplatform.googleapis.com');
  expect(createVertexRest({ location: 'x', apiEndpoint: 'vertex.example', auth: null }).origin).toBe('https://vertex.example');
});

test('a request: v1/ + the resource with each segment escaped (version @ kept), the custom verb, the query, a JSON body and the bearer header', async () => {
  script = [{ status: 200, body: '{"name":"n"}' }];
  const r = await rest().request('POST', 'projects/p/locations/l/models/m a@2', { verb: 'mergeVersionAliases', query: { pageToken: 'a/b', skip: undefined }, body: { versionAliases: ['x'] } });
  expect(r).toEqual({ name: 'n' });
  expect(seen).toEqual([{ method: 'POST', url: '/v1/projects/p/locations/l/models/m%20a@2:mergeVersionAliases?pageToken=a%2Fb', auth: 'Bearer t0ken', body: '{"versionAliases":["x"]}' }]);
});

test('google.rpc errors keep their code; 429 and 5xx are retryable, a refused request is not', async () => {
  const err = (status: number, name: string) => ({ status, body: JSON.stringify({ error: { code: status, message: `${name} here`, status: name } }) });
  script = [err(404, 'NOT_FOUND')];
  const nf = await rest().request('GET', 'projects/p/x').catch((e: unknown) => e);
  expect(nf).toBeInstanceOf(VertexApiError);
  expect(nf).toMatchObject({ code: 5, httpStatus: 404, status: 'NOT_FOUND', details: 'NOT_FOUND here' });
  expect(vertexError(nf, 'getModel m')).toMatchObject({ code: 'NOT_FOUND', message: 'getModel m: NOT_FOUND: NOT_FOUND here' });
  script = [err(409, 'ABORTED')];
  expect(await rest().request('PATCH', 'projects/p/x', { body: {} }).catch((e: unknown) => e)).toMatchObject({ code: 10 });
  script = [err(400, 'INVALID_ARGUMENT')];
  expect(await failure(rest().request('GET', 'projects/p/x'))).toMatchObject({ code: 'BAD_REQUEST', retryable: false });
  script = [err(429, 'RESOURCE_EXHAUSTED')];
  expect(await failure(rest().request('GET', 'projects/p/x'))).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  script = [err(503, 'UNAVAILABLE')];
  expect(await failure(rest().request('GET', 'projects/p/x'))).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  script = [err(500, 'INTERNAL')];
  expect(await failure(rest().request('GET', 'projects/p/x'))).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  // A proxy's bare page: the HTTP status decides.
  script = [{ status: 502, body: '<html>Bad Gateway</html>', type: 'text/html' }];
  expect(await rest().request('GET', 'projects/p/x').catch((e: unknown) => e)).toMatchObject({ code: 14, httpStatus: 502 });
  script = [{ status: 403, body: 'denied', type: 'text/plain' }];
  expect(await failure(rest().request('GET', 'projects/p/x'))).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
});

test('no answer at all is a retryable outage', async () => {
  const dead = createVertexRest({ location: 'l', apiEndpoint: 'http://127.0.0.1:1', auth: null });
  expect(await failure(dead.request('GET', 'projects/p/x'))).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
});

test('an answer of another shape is an UNAVAILABLE ShopMlopsError naming the field', async () => {
  script = [{ status: 200, body: '{"done":true}' }];
  const e = await rest().request('GET', 'projects/p/x', { schema: operationSchema }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(ShopMlopsError);
  expect((e as ShopMlopsError).message).toMatch(/unexpected answer from Vertex AI: name:/);
});

test('an operation is polled with GET v1/{operation name} until done; its response comes back without @type', async () => {
  const op = 'projects/p/locations/l/endpoints/e/operations/7';
  script = [
    { status: 200, body: JSON.stringify({ name: op }) },
    { status: 200, body: JSON.stringify({ name: op, done: false }) },
    { status: 200, body: JSON.stringify({ name: op, done: true, response: { '@type': 'type.googleapis.com/google.cloud.aiplatform.v1.DeployModelResponse', deployedModel: { id: '42' } } }) },
  ];
  const r = rest();
  const started = await r.request('POST', 'projects/p/locations/l/endpoints/e', { verb: 'deployModel', body: {}, schema: operationSchema });
  expect(await r.wait(started)).toEqual({ deployedModel: { id: '42' } });
  expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /v1/projects/p/locations/l/endpoints/e:deployModel', `GET /v1/${op}`, `GET /v1/${op}`]);
});

test('a failed operation is its google.rpc error', async () => {
  const op = 'projects/p/locations/l/models/m/operations/8';
  script = [{ status: 200, body: JSON.stringify({ name: op, done: true, error: { code: 3, message: 'artifact_uri has no model' } }) }];
  const e = await failure(rest().wait({ name: op }));
  expect(e).toMatchObject({ code: 'BAD_REQUEST', retryable: false });
  expect(e.message).toBe(`call: INVALID_ARGUMENT: operation ${op} failed: artifact_uri has no model`);
});

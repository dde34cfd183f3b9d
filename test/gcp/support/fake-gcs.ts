// In-process Cloud Storage JSON API, just enough for the artifact store: multipart/media upload (with ifGenerationMatch=0: create only), alt=media download, list, delete, 404s; a versioned bucket (overwritten and deleted objects stay as noncurrent generations, listed with versions=true, deleted by generation).
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

interface StoredObject {
  name: string;
  data: Buffer;
  contentType: string;
  updated: string;
  generation: number;
  /** When it became noncurrent (overwritten or deleted), for noncurrent generations. */
  timeDeleted?: string;
}

export interface FakeGcs {
  endpoint: string;
  /** Live objects per bucket. */
  buckets: Map<string, Map<string, StoredObject>>;
  /** Noncurrent generations per bucket (object versioning is on, as infra/storage.tf declares the bucket). */
  noncurrent: Map<string, StoredObject[]>;
  /** Every stored generation's bytes, live and noncurrent (what a reader with storage.objects.get on old generations sees). */
  allBytes(bucket: string): Buffer[];
  requests: Array<{ method: string; path: string; query: Record<string, string> }>;
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Splits a multipart/related body into its parts (headers + bytes). */
function parseMultipart(body: Buffer, boundary: string): Array<{ headers: Record<string, string>; data: Buffer }> {
  const parts: Array<{ headers: Record<string, string>; data: Buffer }> = [];
  const delim = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delim, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // skip CRLF after delimiter and before the next one
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers: Record<string, string> = {};
    for (const line of part.subarray(0, headerEnd).toString('utf8').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    parts.push({ headers, data: Buffer.from(part.subarray(headerEnd + 4)) });
    pos = next;
  }
  return parts;
}

function crc32c(data: Buffer): string {
  const c = new CRC32C();
  c.update(data);
  return c.toString();
}

export async function startFakeGcs(): Promise<FakeGcs> {
  const buckets = new Map<string, Map<string, StoredObject>>();
  const noncurrent = new Map<string, StoredObject[]>();
  const retire = (bucket: string, o: StoredObject) => {
    if (!noncurrent.has(bucket)) noncurrent.set(bucket, []);
    noncurrent.get(bucket)!.push({ ...o, timeDeleted: new Date().toISOString() });
  };
  const requests: FakeGcs['requests'] = [];
  let generation = 0;
  const resource = (bucket: string, o: StoredObject) => ({
    kind: 'storage#object',
    id: `${bucket}/${o.name}/${o.generation}`,
    name: o.name,
    bucket,
    generation: String(o.generation),
    contentType: o.contentType,
    size: String(o.data.length),
    md5Hash: createHash('md5').update(o.data).digest('base64'),
    crc32c: crc32c(o.data),
    updated: o.updated,
    timeCreated: o.updated,
    ...(o.timeDeleted ? { timeDeleted: o.timeDeleted } : {}),
  });
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 500, message: String(err) } }));
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x');
    // A client configured by STORAGE_EMULATOR_HOST (as the deployed functions are) reads objects without the /storage/v1 prefix.
    if (url.pathname.startsWith('/b/')) url.pathname = `/storage/v1${url.pathname}`;
    const query = Object.fromEntries(url.searchParams);
    requests.push({ method: req.method ?? '', path: url.pathname, query });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const notFound = (what: string) => json(404, { error: { code: 404, message: `No such object: ${what}`, errors: [{ reason: 'notFound', message: `No such object: ${what}` }] } });
    let m: RegExpMatchArray | null;
    if (req.method === 'POST' && (m = url.pathname.match(/^\/upload\/storage\/v1\/b\/([^/]+)\/o$/))) {
      const bucket = decodeURIComponent(m[1]!);
      const body = await readBody(req);
      let name = query['name'];
      let data = body;
      let contentType = req.headers['content-type'] ?? 'application/octet-stream';
      if (query['uploadType'] === 'multipart') {
        const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
        if (!boundary) return json(400, { error: { code: 400, message: 'multipart upload without a boundary' } });
        const [meta, media] = parseMultipart(body, boundary);
        if (!meta || !media) return json(400, { error: { code: 400, message: 'multipart upload needs metadata and media parts' } });
        const md = JSON.parse(meta.data.toString('utf8')) as { name?: string; contentType?: string };
        name = md.name ?? name;
        data = media.data;
        contentType = md.contentType ?? media.headers['content-type'] ?? 'application/octet-stream';
      } else if (query['uploadType'] !== 'media') {
        return json(400, { error: { code: 400, message: `unsupported uploadType ${query['uploadType']}` } });
      }
      if (!name) return json(400, { error: { code: 400, message: 'object name required' } });
      if (!buckets.has(bucket)) buckets.set(bucket, new Map());
      // Precondition ifGenerationMatch=0: the object must not exist yet (GCS answers 412 conditionNotMet).
      if (query['ifGenerationMatch'] === '0' && buckets.get(bucket)!.has(name)) return json(412, { error: { code: 412, message: 'At least one of the pre-conditions you specified did not hold.', errors: [{ reason: 'conditionNotMet' }] } });
      const previous = buckets.get(bucket)!.get(name);
      if (previous) retire(bucket, previous);
      const obj: StoredObject = { name, data, contentType, updated: new Date().toISOString(), generation: ++generation };
      buckets.get(bucket)!.set(name, obj);
      return json(200, resource(bucket, obj));
    }
    if ((m = url.pathname.match(/^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/))) {
      const bucket = decodeURIComponent(m[1]!);
      const name = decodeURIComponent(m[2]!);
      const obj = buckets.get(bucket)?.get(name);
      if (req.method === 'DELETE') {
        const gen = query['generation'];
        if (gen !== undefined && !(obj && String(obj.generation) === gen)) {
          // A noncurrent generation, deleted for good.
          const list = noncurrent.get(bucket) ?? [];
          const i = list.findIndex((o) => o.name === name && String(o.generation) === gen);
          if (i < 0) return notFound(`${bucket}/${name}#${gen}`);
          list.splice(i, 1);
          res.writeHead(204);
          res.end();
          return;
        }
        if (!obj) return notFound(`${bucket}/${name}`);
        buckets.get(bucket)!.delete(name);
        // Versioning: deleting the live object without a generation keeps it as a noncurrent one.
        if (gen === undefined) retire(bucket, obj);
        res.writeHead(204);
        res.end();
        return;
      }
      if (req.method === 'GET') {
        if (!obj) return notFound(`${bucket}/${name}`);
        if (query['alt'] !== 'media') return json(200, resource(bucket, obj));
        const r = resource(bucket, obj);
        res.writeHead(200, { 'content-type': obj.contentType, 'content-length': String(obj.data.length), 'x-goog-hash': `crc32c=${r.crc32c},md5=${r.md5Hash}`, 'x-goog-generation': r.generation, 'x-goog-stored-content-encoding': 'identity' });
        res.end(obj.data);
        return;
      }
    }
    // List: the client puts the JSON API prefix in its base URL except when STORAGE_EMULATOR_HOST gives the host alone.
    if (req.method === 'GET' && (m = url.pathname.match(/^(?:\/storage\/v1)?\/b\/([^/]+)\/o$/))) {
      const bucket = decodeURIComponent(m[1]!);
      const prefix = query['prefix'] ?? '';
      const live = [...(buckets.get(bucket)?.values() ?? [])];
      const all = [...live, ...(query['versions'] === 'true' ? (noncurrent.get(bucket) ?? []) : [])].filter((o) => o.name.startsWith(prefix)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.generation - b.generation));
      // Two objects per page, so clients must follow nextPageToken.
      const start = Number(query['pageToken'] ?? 0);
      const page = all.slice(start, start + 2);
      return json(200, { kind: 'storage#objects', items: page.map((o) => resource(bucket, o)), ...(start + 2 < all.length ? { nextPageToken: String(start + 2) } : {}) });
    }
    json(404, { error: { code: 404, message: `fake GCS has no route ${req.method} ${url.pathname}` } });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    buckets,
    noncurrent,
    allBytes: (bucket) => [...(buckets.get(bucket)?.values() ?? []), ...(noncurrent.get(bucket) ?? [])].map((o) => o.data),
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

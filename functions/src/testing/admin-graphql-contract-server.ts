// A local HTTP server speaking the Admin GraphQL contract of the operations shop-mlops uses (metafield definitions and writes, staged uploads, bulk mutations, Flow triggers, token exchange), with cost-based throttling and injectable faults.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forgeWebhook } from './forge';
import { argValue, rootFields, type RootField } from './admin-graphql-parse';

export interface StoredMetafield {
  namespace: string;
  type: string;
  value: string;
}
export interface WriteRecord {
  shop: string;
  ownerId: string;
  key: string;
  value: string;
  via: 'set' | 'bulk';
  /** The same value and type were already stored: a duplicate write. */
  redundant: boolean;
}
export interface BulkOp {
  id: string;
  shop: string;
  status: 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED';
  errorCode: string | null;
  clientIdentifier: string | null;
  lines: number;
  results: string[];
  stagedUploadPath: string;
  completedAt: string | null;
}
export interface Fault {
  /** Root field name (`metafieldsSet`, `bulkOperationRunMutation`, …), or `upload` for the staged upload target. */
  field: string;
  /** The nth call of that field (1-based) counted from when the fault was added. */
  nth: number;
  /** before: drop the connection without executing; after: execute, then drop it (the answer is lost: a call in doubt). */
  when: 'before' | 'after';
}

export interface ContractServerOptions {
  apiKey: string;
  apiSecret: string;
  /** Tokens valid from the start: token → shop. */
  tokens?: Record<string, string>;
  /** Cost bucket per shop (a plan's limit): points and points restored per second. */
  bucket?: { max: number; restoreRate: number };
  /** Where bulk_operations/finish webhooks are POSTed (signed with `apiSecret`), if anywhere. */
  webhookUrl?: string;
  /** Owners that exist (gid → true); unset: every well-formed gid exists. */
  ownerExists?: (gid: string) => boolean;
  flowHandles?: string[];
  scopes?: string;
  /** Pause per executed bulk line (ms), so a test can act while an operation runs. */
  bulkLineDelayMs?: number;
}

export interface ContractServer {
  url: string;
  /** Where bulk_operations/finish webhooks go (settable once the receiver is up). */
  webhookUrl: string | undefined;
  writes: WriteRecord[];
  ops: BulkOp[];
  flowTriggers: Array<{ shop: string; handle: string; payload: unknown }>;
  definitions: Array<Record<string, unknown> & { shop: string }>;
  uploads: Map<string, string>;
  /** Root fields answered, in order (THROTTLED ones as `<field>:THROTTLED`). */
  calls: string[];
  faults: Fault[];
  /** Forced THROTTLED answers for the next n GraphQL requests (whatever the bucket holds). */
  throttleNext: number;
  /** The next bulk operation fails after executing this many lines (one-shot). */
  failNextBulkAfterLines: number | null;
  metafieldsOf(shop: string, ownerId: string): Record<string, StoredMetafield>;
  /** Resolves when every bulk operation has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const COST: Record<string, number> = { metafieldsSet: 10, metafieldDefinitionCreate: 10, stagedUploadsCreate: 10, bulkOperationRunMutation: 10, flowTriggerReceive: 10, nodes: 5, node: 1, currentBulkOperation: 1 };
const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
const GID = /^gid:\/\/shopify\/(Product|ProductVariant|Customer)\/\d+$/;
const TYPES = new Set(['list.product_reference', 'single_line_text_field', 'number_decimal', 'date', 'json', 'boolean', 'number_integer']);
const OWNER_TYPE: Record<string, string> = { Product: 'PRODUCT', ProductVariant: 'PRODUCTVARIANT', Customer: 'CUSTOMER' };

function validValue(type: string, value: string): boolean {
  switch (type) {
    case 'number_decimal':
      return /^-?\d{1,13}(\.\d{1,9})?$/.test(value);
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));
    case 'single_line_text_field':
      return !/[\r\n]/.test(value) && value.length <= 255;
    case 'json':
      try {
        JSON.parse(value);
        return true;
      } catch {
        return false;
      }
    case 'list.product_reference':
      try {
        const v = JSON.parse(value) as unknown;
        return Array.isArray(v) && v.length <= 128 && v.every((x) => typeof x === 'string' && /^gid:\/\/shopify\/Product\/\d+$/.test(x));
      } catch {
        return false;
      }
    default:
      return true;
  }
}

const b64url = (b: Buffer) => b.toString('base64url');

/** HS256 session token check as Shopify's token exchange does: signature with the app secret, aud = API key, dest = the shop, not expired. */
function sessionTokenShop(token: string, secret: string, apiKey: string): string | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const sig = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2]!, 'base64url');
  if (given.length !== sig.length || !timingSafeEqual(given, sig)) return null;
  const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { aud?: unknown; dest?: unknown; exp?: unknown };
  if (claims.aud !== apiKey || typeof claims.dest !== 'string' || typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now() - 10_000) return null;
  return new URL(claims.dest).hostname;
}

export async function startAdminContractServer(o: ContractServerOptions): Promise<ContractServer> {
  const tokens = new Map<string, string>(Object.entries(o.tokens ?? {}));
  const store = new Map<string, Map<string, Map<string, StoredMetafield>>>(); // shop → owner → key
  const buckets = new Map<string, { available: number; at: number }>();
  const bucket = o.bucket ?? { max: 1000, restoreRate: 50 };
  const counters = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let url = '';
  let opSeq = 0;

  const state: ContractServer = {
    url: '',
    webhookUrl: o.webhookUrl,
    writes: [],
    ops: [],
    flowTriggers: [],
    definitions: [],
    uploads: new Map(),
    calls: [],
    faults: [],
    throttleNext: 0,
    failNextBulkAfterLines: null,
    metafieldsOf: (shop, ownerId) => Object.fromEntries(store.get(shop)?.get(ownerId) ?? new Map()),
    idle: async () => {
      while (running.size) await Promise.all([...running]);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  /** The fault that applies to this call of `field`, if any (counted per field). */
  const faultFor = (field: string): Fault | null => {
    const n = (counters.get(field) ?? 0) + 1;
    counters.set(field, n);
    const i = state.faults.findIndex((f) => f.field === field && f.nth === n);
    if (i < 0) return null;
    const [f] = state.faults.splice(i, 1);
    return f!;
  };

  const metafieldsOfShop = (shop: string) => {
    let s = store.get(shop);
    if (!s) store.set(shop, (s = new Map()));
    return s;
  };

  /** metafieldsSet semantics: ≤ 25 inputs, every input valid or none written (atomic). */
  const setMetafields = (shop: string, inputs: unknown, via: 'set' | 'bulk') => {
    const list = Array.isArray(inputs) ? (inputs as Array<Record<string, unknown>>) : [];
    const userErrors: Array<{ field: string[]; message: string; code: string; elementIndex: number | null }> = [];
    if (list.length > 25) userErrors.push({ field: ['metafields'], message: 'Exceeded the maximum metafields input limit of 25.', code: 'LESS_THAN_OR_EQUAL_TO', elementIndex: null });
    list.forEach((m, i) => {
      const err = (field: string, message: string, code: string) => userErrors.push({ field: ['metafields', String(i), field], message, code, elementIndex: i });
      const ownerId = String(m['ownerId'] ?? '');
      const type = String(m['type'] ?? '');
      const value = m['value'];
      if (!GID.test(ownerId) || (o.ownerExists && !o.ownerExists(ownerId))) return err('ownerId', 'Owner does not exist.', 'INVALID');
      if (typeof m['namespace'] !== 'string' || typeof m['key'] !== 'string' || !/^[A-Za-z0-9_-]{2,64}$/.test(m['key'])) return err('key', 'Key is invalid.', 'INVALID');
      const ownerType = OWNER_TYPE[ownerId.split('/')[3]!]!;
      const def = state.definitions.find((d) => d.shop === shop && d['ownerType'] === ownerType && d['namespace'] === m['namespace'] && d['key'] === m['key']);
      if (def && def['type'] !== type) return err('type', `Type must be ${String(def['type'])}.`, 'INVALID_TYPE');
      if (!TYPES.has(type)) return err('type', 'Type is invalid.', 'INVALID_TYPE');
      if (typeof value !== 'string' || !validValue(type, value)) return err('value', `Value is invalid for ${type}.`, 'INVALID_VALUE');
    });
    if (userErrors.length) return { metafields: null, userErrors };
    const owners = metafieldsOfShop(shop);
    const written = list.map((m) => {
      const ownerId = String(m['ownerId']);
      const key = String(m['key']);
      let own = owners.get(ownerId);
      if (!own) owners.set(ownerId, (own = new Map()));
      const prev = own.get(key);
      const next = { namespace: String(m['namespace']), type: String(m['type']), value: String(m['value']) };
      state.writes.push({ shop, ownerId, key, value: next.value, via, redundant: !!prev && prev.value === next.value && prev.type === next.type });
      own.set(key, next);
      return { key, namespace: next.namespace, value: next.value, type: next.type, ownerType: OWNER_TYPE[ownerId.split('/')[3]!] };
    });
    return { metafields: written, userErrors: [] };
  };

  const opView = (op: BulkOp) => ({
    __typename: 'BulkOperation',
    id: op.id,
    status: op.status,
    errorCode: op.errorCode,
    type: 'MUTATION',
    objectCount: String(op.results.length),
    url: op.status === 'COMPLETED' && op.results.length ? `${url}/bulk-results/${encodeURIComponent(op.id)}.jsonl` : null,
    partialDataUrl: op.status === 'FAILED' && op.results.length ? `${url}/bulk-results/${encodeURIComponent(op.id)}.jsonl` : null,
    completedAt: op.completedAt,
  });

  const runOp = async (op: BulkOp, variablesFile: string, failAfter: number | null) => {
    op.status = 'RUNNING';
    const lines = variablesFile.split('\n').filter((l) => l.trim() !== '');
    op.lines = lines.length;
    for (const [n, line] of lines.entries()) {
      if (failAfter !== null && n >= failAfter) {
        op.status = 'FAILED';
        op.errorCode = 'INTERNAL_SERVER_ERROR';
        break;
      }
      await new Promise((r) => setTimeout(r, o.bulkLineDelayMs ?? 0));
      let result: unknown;
      try {
        const vars = JSON.parse(line) as { metafields?: unknown };
        result = { data: { metafieldsSet: setMetafields(op.shop, vars.metafields, 'bulk') }, __lineNumber: n };
      } catch {
        result = { errors: [{ message: 'Invalid JSONL line' }], __lineNumber: n };
      }
      op.results.push(JSON.stringify(result));
    }
    if (op.status === 'RUNNING') op.status = 'COMPLETED';
    op.completedAt = new Date().toISOString();
    if (state.webhookUrl) {
      const body = JSON.stringify({ admin_graphql_api_id: op.id, completed_at: op.completedAt, created_at: op.completedAt, error_code: op.errorCode?.toLowerCase() ?? null, status: op.status.toLowerCase(), type: 'mutation' });
      const d = forgeWebhook({ secret: o.apiSecret, topic: 'bulk_operations/finish', shop: op.shop, body });
      await fetch(state.webhookUrl, { method: 'POST', headers: d.headers, body: new Uint8Array(d.body) }).catch(() => undefined);
    }
  };

  /** One root field's answer, or user errors in its payload. */
  const execute = (shop: string, f: RootField, vars: Record<string, unknown>): unknown => {
    const arg = (n: string) => argValue(f, n, vars);
    switch (f.name) {
      case 'metafieldsSet':
        return setMetafields(shop, arg('metafields'), 'set');
      case 'metafieldDefinitionCreate': {
        const d = (arg('definition') ?? {}) as Record<string, unknown>;
        const missing = ['name', 'namespace', 'key', 'type', 'ownerType'].filter((k) => typeof d[k] !== 'string');
        if (missing.length) return { createdDefinition: null, userErrors: [{ field: ['definition', missing[0]!], message: `${missing[0]} can't be blank`, code: 'BLANK' }] };
        if (!TYPES.has(String(d['type']))) return { createdDefinition: null, userErrors: [{ field: ['definition', 'type'], message: 'Type is invalid', code: 'INCLUSION' }] };
        if (state.definitions.some((x) => x.shop === shop && x['ownerType'] === d['ownerType'] && x['namespace'] === d['namespace'] && x['key'] === d['key'])) {
          return { createdDefinition: null, userErrors: [{ field: ['definition', 'key'], message: 'Key is in use for this namespace and owner type.', code: 'TAKEN' }] };
        }
        const id = `gid://shopify/MetafieldDefinition/${state.definitions.length + 1}`;
        state.definitions.push({ ...d, id, shop });
        return { createdDefinition: { id, name: d['name'] }, userErrors: [] };
      }
      case 'stagedUploadsCreate': {
        const inputs = (arg('input') ?? []) as Array<Record<string, unknown>>;
        const bad = inputs.findIndex((i) => i['resource'] !== 'BULK_MUTATION_VARIABLES' || i['httpMethod'] !== 'POST' || typeof i['filename'] !== 'string');
        if (bad >= 0) return { stagedTargets: [], userErrors: [{ field: ['input', String(bad)], message: 'Only BULK_MUTATION_VARIABLES POST uploads are supported here' }] };
        return {
          stagedTargets: inputs.map((i) => {
            const key = `tmp/${shop}/bulk/${randomUUID()}/${String(i['filename'])}`;
            return { url: `${url}/staged-uploads`, resourceUrl: null, parameters: [{ name: 'Content-Type', value: String(i['mimeType'] ?? 'text/jsonl') }, { name: 'success_action_status', value: '201' }, { name: 'acl', value: 'private' }, { name: 'key', value: key }, { name: 'policy', value: b64url(randomBytes(24)) }] };
          }),
          userErrors: [],
        };
      }
      case 'bulkOperationRunMutation': {
        const mutation = String(arg('mutation') ?? '');
        const path = String(arg('stagedUploadPath') ?? '');
        const inner = rootFields(mutation);
        if (inner.length !== 1 || inner[0]!.name !== 'metafieldsSet') return { bulkOperation: null, userErrors: [{ field: ['mutation'], message: 'Only metafieldsSet bulk mutations are supported here', code: 'INVALID_MUTATION' }] };
        const file = state.uploads.get(path);
        if (file === undefined) return { bulkOperation: null, userErrors: [{ field: ['stagedUploadPath'], message: 'The JSONL file could not be found.', code: 'NO_SUCH_FILE' }] };
        if (state.ops.some((x) => x.shop === shop && (x.status === 'CREATED' || x.status === 'RUNNING'))) {
          return { bulkOperation: null, userErrors: [{ field: null, message: 'A bulk mutation operation for this app and shop is already in progress.', code: 'OPERATION_IN_PROGRESS' }] };
        }
        const op: BulkOp = { id: `gid://shopify/BulkOperation/${++opSeq}`, shop, status: 'CREATED', errorCode: null, clientIdentifier: (arg('clientIdentifier') as string | undefined) ?? null, lines: 0, results: [], stagedUploadPath: path, completedAt: null };
        state.ops.push(op);
        const failAfter = state.failNextBulkAfterLines;
        state.failNextBulkAfterLines = null;
        const p: Promise<void> = runOp(op, file, failAfter).finally(() => running.delete(p));
        running.add(p);
        return { bulkOperation: { id: op.id, status: op.status }, userErrors: [] };
      }
      case 'currentBulkOperation': {
        const ops = state.ops.filter((x) => x.shop === shop);
        return ops.length ? opView(ops[ops.length - 1]!) : null;
      }
      case 'node': {
        const op = state.ops.find((x) => x.id === arg('id') && x.shop === shop);
        return op ? opView(op) : null;
      }
      case 'nodes': {
        const ids = (arg('ids') ?? []) as string[];
        const ns = vars['namespace'];
        return ids.map((id) => {
          if (!GID.test(id)) return null;
          const own = metafieldsOfShop(shop).get(id) ?? new Map<string, StoredMetafield>();
          return { id, metafields: { nodes: [...own.entries()].filter(([, m]) => ns === undefined || m.namespace === ns).map(([key, m]) => ({ key, type: m.type, value: m.value })) } };
        });
      }
      case 'flowTriggerReceive': {
        const handle = arg('handle');
        const payload = arg('payload');
        if (typeof handle !== 'string' || !(o.flowHandles ?? ['model-rolled-back', 'model-promoted']).includes(handle)) return { userErrors: [{ field: ['handle'], message: 'Invalid handle' }] };
        if (Buffer.byteLength(JSON.stringify(payload ?? null)) > 50_000) return { userErrors: [{ field: ['payload'], message: 'Payload is too large (50 KB)' }] };
        state.flowTriggers.push({ shop, handle, payload });
        return { userErrors: [] };
      }
      default:
        throw new Error(`Field '${f.name}' doesn't exist on type 'QueryRoot' or 'Mutation' in this contract server`);
    }
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const readBody = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => resolve(Buffer.concat(parts)));
      req.on('error', reject);
    });

  const graphql = async (req: IncomingMessage, res: ServerResponse, shop: string) => {
    const token = req.headers['x-shopify-access-token'];
    if (typeof token !== 'string' || tokens.get(token) !== shop) return send(res, 401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    const { query, variables } = JSON.parse((await readBody(req)).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
    const fields = rootFields(query);
    const cost = fields.reduce((s, f) => s + (COST[f.name] ?? 1), 0);
    const b = buckets.get(shop) ?? { available: bucket.max, at: Date.now() };
    b.available = Math.min(bucket.max, b.available + ((Date.now() - b.at) / 1000) * bucket.restoreRate);
    b.at = Date.now();
    buckets.set(shop, b);
    const throttle = (available: number) => ({ maximumAvailable: bucket.max, currentlyAvailable: Math.floor(available), restoreRate: bucket.restoreRate });
    if (state.throttleNext > 0 || b.available < cost) {
      if (state.throttleNext > 0) {
        state.throttleNext--;
        b.available = Math.min(b.available, Math.max(0, cost - bucket.restoreRate / 10)); // as if just drained: refills within ~100 ms
      }
      state.calls.push(...fields.map((f) => `${f.name}:THROTTLED`));
      return send(res, 200, { errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }], extensions: { cost: { requestedQueryCost: cost, actualQueryCost: null, throttleStatus: throttle(b.available) } } });
    }
    const faults = fields.map((f) => faultFor(f.name)).filter((f): f is Fault => f !== null);
    if (faults.some((f) => f.when === 'before')) return req.socket.destroy();
    b.available -= cost;
    const data: Record<string, unknown> = {};
    try {
      for (const f of fields) data[f.alias] = execute(shop, f, variables ?? {});
    } catch (e) {
      return send(res, 200, { errors: [{ message: (e as Error).message, extensions: { code: 'undefinedField' } }] });
    }
    fields.forEach((f) => state.calls.push(f.name));
    if (faults.some((f) => f.when === 'after')) return req.socket.destroy();
    send(res, 200, { data, extensions: { cost: { requestedQueryCost: cost, actualQueryCost: cost, throttleStatus: throttle(b.available) } } });
  };

  const tokenExchange = async (req: IncomingMessage, res: ServerResponse, shop: string) => {
    const body = JSON.parse((await readBody(req)).toString('utf8')) as Record<string, string>;
    if (body['client_id'] !== o.apiKey || body['client_secret'] !== o.apiSecret) return send(res, 401, { error: 'invalid_client' });
    if (body['grant_type'] !== 'urn:ietf:params:oauth:grant-type:token-exchange' || body['subject_token_type'] !== 'urn:ietf:params:oauth:token-type:id_token') return send(res, 400, { error: 'unsupported_grant_type' });
    if (body['requested_token_type'] !== 'urn:shopify:params:oauth:token-type:offline-access-token' && body['requested_token_type'] !== 'urn:shopify:params:oauth:token-type:online-access-token') return send(res, 400, { error: 'invalid_request' });
    const tokenShop = sessionTokenShop(String(body['subject_token'] ?? ''), o.apiSecret, o.apiKey);
    if (tokenShop !== shop) return send(res, 400, { error: 'invalid_subject_token', error_description: 'the session token is not valid for this shop' });
    const access = `shpat_${randomBytes(16).toString('hex')}`;
    tokens.set(access, shop);
    send(res, 200, { access_token: access, scope: o.scopes ?? 'read_orders,read_products,read_customers,read_inventory,write_products,write_customers' });
  };

  const upload = async (req: IncomingMessage, res: ServerResponse) => {
    const fault = faultFor('upload');
    if (fault?.when === 'before') return req.socket.destroy();
    const raw = await readBody(req);
    if (raw.length > MAX_UPLOAD_BYTES + 64 * 1024) return send(res, 400, '<Error><Code>EntityTooLarge</Code></Error>', { 'Content-Type': 'application/xml' });
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': String(req.headers['content-type'] ?? '') } }).formData();
    const key = form.get('key');
    const file = form.get('file');
    if (typeof key !== 'string' || !(file instanceof Blob)) return send(res, 400, '<Error><Code>InvalidArgument</Code></Error>', { 'Content-Type': 'application/xml' });
    if (file.size >= MAX_UPLOAD_BYTES) return send(res, 400, '<Error><Code>EntityTooLarge</Code></Error>', { 'Content-Type': 'application/xml' });
    state.uploads.set(key, await file.text());
    if (fault?.when === 'after') return req.socket.destroy();
    send(res, 201, `<PostResponse><Key>${key}</Key></PostResponse>`, { 'Content-Type': 'application/xml' });
  };

  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const m = /^\/shops\/([a-z0-9][a-z0-9-]*\.myshopify\.com)\/admin\/(api\/[0-9]{4}-[0-9]{2}\/graphql\.json|oauth\/access_token)$/.exec(u.pathname);
    const handle = async () => {
      if (req.method === 'POST' && m?.[2]?.startsWith('api/')) return graphql(req, res, m[1]!);
      if (req.method === 'POST' && m?.[2] === 'oauth/access_token') return tokenExchange(req, res, m[1]!);
      if (req.method === 'POST' && u.pathname === '/staged-uploads') return upload(req, res);
      const r = /^\/bulk-results\/(.+)\.jsonl$/.exec(u.pathname);
      if (req.method === 'GET' && r) {
        const op = state.ops.find((x) => x.id === decodeURIComponent(r[1]!));
        if (!op) return send(res, 404, { error: 'not found' });
        res.writeHead(200, { 'Content-Type': 'application/jsonl' });
        return res.end(op.results.map((l) => l + '\n').join(''));
      }
      send(res, 404, { errors: 'Not Found' });
    };
    handle().catch((e: Error) => {
      if (!res.headersSent) send(res, 500, { errors: e.message });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.url = url;
  return state;
}

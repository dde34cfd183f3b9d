// The theme app extension's "Recommended products" block rendered with liquidjs from a real product payload and app-owned metafields, and `shopify theme check` on the extension (0 on ours, 1 on a broken copy).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseExact } from '../../functions/src/core/json';
import { FIXTURES } from '../helpers/shared';
import { NODE_BIN_DIR, ROOT } from '../helpers/process';
import { EXT, defaults, renderBlock, schema } from './support/theme-block';

/** products/update's real sample body as a storefront `product` (Liquid prices are in cents), ids exact. */
function productFrom(id: string, title: string, priceCents: number, available = true) {
  const base = parseExact(fs.readFileSync(path.join(FIXTURES, 'products_update.json'), 'utf8')) as Record<string, unknown>;
  return { ...base, id, title, handle: title.toLowerCase().replace(/\s+/g, '-'), url: `/products/${title.toLowerCase().replace(/\s+/g, '-')}`, price: priceCents, available, featured_image: { src: `https://cdn.example/${id}.jpg` } };
}

const mainProduct = () => {
  const base = parseExact(fs.readFileSync(path.join(FIXTURES, 'products_update.json'), 'utf8')) as Record<string, unknown>;
  return base;
};

async function render(metafields: Record<string, unknown>, settings: Record<string, unknown> = {}) {
  return renderBlock({ ...mainProduct(), metafields }, settings);
}

const recs = [productFrom('9000000000000000011', 'Blue Mug', 1250), productFrom('9000000000000000012', 'Red Scarf', 3999), productFrom('9000000000000000013', 'Sold Out Hat', 2000, false), productFrom('9000000000000000014', 'Green Socks', 800), productFrom('9000000000000000015', 'Tote Bag', 1500), productFrom('9000000000000000016', 'Candle', 2200)];
const appOwned = (list: unknown[] | null, version = 'recommend@7') => ({ '$app:shop_mlops': { recommended_products: list === null ? null : { value: list }, recommendations_version: { value: version } } });

test('renders the recommended products from $app:shop_mlops.recommended_products, server-side, in metafield order', async () => {
  const html = await render(appOwned(recs));
  const main = mainProduct();
  expect(html).toContain(`data-product-id="${String(main['id'])}"`); // 788032119674292922, exact
  expect(String(main['id'])).toBe('788032119674292922');
  expect(html).toContain('data-version="recommend@7"');
  const items = [...html.matchAll(/<li class="shop-mlops-recs__item" data-product-id="(\d+)"( hidden)?>/g)].map((m) => ({ id: m[1], hidden: Boolean(m[2]) }));
  // Unavailable products are skipped; the first `limit` (default 4) are shown, the rest rendered hidden for live re-ranking.
  expect(items.map((i) => i.id)).toEqual(['9000000000000000011', '9000000000000000012', '9000000000000000014', '9000000000000000015', '9000000000000000016']);
  expect(defaults['limit']).toBe(4);
  expect(items.map((i) => i.hidden)).toEqual([false, false, false, false, true]);
  expect(html).toContain('<span class="shop-mlops-recs__title">Blue Mug</span>');
  expect(html).toContain('<span class="shop-mlops-recs__price">$39.99</span>');
  expect(html).toContain('<a href="/products/red-scarf">');
  expect(html).toContain('<img src="https://cdn.example/9000000000000000011.jpg?width=300">');
  expect(html).not.toContain('Sold Out Hat');
  expect(html).toContain('You may also like');
  // Pure Liquid unless the merchant turns live mode on: no script tag.
  expect(html).not.toContain('<script');
  expect(html).not.toContain('schema');
});

test('live mode adds the re-ranking script (App Proxy route); the limit setting applies', async () => {
  const html = await render(appOwned(recs), { live: true, limit: 2, heading: 'Picked <for> you' });
  expect(html).toContain('data-live="true"');
  expect(html).toContain('data-proxy-path="/apps/shop-mlops"');
  expect(html).toContain('<script src="https://cdn.shopify.com/extensions/shop-mlops/assets/shop-mlops-recommendations.js" defer="defer"></script>');
  expect(html).toContain('Picked &lt;for&gt; you');
  expect([...html.matchAll(/data-product-id="\d+" hidden/g)]).toHaveLength(3);
  const js = fs.readFileSync(path.join(EXT, 'assets/shop-mlops-recommendations.js'), 'utf8');
  expect(js).toContain("'/recommendations/product?'");
});

test('nothing renders without the metafield (no empty heading), nor from a merchant-owned namespace', async () => {
  expect((await render(appOwned(null))).trim()).toBe('');
  expect((await render({})).trim()).toBe('');
  // The same list in a public namespace is not what the block reads.
  expect((await render({ shop_mlops: { recommended_products: { value: recs } } })).trim()).toBe('');
});

test('the block schema targets product pages', () => {
  expect(schema).toMatchObject({ name: 'Recommended products', target: 'section', enabled_on: { templates: ['product'] } });
  expect(fs.readFileSync(path.join(EXT, 'shopify.extension.toml'), 'utf8')).toMatch(/^type = "theme"$/m);
});

function themeCheck(dir: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['--no-install', 'shopify', 'theme', 'check', '--path', dir], {
      cwd: ROOT,
      env: { ...process.env, PATH: `${NODE_BIN_DIR}:${process.env['PATH']}`, SHOPIFY_CLI_NO_ANALYTICS: '1', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

test('shopify theme check passes on the extension and fails on a broken copy', async () => {
  const ok = await themeCheck('extensions/shop-mlops-theme');
  expect(ok.out).toMatch(/no offenses found/);
  expect(ok.code).toBe(0);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'theme-check-'));
  try {
    fs.cpSync(EXT, tmp, { recursive: true });
    fs.appendFileSync(path.join(tmp, 'blocks/recommendations.liquid'), '{{ product | no_such_filter }}\n');
    const bad = await themeCheck(tmp);
    expect(bad.out).toMatch(/Unknown filter 'no_such_filter'/);
    expect(bad.code).toBe(1);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

/** jsdom (no bundled types): just what the live-mode test touches. */
interface Dom {
  window: { document: Document; eval(code: string): unknown; fetch?: unknown; setTimeout: typeof setTimeout };
}
const { JSDOM } = require('jsdom') as { JSDOM: new (html: string, o: { url: string; runScripts: 'outside-only' }) => Dom };

describe('live mode in a browser (jsdom) against an App Proxy route on 127.0.0.1', () => {
  const JS = fs.readFileSync(path.join(EXT, 'assets/shop-mlops-recommendations.js'), 'utf8');
  let server: import('node:http').Server;
  let base = '';
  const asked: URLSearchParams[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  beforeAll(async () => {
    const http = await import('node:http');
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/apps/shop-mlops/recommendations/product') {
        res.writeHead(404).end();
        return;
      }
      asked.push(url.searchParams);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  async function live(body: { status: number; body: unknown }) {
    answer = body;
    const before = asked.length;
    const html = await render(appOwned(recs), { live: true, limit: 2 });
    const dom = new JSDOM(`<!doctype html><body>${html}</body>`, { url: `${base}/products/example-t-shirt`, runScripts: 'outside-only' });
    dom.window.document.cookie = '_shopify_y=visitor-abc123';
    // the shop's origin: relative URLs resolve against it, as on the storefront
    dom.window.fetch = (u: string, init: RequestInit) => fetch(new URL(u, base), { ...init, signal: null });
    dom.window.eval(JS);
    const root = dom.window.document.querySelector('[data-shop-mlops-recs]')!;
    const end = Date.now() + 5000;
    while (asked.length === before && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    // the answer's handling (or the failure's) after the request arrived
    while (body.status === 200 && !root.hasAttribute('data-arm') && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    return Array.from(root.querySelectorAll('li')).map((li) => `${li.getAttribute('data-product-id')!.slice(-2)}${li.hidden ? ' hidden' : ''}`);
  }

  test('re-ranks the rendered candidates in the route\'s order for this visitor; the limit holds', async () => {
    const order = await live({ status: 200, body: { arm: 'challenger', prediction: ['9000000000000000016', '9000000000000000014', '9999'].map((id) => ({ recommended_product_id: id })) } });
    expect(order).toEqual(['16', '14', '11 hidden', '12 hidden', '15 hidden']);
    const q = asked.at(-1)!;
    expect(Object.fromEntries(q)).toEqual({ product_id: '788032119674292922', k: '6', visitor_id: 'visitor-abc123' });
  });

  test('a failing route leaves the server-rendered order', async () => {
    const order = await live({ status: 500, body: { error: {} } });
    expect(order).toEqual(['11', '12', '14 hidden', '15 hidden', '16 hidden']);
  });
});

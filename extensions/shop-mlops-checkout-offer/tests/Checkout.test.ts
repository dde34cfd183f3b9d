// The checkout offer under Shopify's @shopify/ui-extensions-tester: the route asked with the session token, the arm written to the cart attribute, the arm's add-on shown and added; holdout, guests, failures.
/// <reference types="@shopify/ui-extensions/purchase.checkout.block.render" />
import { createCartLine } from '@shopify/ui-extensions-tester/checkout';
import { setUpExtension } from '@shopify/ui-extensions-tester';
import { afterEach, expect, test, vi } from 'vitest';
import { ARM_ATTRIBUTE, armAttributeValue, numericId, parseAnswer, pickOffer, routeUrl } from '../src/offer';

const line = (productId: string) =>
  createCartLine({
    id: `gid://shopify/CartLine/${productId}`,
    merchandise: { type: 'variant', id: `gid://shopify/ProductVariant/${productId}1`, title: 'Default', selectedOptions: [], product: { id: `gid://shopify/Product/${productId}`, vendor: 'Acme', productType: 'mug' }, requiresShipping: true },
  });

/** The prediction route's answer as GET /api/recommendations/cart gives it (test/serving/prediction-routes.test.ts). */
const routeAnswer = (arm: string, recommended: string[], assigned: number | null = 7, bucket: number | null = 42) => ({
  shop: 'shop.myshopify.com',
  product_ids: ['111'],
  model: 'recommend',
  arm,
  bucket,
  assigned_version: assigned,
  version: assigned,
  served_by: 'model',
  fallback: false,
  fallback_reason: null,
  snapshot_date: '2026-12-05',
  prediction: recommended.map((id, i) => ({ product_id: '111', rank: i + 1, recommended_product_id: id, score: 1 / (i + 1), source: 'similar' })),
  latency_ms: 1.2,
});

type Ext = ReturnType<typeof setUpExtension<'purchase.checkout.block.render'>>;

function prepare(extension: Ext, answer: unknown, opts: { status?: number } = {}) {
  extension.shopify.lines.value = [line('111'), line('222')];
  extension.shopify.settings.value = { api_url: 'https://api.example.test/' };
  extension.shopify.sessionToken.get = vi.fn().mockResolvedValue('header.payload.signature');
  const fetch = vi.fn().mockResolvedValue(new Response(JSON.stringify(answer), { status: opts.status ?? 200, headers: { 'content-type': 'application/json' } }));
  extension.fetch = fetch;
  const applyAttributeChange = vi.fn().mockResolvedValue({ type: 'success' });
  extension.shopify.applyAttributeChange = applyAttributeChange;
  const applyCartLinesChange = vi.fn().mockResolvedValue({ type: 'success' });
  extension.shopify.applyCartLinesChange = applyCartLinesChange;
  const query = vi.fn().mockResolvedValue({
    data: { product: { title: 'Blue Mug', featuredImage: { url: 'https://cdn.example/mug.jpg' }, variants: { nodes: [{ id: 'gid://shopify/ProductVariant/3331', availableForSale: true, price: { amount: '12.5', currencyCode: 'USD' } }] } } },
  });
  extension.shopify.query = query as never;
  return { fetch, applyAttributeChange, applyCartLinesChange, query };
}

const until = async (check: () => void) => vi.waitFor(check, { timeout: 2000, interval: 10 });
let current: Ext | null = null;
afterEach(() => {
  current?.[Symbol.dispose]();
  current = null;
});

test('asks the route with the session token and the cart, writes the arm to the cart attribute, shows and adds the arm\'s add-on', async () => {
  const extension = (current = setUpExtension('purchase.checkout.block.render'));
  const m = prepare(extension, routeAnswer('challenger', ['222', '333', '444']));
  await extension.render();
  await until(() => expect(document.body.querySelector('s-button')).not.toBeNull());
  expect(m.fetch).toHaveBeenCalledTimes(1);
  const [url, init] = m.fetch.mock.calls[0]!;
  expect(url).toBe('https://api.example.test/api/recommendations/cart?product_ids=111%2C222&k=5');
  expect(init).toEqual({ headers: { authorization: 'Bearer header.payload.signature' } });
  expect(m.applyAttributeChange).toHaveBeenCalledWith({ type: 'updateAttribute', key: '_shop_mlops_arm', value: 'challenger:v7' });
  // 222 is in the cart already: the offer is 333.
  expect(m.query).toHaveBeenCalledWith(expect.stringContaining('product(id: $id)'), { variables: { id: 'gid://shopify/Product/333' } });
  expect(document.body.textContent).toContain('Blue Mug');
  expect(document.body.querySelector('s-product-thumbnail')?.getAttribute('src')).toBe('https://cdn.example/mug.jpg');
  (document.body.querySelector('s-button') as HTMLElement).click();
  await until(() => expect(m.applyCartLinesChange).toHaveBeenCalledWith({ type: 'addCartLine', merchandiseId: 'gid://shopify/ProductVariant/3331', quantity: 1 }));
});

test('the holdout arm is recorded on the cart but offered nothing', async () => {
  const extension = (current = setUpExtension('purchase.checkout.block.render'));
  const m = prepare(extension, routeAnswer('holdout', ['333'], null));
  await extension.render();
  await until(() => expect(m.applyAttributeChange).toHaveBeenCalledWith({ type: 'updateAttribute', key: ARM_ATTRIBUTE, value: 'holdout' }));
  await new Promise((r) => setTimeout(r, 50));
  expect(m.query).not.toHaveBeenCalled();
  expect(document.body.querySelector('s-button')).toBeNull();
});

test('a guest checkout (the token names no customer: no unit, the champion answers unassigned) gets the offer but no arm attribute', async () => {
  const extension = (current = setUpExtension('purchase.checkout.block.render'));
  const m = prepare(extension, routeAnswer('champion', ['333'], null, null));
  await extension.render();
  await until(() => expect(document.body.querySelector('s-button')).not.toBeNull());
  expect(m.fetch).toHaveBeenCalledTimes(1);
  expect(m.applyAttributeChange).not.toHaveBeenCalled();
});

test('an empty cart asks nothing', async () => {
  const extension = (current = setUpExtension('purchase.checkout.block.render'));
  const m = prepare(extension, routeAnswer('champion', ['333']));
  extension.shopify.lines.value = [];
  await extension.render();
  await new Promise((r) => setTimeout(r, 50));
  expect(m.fetch).not.toHaveBeenCalled();
  expect(document.body.querySelector('s-section')).toBeNull();
});

test('a refused or malformed answer leaves checkout without an offer or an attribute', async () => {
  for (const [answer, status] of [[{ error: { code: 'UNAUTHORIZED' } }, 401], [{ model: 'recommend', arm: 'nobody', prediction: [] }, 200]] as const) {
    const extension = (current = setUpExtension('purchase.checkout.block.render'));
    const m = prepare(extension, answer, { status });
    await extension.render();
    await until(() => expect(m.fetch).toHaveBeenCalledTimes(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(m.applyAttributeChange).not.toHaveBeenCalled();
    expect(document.body.querySelector('s-section')).toBeNull();
    extension[Symbol.dispose]();
    current = null;
  }
});

test('offer logic: ids, answers, the attribute value, the URL', () => {
  expect(numericId('gid://shopify/Customer/5001', 'Customer')).toBe('5001');
  expect(numericId('gid://shopify/Product/5001', 'Customer')).toBeNull();
  const a = parseAnswer(routeAnswer('champion', ['9007199254740993', '2']))!;
  expect(a).toEqual({ model: 'recommend', arm: 'champion', version: 7, assigned_version: 7, bucket: 42, recommended: ['9007199254740993', '2'] });
  expect(pickOffer(a, ['9007199254740993'])).toBe('2');
  expect(pickOffer(a, ['9007199254740993', '2'])).toBeNull();
  expect(armAttributeValue(a)).toBe('champion:v7');
  expect(armAttributeValue({ ...a, bucket: null })).toBeNull();
  expect(parseAnswer(null)).toBeNull();
  expect(routeUrl('https://x.test//', ['1'])).toBe('https://x.test/api/recommendations/cart?product_ids=1&k=5');
});

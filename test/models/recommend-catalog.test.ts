// The recommender with the catalog: title tokens, price bands, content neighbours, cold-start blending, launch-aware
// rates, the repeat-purchase mode and its per-shop choice, and the pipeline's catalog from product_attributes rows.
import { blendNeighbours, launchMultipliers } from '../../functions/src/models/recommend/blend';
import { contentNeighbours, priceBands, titleTokens, type CatalogItem } from '../../functions/src/models/recommend/catalog';
import { temporalHoldout } from '../../functions/src/models/recommend/holdout';
import { interactionsFrom } from '../../functions/src/models/recommend/interactions';
import { chooseRepeatWeight, withRepeatWeight } from '../../functions/src/models/recommend/modes';
import { trainRecommender, type RecommenderModel } from '../../functions/src/models/recommend/model';
import { recommend, recommendAll } from '../../functions/src/models/recommend/recommender';
import { catalogFromAttributes } from '../../functions/src/training/models/recommend';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const ORDER = { unit: 'order', unitWeighting: 'none', maxUnitItems: 0, minCoCount: 1, neighbours: 10, rowNormalisation: 'none', shrinkage: 1, alpha: 0.5, halfLifeDays: 0 } as const;

function neighbours(m: RecommenderModel, item: string): Record<string, number> {
  const a = m.items.indexOf(item);
  const out: Record<string, number> = {};
  for (let q = m.neighbours.offsets[a]!; q < m.neighbours.offsets[a + 1]!; q++) out[m.items[m.neighbours.items[q]!]!] = m.neighbours.scores[q]!;
  return out;
}

test('title tokens: lower case, letters and digits, stopwords, numbers and one-letter words dropped, plurals normalised', () => {
  expect(titleTokens('WHITE HANGING HEART T-LIGHT HOLDER')).toEqual(['white', 'hanging', 'heart', 'light', 'holder']);
  expect(titleTokens('SET OF 3 CAKE TINS PANTRY DESIGN')).toEqual(['cake', 'tin', 'pantry']);
  expect(titleTokens('Glass hearts & glasses, 12 pcs')).toEqual(['glass', 'heart', 'glasse', 'pcs']);
  expect(titleTokens('Crème brûlée dishes')).toEqual(['crème', 'brûlée', 'dishe']);
  expect(titleTokens(null)).toEqual([]);
});

test('price bands from the percent rank, 1 + floor(5 · rank share) capped at 5: equal prices share a band, nulls get none', () => {
  expect(priceBands([5, 1, 3, 2, 4, 6, 7])).toEqual([4, 1, 2, 1, 3, 5, 5]); // percent ranks 0, 1/6, …, 1
  expect(priceBands([10, null, 10, 5])).toEqual([3, null, 3, 1]);
  expect(priceBands([1.5, 1.5, 1.5])).toEqual([1, 1, 1]);
});

describe('content neighbours', () => {
  const catalog: CatalogItem[] = [
    { item: 'red-mug', title: 'Red spotty mug', priceBand: 1 },
    { item: 'blue-mug', title: 'Blue spotty mug', priceBand: 1 },
    { item: 'green-mug', title: 'Green spotty mugs', priceBand: 3 },
    { item: 'lamp', title: 'Desk lamp', priceBand: 1 },
    { item: 'shade', title: 'Lamp shade', productType: 'Lighting', priceBand: 5 },
  ];
  const items = catalog.map((c) => c.item);
  const lists = contentNeighbours(items, catalog, { contentNeighbours: 5 });
  const row = (item: string) => {
    const a = items.indexOf(item);
    return Array.from(lists.items.slice(lists.offsets[a], lists.offsets[a + 1]), (i) => items[i]);
  };

  test('items sharing title words are neighbours, closest first; a shared price band alone makes none', () => {
    expect(row('red-mug')).toEqual(['blue-mug', 'green-mug']); // blue shares the price band too
    expect(row('lamp')).toEqual(['shade']);
    expect(row('shade')).toEqual(['lamp']);
    expect(row('red-mug')).not.toContain('lamp'); // same price band, no word in common
  });

  test('titles that all read alike (every word in every title) make no neighbours, whatever the price bands', () => {
    const alike: CatalogItem[] = ['MUG', 'COASTER', 'LAMP', 'BULB'].map((item, i) => ({ item, title: 'Item, nice', priceBand: 1 + (i % 2) }));
    const l = contentNeighbours(alike.map((c) => c.item), alike, { contentNeighbours: 5 });
    expect(l.items.length).toBe(0);
  });

  test('an item without a catalog entry has no content neighbours', () => {
    const l = contentNeighbours([...items, 'mystery'], catalog, { contentNeighbours: 5 });
    expect(l.offsets[items.length + 1]! - l.offsets[items.length]!).toBe(0);
  });
});

/** 40 customers buy a mug with a coaster; 'new-mug' is in the catalog (a look-alike of the mugs) but nobody bought it. */
function mugStore() {
  const rows: { customer: string; item: string; order: string; time: number }[] = [];
  for (let c = 0; c < 40; c++) {
    const mug = ['red-mug', 'blue-mug'][c % 2]!;
    for (const item of [mug, 'coaster']) rows.push({ customer: `c${c}`, item, order: `o${c}`, time: T0 + c * DAY });
    if (c % 4 === 0) for (const item of ['lamp', 'bulb']) rows.push({ customer: `c${c}`, item, order: `p${c}`, time: T0 + c * DAY });
  }
  const catalog: CatalogItem[] = [
    { item: 'red-mug', title: 'Red spotty mug' },
    { item: 'blue-mug', title: 'Blue spotty mug' },
    { item: 'new-mug', title: 'Green spotty mug' },
    { item: 'coaster', title: 'Cork coaster' },
    { item: 'lamp', title: 'Desk lamp' },
    { item: 'bulb', title: 'Light bulb' },
  ];
  return { x: interactionsFrom(rows), catalog };
}

describe('cold start: items with little history borrow from their look-alikes', () => {
  test('a catalog product nobody bought gets the recommendations its look-alikes have; without the catalog only popular ones', () => {
    const { x, catalog } = mugStore();
    const without = trainRecommender(x, ORDER);
    expect(without.items).not.toContain('new-mug');
    expect(recommend(without, ['new-mug'], { k: 2 }).every((r) => r.source === 'popular')).toBe(true);

    const withCatalog = trainRecommender(x, { ...ORDER, contentWeight: 1, historySaturation: 10, contentDirectWeight: 0.2 }, catalog);
    expect(withCatalog.items).toContain('new-mug');
    expect(withCatalog.stats).toMatchObject({ catalogItems: 6, catalogOnlyItems: 1 });
    const recs = recommend(withCatalog, ['new-mug'], { k: 2 });
    expect(recs[0]).toMatchObject({ item: 'coaster', source: 'similar' });
    // ...and it is recommended where its look-alikes would be: to a coaster buyer, above the lamp and bulb.
    const forCoasterBuyer = recommend(withCatalog, ['coaster'], { k: 3 });
    expect(forCoasterBuyer.map((r) => r.item).sort()).toEqual(['blue-mug', 'new-mug', 'red-mug']);
    expect(forCoasterBuyer.every((r) => r.source === 'similar')).toBe(true);
    expect(recommend(without, ['coaster'], { k: 3 }).map((r) => r.item)).not.toContain('new-mug');
  });

  test('well-bought pairs keep their co-purchase scores (history confidence → 1)', () => {
    const knn = { offsets: Int32Array.from([0, 1, 2]), items: Int32Array.from([1, 0]), scores: Float32Array.from([0.5, 0.5]) };
    const content = { offsets: Int32Array.from([0, 1, 2]), items: Int32Array.from([1, 0]), scores: Float32Array.from([0.9, 0.9]) };
    const heavy = blendNeighbours(knn, content, [1e6, 1e6], { contentWeight: 1, historySaturation: 10, directWeight: 0.2, neighbours: 5 });
    expect(heavy.scores[0]!).toBeCloseTo(0.5, 4);
    const light = blendNeighbours(knn, content, [1, 1], { contentWeight: 1, historySaturation: 10, directWeight: 0.2, neighbours: 5 });
    expect(light.scores[0]!).toBeGreaterThan(0.6);
  });

  test('launch-aware rate: a week-old product with 4 buyers outranks a year-old one with 4', () => {
    const m = launchMultipliers([4, 4, 40, 0], [7, 365, 365, NaN], 365, 0.5);
    expect(m[0]!).toBeGreaterThan(m[1]!);
    expect(m[0]!).toBeGreaterThan(1);
    expect(m[1]!).toBeLessThan(1);
    expect(m[3]).toBe(1); // nobody bought it: its borrowed score is left as it is
  });
});

/** Customers who restock the same few items (consumables) or who never buy an item twice. */
function restockStore(restock: boolean) {
  const rows: { customer: string; item: string; order: string; time: number }[] = [];
  for (let c = 0; c < 60; c++)
    for (let o = 0; o < 6; o++) {
      const items = restock ? [`i${c % 10}`, `i${(c + 1) % 10}`] : [`i${(c + 2 * o) % 30}`, `i${(c + 2 * o + 1) % 30}`];
      for (const item of items) rows.push({ customer: `c${c}`, item, order: `c${c}o${o}`, time: T0 + (o * 10 + (c % 5)) * DAY });
    }
  return interactionsFrom(rows);
}

describe('repeat-purchase mode', () => {
  test('with ρ > 0 the customer\'s own items come back, most bought first; with ρ = 0 never', () => {
    const x = restockStore(true);
    const m = trainRecommender(x, ORDER);
    const history = ['i1', 'i1', 'i1', 'i2'];
    expect(recommend(m, history, { k: 3 }).map((r) => r.item)).not.toContain('i1');
    const rep = withRepeatWeight(m, 1);
    expect(recommend(rep, history, { k: 2 }).map((r) => r.item)).toEqual(['i1', 'i2']);
    const c0 = x.customerIds.indexOf('c0');
    const b = recommendAll(rep, x, { k: 2, customers: [c0] });
    expect(Array.from(b.items, (i) => rep.items[i])).toEqual(expect.arrayContaining(['i0', 'i1']));
    // A product page or a cart never gets its own products back (serving passes excludeHistory).
    expect(recommend(rep, history, { k: 3, excludeHistory: true }).map((r) => r.item)).not.toContain('i1');
    expect(Array.from(recommendAll(rep, x, { k: 2, customers: [c0], excludeHistory: true }).items, (i) => rep.items[i])).not.toContain('i0');
  });

  test('the holdout chooses it for a restocking shop and not for a shop where nobody re-buys', () => {
    const cut = T0 + 40 * DAY;
    const restock = temporalHoldout(restockStore(true), cut);
    expect(chooseRepeatWeight(trainRecommender(restock.train, ORDER), restock, 5).repeatWeight).toBeGreaterThan(0);
    const once = temporalHoldout(restockStore(false), cut);
    expect(chooseRepeatWeight(trainRecommender(once.train, ORDER), once, 5).repeatWeight).toBe(0);
  });
});

test('a model trained with the catalog round-trips through JSON (what the registry stores and serving loads)', () => {
  const { x, catalog } = mugStore();
  const m = withRepeatWeight(trainRecommender(x, { ...ORDER, contentWeight: 1, historySaturation: 10, launchBoost: 0.5 }, catalog.map((c, i) => ({ ...c, createdAt: T0 + i * DAY }))), 0.5);
  const back = JSON.parse(JSON.stringify(m)) as RecommenderModel;
  expect(recommend(back, ['new-mug', 'coaster'], { k: 4 })).toEqual(recommend(m, ['new-mug', 'coaster'], { k: 4 }));
  expect(neighbours(back, 'new-mug')).toEqual(neighbours(m, 'new-mug'));
});

test('the pipeline\'s catalog: one item per product from product_attributes rows, products created after the cut left out', () => {
  const row = (product: string, variant: string, age: number, band: number, option1: string | null) => ({
    shop: 's.myshopify.com', snapshot_date: '2024-03-10', product_id: product, variant_id: variant, title: `Title ${product}`, title_tokens: ['title', product],
    product_type: 'Mugs', vendor: 'V', tags: ['kitchen'], option1, option2: null, option3: null, price: 10, price_band: band, age_days: age, source: 'catalog' as const,
  });
  const rows = [row('p1', 'v1', 30, 3, 'Small'), row('p1', 'v2', 20, 2, 'Large'), row('p2', 'v3', 2, 5, null)];
  const all = catalogFromAttributes(rows);
  expect(all).toEqual([
    { item: 'p1', title: 'Title p1', titleTokens: ['title', 'p1'], productType: 'Mugs', vendor: 'V', tags: ['kitchen'], priceBand: 2, optionValues: ['Small', 'Large'], createdAt: Date.UTC(2024, 1, 9) },
    { item: 'p2', title: 'Title p2', titleTokens: ['title', 'p2'], productType: 'Mugs', vendor: 'V', tags: ['kitchen'], priceBand: 5, optionValues: [], createdAt: Date.UTC(2024, 2, 8) },
  ]);
  expect(catalogFromAttributes(rows, '2024-03-01').map((c) => c.item)).toEqual(['p1']);
});

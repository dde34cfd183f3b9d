// The simulated shop's catalogue: believable products, variant options, prices and the demand shape of each product line.

export interface ProductTemplate {
  title: string;
  productType: string;
  vendor: string;
  tags: string;
  /** Option name and values; each value is one variant. */
  option: { name: string; values: string[] };
  /** Base price in cents (variants may add a step). */
  priceCents: number;
  /** Extra cents per option position (e.g. larger sizes cost more). */
  priceStepCents: number;
  grams: number;
  /** Day of year the product line peaks (yearly seasonality) and the amplitude (0 = flat). */
  peakDay: number;
  seasonAmp: number;
  /** Share of orders of this product bought in bulk (lumpy demand: quantities 5–20). */
  bulkShare: number;
}

const SIZES = { name: 'Size', values: ['S', 'M', 'L', 'XL'] };
const one = { name: 'Title', values: ['Default Title'] };

export const CATALOGUE: ProductTemplate[] = [
  { title: 'Classic Crew T-Shirt', productType: 'Apparel', vendor: 'Northwind Threads', tags: 'apparel, basics, cotton', option: SIZES, priceCents: 2400, priceStepCents: 0, grams: 180, peakDay: 180, seasonAmp: 0.25, bulkShare: 0.02 },
  { title: 'Single-Origin Coffee Beans 340g', productType: 'Coffee', vendor: 'Ridgeback Roasters', tags: 'coffee, beans', option: { name: 'Grind', values: ['Whole bean', 'Espresso', 'Filter'] }, priceCents: 1800, priceStepCents: 0, grams: 360, peakDay: 15, seasonAmp: 0.15, bulkShare: 0.04 },
  { title: 'Stoneware Mug', productType: 'Kitchen', vendor: 'Hearth & Kiln', tags: 'kitchen, ceramics, gift', option: { name: 'Color', values: ['Sand', 'Slate', 'Moss'] }, priceCents: 2200, priceStepCents: 0, grams: 420, peakDay: 345, seasonAmp: 0.4, bulkShare: 0.05 },
  { title: 'Soy Candle', productType: 'Home', vendor: 'Lumen Works', tags: 'home, candle, gift', option: { name: 'Scent', values: ['Cedar', 'Fig', 'Sea Salt', 'Amber'] }, priceCents: 2800, priceStepCents: 0, grams: 300, peakDay: 350, seasonAmp: 0.6, bulkShare: 0.03 },
  { title: 'Canvas Tote Bag', productType: 'Accessories', vendor: 'Northwind Threads', tags: 'accessories, bag', option: { name: 'Color', values: ['Natural', 'Black'] }, priceCents: 1900, priceStepCents: 0, grams: 250, peakDay: 200, seasonAmp: 0.2, bulkShare: 0.08 },
  { title: 'Merino Wool Socks', productType: 'Apparel', vendor: 'Alpine Knit', tags: 'apparel, socks, wool', option: { name: 'Size', values: ['S/M', 'L/XL'] }, priceCents: 1600, priceStepCents: 0, grams: 80, peakDay: 10, seasonAmp: 0.5, bulkShare: 0.03 },
  { title: 'Organic Hoodie', productType: 'Apparel', vendor: 'Northwind Threads', tags: 'apparel, hoodie, organic', option: SIZES, priceCents: 6400, priceStepCents: 0, grams: 620, peakDay: 320, seasonAmp: 0.45, bulkShare: 0.01 },
  { title: 'Loose Leaf Tea Tin', productType: 'Tea', vendor: 'Ridgeback Roasters', tags: 'tea, gift', option: { name: 'Blend', values: ['Earl Grey', 'Sencha', 'Chai'] }, priceCents: 1400, priceStepCents: 0, grams: 150, peakDay: 20, seasonAmp: 0.2, bulkShare: 0.03 },
  { title: 'Art Print', productType: 'Art', vendor: 'Paper Harbor', tags: 'art, print, wall', option: { name: 'Size', values: ['A4', 'A3', 'A2'] }, priceCents: 2500, priceStepCents: 1200, grams: 120, peakDay: 340, seasonAmp: 0.3, bulkShare: 0.01 },
  { title: 'Baseball Cap', productType: 'Accessories', vendor: 'Alpine Knit', tags: 'accessories, cap', option: { name: 'Color', values: ['Navy', 'Olive', 'Stone'] }, priceCents: 2900, priceStepCents: 0, grams: 110, peakDay: 170, seasonAmp: 0.4, bulkShare: 0.02 },
  { title: 'Pour-Over Dripper', productType: 'Coffee', vendor: 'Hearth & Kiln', tags: 'coffee, brewing', option: one, priceCents: 3400, priceStepCents: 0, grams: 380, peakDay: 345, seasonAmp: 0.3, bulkShare: 0.01 },
  { title: 'Linen Napkins (Set of 4)', productType: 'Kitchen', vendor: 'Hearth & Kiln', tags: 'kitchen, linen', option: { name: 'Color', values: ['Oat', 'Clay', 'Charcoal'] }, priceCents: 3200, priceStepCents: 0, grams: 260, peakDay: 330, seasonAmp: 0.35, bulkShare: 0.04 },
  { title: 'Beeswax Food Wraps', productType: 'Kitchen', vendor: 'Lumen Works', tags: 'kitchen, zero-waste', option: one, priceCents: 1500, priceStepCents: 0, grams: 90, peakDay: 100, seasonAmp: 0.15, bulkShare: 0.06 },
  { title: 'Greeting Card', productType: 'Stationery', vendor: 'Paper Harbor', tags: 'stationery, card', option: { name: 'Design', values: ['Birthday', 'Thank You', 'Holiday', 'Blank'] }, priceCents: 500, priceStepCents: 0, grams: 30, peakDay: 350, seasonAmp: 0.5, bulkShare: 0.2 },
  { title: 'Dot Grid Notebook', productType: 'Stationery', vendor: 'Paper Harbor', tags: 'stationery, notebook', option: { name: 'Cover', values: ['Black', 'Sage', 'Rust'] }, priceCents: 1800, priceStepCents: 0, grams: 240, peakDay: 245, seasonAmp: 0.35, bulkShare: 0.05 },
  { title: 'Wool Beanie', productType: 'Accessories', vendor: 'Alpine Knit', tags: 'accessories, winter, wool', option: { name: 'Color', values: ['Charcoal', 'Mustard', 'Forest'] }, priceCents: 3200, priceStepCents: 0, grams: 100, peakDay: 5, seasonAmp: 0.8, bulkShare: 0.02 },
  { title: 'Ceramic Planter', productType: 'Home', vendor: 'Hearth & Kiln', tags: 'home, plants', option: { name: 'Size', values: ['Small', 'Medium', 'Large'] }, priceCents: 2600, priceStepCents: 1400, grams: 900, peakDay: 120, seasonAmp: 0.45, bulkShare: 0.02 },
  { title: 'Enamel Pin', productType: 'Accessories', vendor: 'Paper Harbor', tags: 'accessories, pin', option: { name: 'Design', values: ['Fern', 'Moon', 'Wave', 'Fox', 'Bee'] }, priceCents: 1000, priceStepCents: 0, grams: 15, peakDay: 200, seasonAmp: 0.1, bulkShare: 0.1 },
  { title: 'Cold Brew Concentrate', productType: 'Coffee', vendor: 'Ridgeback Roasters', tags: 'coffee, cold brew', option: { name: 'Size', values: ['500ml', '1L'] }, priceCents: 1600, priceStepCents: 900, grams: 1100, peakDay: 190, seasonAmp: 0.7, bulkShare: 0.05 },
  { title: 'Gift Card', productType: 'Gift Card', vendor: 'Shop', tags: 'gift card', option: { name: 'Denomination', values: ['$25', '$50', '$100'] }, priceCents: 2500, priceStepCents: 0, grams: 0, peakDay: 352, seasonAmp: 0.9, bulkShare: 0 },
  { title: 'Rain Jacket', productType: 'Apparel', vendor: 'Alpine Knit', tags: 'apparel, outerwear', option: SIZES, priceCents: 12800, priceStepCents: 0, grams: 700, peakDay: 290, seasonAmp: 0.5, bulkShare: 0 },
  { title: 'Incense Sticks', productType: 'Home', vendor: 'Lumen Works', tags: 'home, incense', option: { name: 'Scent', values: ['Sandalwood', 'Palo Santo'] }, priceCents: 900, priceStepCents: 0, grams: 60, peakDay: 60, seasonAmp: 0.1, bulkShare: 0.05 },
  { title: 'Walnut Serving Board', productType: 'Kitchen', vendor: 'Hearth & Kiln', tags: 'kitchen, wood, gift', option: one, priceCents: 5800, priceStepCents: 0, grams: 1200, peakDay: 345, seasonAmp: 0.6, bulkShare: 0 },
  { title: 'Travel Mug', productType: 'Kitchen', vendor: 'Hearth & Kiln', tags: 'kitchen, travel', option: { name: 'Color', values: ['Black', 'White'] }, priceCents: 3000, priceStepCents: 0, grams: 330, peakDay: 260, seasonAmp: 0.25, bulkShare: 0.03 },
];

/** Gift card denominations are their own price; other lines use base + step × position. */
export function variantPriceCents(t: ProductTemplate, position: number): number {
  if (t.productType === 'Gift Card') {
    const v = t.option.values[position] ?? '$25';
    return Number(v.replace(/[^0-9]/g, '')) * 100;
  }
  return t.priceCents + t.priceStepCents * position;
}

export function handleOf(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export function skuOf(title: string, option: string, index: number): string {
  const base = title.toUpperCase().replace(/[^A-Z0-9]+/g, ' ').trim().split(' ').map((w) => w.slice(0, 3)).join('').slice(0, 9);
  const opt = option.toUpperCase().replace(/[^A-Z0-9]+/g, '').slice(0, 4) || String(index);
  return `${base}-${opt}`;
}

// The theme app extension's "Recommended products" block and a liquidjs standing in for Shopify's storefront Liquid (the filters the block uses), shared by the block's tests and the metafields end-to-end test.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Liquid, type TagToken, type TopLevelToken } from 'liquidjs';
import { ROOT } from '../../helpers/process';

export const EXT = path.join(ROOT, 'extensions/shop-mlops-theme');
const BLOCK = path.join(EXT, 'blocks/recommendations.liquid');
export const source = fs.readFileSync(BLOCK, 'utf8');

interface Setting { id: string; default?: unknown }
export const schema = JSON.parse(/\{%\s*schema\s*%\}([\s\S]*?)\{%\s*endschema\s*%\}/.exec(source)![1]!) as { name: string; target: string; enabled_on: unknown; settings: Setting[] };
export const defaults = Object.fromEntries(schema.settings.map((s) => [s.id, s.default]));

/** Shopify's storefront filters the block uses, as Shopify renders them (enough to read the output). */
export function storefrontLiquid(): Liquid {
  const liquid = new Liquid({ strictFilters: true, strictVariables: false });
  // {% schema %} renders nothing on the storefront.
  liquid.registerTag('schema', {
    parse(_token: TagToken, remain: TopLevelToken[]) {
      while (remain.length) {
        const t = remain.shift()!;
        if (t.getText().replace(/\s+/g, '') === '{%endschema%}') return;
      }
      throw new Error('{% schema %} without {% endschema %}');
    },
    render: () => '',
  });
  liquid.registerFilter('money', (cents: number) => `$${(Number(cents) / 100).toFixed(2)}`);
  // liquidjs passes a keyword argument (`width: 300`) as a [name, value] pair.
  liquid.registerFilter('image_url', (img: { src: string }, ...args: unknown[]) => `${img.src}?width=${String((args.find((a) => Array.isArray(a) && a[0] === 'width') as [string, number] | undefined)?.[1] ?? '')}`);
  liquid.registerFilter('image_tag', (url: string) => `<img src="${url}">`);
  liquid.registerFilter('asset_url', (name: string) => `https://cdn.shopify.com/extensions/shop-mlops/assets/${name}`);
  return liquid;
}


/** The block rendered for `product` (its metafields included), with the merchant's settings over the defaults. */
export function renderBlock(product: Record<string, unknown>, settings: Record<string, unknown> = {}): Promise<string> {
  return storefrontLiquid().parseAndRender(source, { product, block: { settings: { ...defaults, ...settings }, shopify_attributes: 'data-shopify-editor-block="x"' } });
}

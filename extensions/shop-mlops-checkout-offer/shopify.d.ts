// The `shopify` global of the checkout block target in src/Checkout.tsx (the form Shopify CLI generates), typed by @shopify/ui-extensions.
import '@shopify/ui-extensions';

//@ts-ignore
declare module './src/Checkout.tsx' {
  const shopify: import('@shopify/ui-extensions/purchase.checkout.block.render').Api;
  const globalThis: { shopify: typeof shopify };
}

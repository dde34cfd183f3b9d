// shop-mlops checkout offer (purchase.checkout.block.render, Preact): asks the prediction route with the session token (the customer it names is the unit), writes the arm to the cart, shows the arm's add-on.
import '@shopify/ui-extensions/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ARM_ATTRIBUTE, DEFAULT_API_URL, armAttributeValue, numericId, parseAnswer, pickOffer, routeUrl, type RouteAnswer } from './offer';

export default async () => {
  render(<Extension />, document.body);
};

interface OfferProduct {
  title: string;
  imageUrl: string | null;
  variantId: string;
  price: { amount: string; currencyCode: string };
}

const PRODUCT_QUERY = `query ShopMlopsOffer($id: ID!) {
  product(id: $id) { title featuredImage { url } variants(first: 1) { nodes { id availableForSale price { amount currencyCode } } } }
}`;

interface ProductData {
  product: { title: string; featuredImage: { url: string } | null; variants: { nodes: { id: string; availableForSale: boolean; price: { amount: string; currencyCode: string } }[] } } | null;
}

/** Asks the route (the session token names the shop and, through `sub`, the customer: the assignment unit) and records the arm on the cart. */
async function assign(productIds: string[]): Promise<RouteAnswer | null> {
  const apiUrl = typeof shopify.settings.value['api_url'] === 'string' && shopify.settings.value['api_url'] ? shopify.settings.value['api_url'] : DEFAULT_API_URL;
  const token = await shopify.sessionToken.get();
  const response = await fetch(routeUrl(apiUrl, productIds), { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) return null;
  const answer = parseAnswer(await response.json());
  if (!answer) return null;
  // The exposure: the route logged this served prediction for the customer (the token's `sub`); the order carries the
  // arm it saw. A guest's answer has no unit: not part of the A/B, nothing written.
  const arm = armAttributeValue(answer);
  if (arm !== null && shopify.instructions.value.attributes.canUpdateAttributes) {
    await shopify.applyAttributeChange({ type: 'updateAttribute', key: ARM_ATTRIBUTE, value: arm });
  }
  return answer;
}

async function productOf(productId: string): Promise<OfferProduct | null> {
  const r = await shopify.query<ProductData>(PRODUCT_QUERY, { variables: { id: `gid://shopify/Product/${productId}` } });
  const p = r.data?.product;
  const variant = p?.variants.nodes.find((v) => v.availableForSale);
  return p && variant ? { title: p.title, imageUrl: p.featuredImage?.url ?? null, variantId: variant.id, price: variant.price } : null;
}

function Extension() {
  const [offer, setOffer] = useState<OfferProduct | null>(null);
  const [adding, setAdding] = useState(false);
  const inCart = shopify.lines.value.map((l) => numericId(l.merchandise.product.id, 'Product')).filter((id): id is string => id !== null);

  useEffect(() => {
    // The unit is the customer the session token names (read by the route, never sent from here).
    if (inCart.length === 0) return;
    let live = true;
    void (async () => {
      try {
        const answer = await assign(inCart);
        const chosen = answer ? pickOffer(answer, inCart) : null;
        const product = chosen ? await productOf(chosen) : null;
        if (live) setOffer(product);
      } catch {
        if (live) setOffer(null); // checkout goes on without an offer
      }
    })();
    return () => {
      live = false;
    };
  }, [inCart.join(',')]);

  if (!offer) return null;
  const add = async () => {
    setAdding(true);
    await shopify.applyCartLinesChange({ type: 'addCartLine', merchandiseId: offer.variantId, quantity: 1 });
    setAdding(false);
  };
  return (
    <s-section heading={shopify.i18n.translate('offer.heading')}>
      <s-stack direction="inline" gap="base" alignItems="center">
        {offer.imageUrl ? <s-product-thumbnail src={offer.imageUrl} alt={offer.title} /> : null}
        <s-stack gap="small-200">
          <s-text type="strong">{offer.title}</s-text>
          <s-text>{shopify.i18n.formatCurrency(Number(offer.price.amount), { currency: offer.price.currencyCode })}</s-text>
        </s-stack>
        <s-button variant="secondary" loading={adding} onClick={add}>
          {shopify.i18n.translate('offer.add')}
        </s-button>
      </s-stack>
    </s-section>
  );
}

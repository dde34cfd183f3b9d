// How the dashboard page calls its JSON routes: locally /admin/dashboard with the runtime's admin token (from the link's #token= or typed once), in Shopify admin /api/dashboard with an App Bridge session token.

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const TOKEN_KEY = 'shop-mlops-admin-token';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Local: the token from the URL fragment (then removed from the address bar) or this tab's session storage. */
function localToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Shopify admin: App Bridge from Shopify's CDN, configured with the app's client id (hosting/dashboard/app-config.json, written at deploy). */
async function appBridge() {
  if (window.shopify?.idToken) return window.shopify;
  const config = await fetch('dashboard/app-config.json').then((r) => (r.ok ? r.json() : {}));
  if (!config.apiKey) throw new ApiError(0, 'dashboard/app-config.json has no apiKey: run `npm run build:hosting` with SHOPIFY_API_KEY set before deploying');
  const meta = document.createElement('meta');
  meta.name = 'shopify-api-key';
  meta.content = config.apiKey;
  document.head.append(meta);
  await new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = 'https://cdn.shopify.com/shopifycloud/app-bridge.js';
    s.onload = resolve;
    s.onerror = () => reject(new ApiError(0, 'App Bridge did not load'));
    document.head.append(s);
  });
  return window.shopify;
}

export function createApi() {
  const local = LOCAL_HOSTS.has(location.hostname);
  const base = local ? '/admin/dashboard' : '/api/dashboard';
  let shop = new URLSearchParams(location.search).get('shop') ?? '';
  async function authorization() {
    if (local) {
      const token = localToken();
      if (!token) throw new ApiError(401, 'admin token needed');
      return `Bearer ${token}`;
    }
    return `Bearer ${await (await appBridge()).idToken()}`;
  }
  async function get(route, params = {}) {
    const q = new URLSearchParams({ ...(shop ? { shop } : {}), ...params });
    const res = await fetch(`${base}/${route}${q.size ? `?${q}` : ''}`, { headers: { authorization: await authorization() } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new ApiError(res.status, body?.error?.message ?? body?.message ?? `${route}: HTTP ${res.status}`);
    return body;
  }
  return {
    local,
    get,
    get shop() {
      return shop;
    },
    setShop(s) {
      shop = s;
    },
    setToken(token) {
      sessionStorage.setItem(TOKEN_KEY, token.trim());
    },
    forgetToken() {
      sessionStorage.removeItem(TOKEN_KEY);
    },
  };
}

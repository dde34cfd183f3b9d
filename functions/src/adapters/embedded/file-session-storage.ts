// SessionStorage on local files: one JSON record per shop under <data-dir>/sessions, directory 0700, files 0600, replaced atomically (write, fsync, rename).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ShopMlopsError } from '../../core/errors';
import { MYSHOPIFY_DOMAIN } from '../../core/topics';
import { shopRecordSchema, type SessionStorage, type ShopRecord } from '../../ports/session-storage';

export function createFileSessionStorage(dir: string): SessionStorage {
  const file = (shop: string) => {
    if (!MYSHOPIFY_DOMAIN.test(shop)) throw new ShopMlopsError('BAD_REQUEST', `not a <name>.myshopify.com shop: ${JSON.stringify(shop)}`);
    return path.join(dir, `${shop}.json`);
  };
  const read = async (shop: string): Promise<ShopRecord | null> => {
    let text: string;
    try {
      text = await fs.readFile(file(shop), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw ShopMlopsError.fromUnknown(e);
    }
    return shopRecordSchema.parse(JSON.parse(text));
  };
  const write = async (rec: ShopRecord): Promise<void> => {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.chmod(dir, 0o700);
    const target = file(rec.shop);
    const tmp = `${target}.${process.pid}.tmp`;
    const h = await fs.open(tmp, 'w', 0o600);
    try {
      await h.writeFile(JSON.stringify(shopRecordSchema.parse(rec)));
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.chmod(tmp, 0o600);
    await fs.rename(tmp, target);
  };
  return {
    store: (session) => write({ shop: session.shop, session, uninstalledAt: null }),
    async load(shop) {
      return (await read(shop))?.session ?? null;
    },
    async uninstall(shop, at) {
      const before = await read(shop);
      await write({ shop, session: null, uninstalledAt: at });
      return !!before?.session;
    },
    async isUninstalled(shop) {
      return (await read(shop))?.uninstalledAt != null;
    },
    async installedShops() {
      let names: string[];
      try {
        names = await fs.readdir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw ShopMlopsError.fromUnknown(e);
      }
      const shops = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).filter((s) => MYSHOPIFY_DOMAIN.test(s));
      const out: string[] = [];
      for (const s of shops.sort()) if ((await read(s))?.session) out.push(s);
      return out;
    },
  };
}

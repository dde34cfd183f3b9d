// FlowTriggerJournal on local files: <dir>/<shop>/sent.txt, one decision id a line, appended and fsync'd (directory 0700, file 0600).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ShopMlopsError } from '../../core/errors';
import { MYSHOPIFY_DOMAIN } from '../../core/topics';
import type { FlowTriggerJournal } from '../../ports/flow-trigger-journal';

export function createFileFlowTriggerJournal(dir: string): FlowTriggerJournal {
  const file = (shop: string) => {
    if (!MYSHOPIFY_DOMAIN.test(shop)) throw new ShopMlopsError('BAD_REQUEST', `not a <name>.myshopify.com shop: ${JSON.stringify(shop)}`);
    return path.join(dir, shop, 'sent.txt');
  };
  return {
    async sent(shop) {
      try {
        return new Set((await fs.readFile(file(shop), 'utf8')).split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
        throw ShopMlopsError.fromUnknown(e);
      }
    },
    async record(shop, decisionId) {
      const f = file(shop);
      await fs.mkdir(path.dirname(f), { recursive: true, mode: 0o700 });
      const h = await fs.open(f, 'a', 0o600);
      try {
        await h.write(decisionId + '\n');
        await h.sync();
      } finally {
        await h.close();
      }
    },
  };
}

// Embedded ArtifactStore adapter: files under a directory, written atomically (temp file, fsync, rename).
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { assertArtifactKey, type ArtifactInfo, type ArtifactStore } from '../../ports/artifact-store';

const META = '.meta.json';

export function createFileArtifactStore(root: string): ArtifactStore {
  const file = (key: string) => {
    assertArtifactKey(key);
    return path.join(root, ...key.split('/'));
  };
  const info = async (key: string): Promise<ArtifactInfo> => {
    const st = await fsp.stat(file(key));
    let contentType = 'application/octet-stream';
    try {
      contentType = (JSON.parse(await fsp.readFile(file(key) + META, 'utf8')) as { contentType: string }).contentType;
    } catch {
      /* no sidecar */
    }
    return { key, size: st.size, contentType, updatedAt: st.mtime.toISOString() };
  };
  return {
    async put(key, data, opts = {}) {
      const target = file(key);
      await fsp.mkdir(path.dirname(target), { recursive: true });
      const tmp = `${target}.${randomUUID()}.tmp`;
      const fh = await fsp.open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(data);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await fsp.writeFile(target + META, JSON.stringify({ contentType: opts.contentType ?? 'application/octet-stream' }), { mode: 0o600 });
      await fsp.rename(tmp, target);
      return info(key);
    },
    async get(key) {
      try {
        return await fsp.readFile(file(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async list(prefix = '') {
      const out: ArtifactInfo[] = [];
      const walk = async (dir: string, rel: string): Promise<void> => {
        let entries;
        try {
          entries = await fsp.readdir(dir, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          const k = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) await walk(path.join(dir, e.name), k);
          else if (!e.name.endsWith(META) && !e.name.endsWith('.tmp') && k.startsWith(prefix)) out.push(await info(k));
        }
      };
      await walk(root, '');
      return out.sort((a, b) => a.key.localeCompare(b.key));
    },
    async delete(key) {
      try {
        await fsp.rm(file(key));
        await fsp.rm(file(key) + META, { force: true });
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
    },
    uri(key) {
      return file(key);
    },
  };
}

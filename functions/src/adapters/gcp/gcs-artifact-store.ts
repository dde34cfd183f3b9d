// ArtifactStore on Cloud Storage: one object per key under an optional prefix (uploads are single-request, hence atomic).
import { Storage, type File } from '@google-cloud/storage';
import type { Logger } from '../../core/log';
import { assertArtifactKey, type ArtifactInfo, type ArtifactStore } from '../../ports/artifact-store';

export interface GcsArtifactStoreOptions {
  storage?: Storage;
  bucket: string;
  /** Folder inside the bucket ('' or e.g. 'artifacts'); keys are relative to it. */
  prefix?: string;
  log: Logger;
}

const isNotFound = (err: unknown): boolean => (err as { code?: unknown }).code === 404;

export function createGcsArtifactStore(opts: GcsArtifactStoreOptions): ArtifactStore {
  const storage = opts.storage ?? new Storage();
  const bucket = storage.bucket(opts.bucket);
  const base = (opts.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const objectName = (key: string) => (base ? `${base}/${key}` : key);
  const keyOf = (name: string) => (base ? name.slice(base.length + 1) : name);

  const info = (file: File): ArtifactInfo => {
    const m = file.metadata;
    return {
      key: keyOf(file.name),
      size: Number(m.size ?? 0),
      contentType: m.contentType ?? 'application/octet-stream',
      updatedAt: new Date(String(m.updated ?? m.timeCreated ?? Date.now())).toISOString(),
    };
  };

  return {
    async put(key, data, o = {}) {
      assertArtifactKey(key);
      const file = bucket.file(objectName(key));
      const contentType = o.contentType ?? (typeof data === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream');
      await file.save(typeof data === 'string' ? Buffer.from(data, 'utf8') : data, { resumable: false, contentType, metadata: { contentType } });
      opts.log.debug('artifact written', { uri: `gs://${opts.bucket}/${file.name}` });
      return info(file);
    },
    async get(key) {
      assertArtifactKey(key);
      try {
        const [buf] = await bucket.file(objectName(key)).download();
        return buf;
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },
    async list(prefix = '') {
      const full = base ? `${base}/${prefix}` : prefix;
      const [files] = await bucket.getFiles({ ...(full ? { prefix: full } : {}), autoPaginate: true });
      return files.filter((f) => !f.name.endsWith('/')).map(info).sort((a, b) => a.key.localeCompare(b.key));
    },
    async delete(key) {
      assertArtifactKey(key);
      try {
        await bucket.file(objectName(key)).delete();
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    async purgeNoncurrent(key) {
      assertArtifactKey(key);
      // The bucket is versioned (infra/storage.tf): an overwritten or deleted object stays as a noncurrent generation
      // (listed with versions: true, carrying timeDeleted) until deleted by its generation.
      const name = objectName(key);
      const [files] = await bucket.getFiles({ prefix: name, versions: true, autoPaginate: true });
      let n = 0;
      for (const f of files) {
        if (f.name !== name || !f.metadata.timeDeleted || f.metadata.generation === undefined) continue;
        try {
          await bucket.file(name, { generation: String(f.metadata.generation) }).delete();
          n++;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      if (n) opts.log.debug('noncurrent generations deleted', { uri: `gs://${opts.bucket}/${name}`, generations: n });
      return n;
    },
    uri(key) {
      assertArtifactKey(key);
      return `gs://${opts.bucket}/${objectName(key)}`;
    },
  };
}

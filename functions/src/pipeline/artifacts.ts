// Artifact handles steps read and write, over the ArtifactStore port; and the mapping from an artifact URI (file path or gs://) to a store and key.
import * as path from 'node:path';
import { ShopMlopsError } from '../core/errors';
import type { ArtifactStore } from '../ports/artifact-store';
import type { ArtifactType, JsonValue } from './io-spec';

export interface InputArtifact {
  readonly name: string;
  readonly type: ArtifactType;
  readonly uri: string;
  read(): Promise<Buffer>;
  readText(): Promise<string>;
  readJson<T = unknown>(): Promise<T>;
}

export interface OutputArtifact {
  readonly name: string;
  readonly type: ArtifactType;
  readonly uri: string;
  /** Key/values recorded with the artifact (KFP artifact metadata; shown by Vertex). */
  readonly metadata: Record<string, JsonValue>;
  write(data: Buffer | string, contentType?: string): Promise<void>;
  writeJson(value: unknown): Promise<void>;
  /** Whether write() has been called. */
  readonly written: boolean;
}

/** Where an artifact lives: a store, the key inside it, and the URI people and KFP see. */
export interface ArtifactLocation {
  store: ArtifactStore;
  key: string;
  uri: string;
}

export function inputArtifact(name: string, type: ArtifactType, loc: ArtifactLocation): InputArtifact {
  const read = async (): Promise<Buffer> => {
    const data = await loc.store.get(loc.key);
    if (data === null) throw new ShopMlopsError('UNPROCESSABLE', `input artifact '${name}' does not exist at ${loc.uri}`);
    return data;
  };
  return {
    name,
    type,
    uri: loc.uri,
    read,
    readText: async () => (await read()).toString('utf8'),
    readJson: async <T>() => {
      const text = (await read()).toString('utf8');
      try {
        return JSON.parse(text) as T;
      } catch (err) {
        throw new ShopMlopsError('UNPROCESSABLE', `input artifact '${name}' at ${loc.uri} is not JSON: ${(err as Error).message}`);
      }
    },
  };
}

export function outputArtifact(name: string, type: ArtifactType, loc: ArtifactLocation): OutputArtifact {
  let written = false;
  const metadata: Record<string, JsonValue> = {};
  const write = async (data: Buffer | string, contentType?: string): Promise<void> => {
    await loc.store.put(loc.key, data, { contentType: contentType ?? (typeof data === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream') });
    written = true;
  };
  return {
    name,
    type,
    uri: loc.uri,
    metadata,
    write,
    writeJson: (value) => write(JSON.stringify(value, null, 2) + '\n', 'application/json'),
    get written() {
      return written;
    },
  };
}

export type ArtifactLocator = (uri: string) => ArtifactLocation;

/** The stores an artifact locator maps URIs to; the entry points pass the adapters (functions/src/pipelines.ts). */
export interface ArtifactStores {
  /** Local files, keyed by the absolute path without its leading slash (a file store rooted at `/`). */
  files: ArtifactStore;
  /** The store of one Cloud Storage bucket (called once per bucket, when a gs:// URI first names it). */
  gcsStore: (bucket: string) => ArtifactStore;
}

/**
 * Maps the URIs KFP hands a container to the ArtifactStore port: `gs://bucket/path` → the bucket's store,
 * `/gcs/bucket/path` (Vertex's Cloud Storage FUSE mount) and other absolute paths or `file://` URIs → local files.
 */
export function createArtifactLocator(stores: ArtifactStores): ArtifactLocator {
  const gcsStores = new Map<string, ArtifactStore>();
  const files = stores.files;
  const gcs = (bucket: string): ArtifactStore => {
    let s = gcsStores.get(bucket);
    if (!s) {
      s = stores.gcsStore(bucket);
      gcsStores.set(bucket, s);
    }
    return s;
  };
  return (uri) => {
    const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (m) return { store: gcs(m[1]!), key: m[2]!, uri };
    const file = uri.startsWith('file://') ? decodeURIComponent(new URL(uri).pathname) : uri;
    if (!path.isAbsolute(file)) throw new ShopMlopsError('BAD_REQUEST', `artifact URI must be gs://bucket/path, file:// or an absolute path, got ${JSON.stringify(uri)}`);
    const key = path.resolve(file).split(path.sep).filter(Boolean).join('/');
    return { store: files, key, uri };
  };
}

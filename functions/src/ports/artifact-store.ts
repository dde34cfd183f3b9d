// Port: durable blobs by key (local files embedded, Cloud Storage in the cloud): exports, later model artifacts.

export interface ArtifactInfo {
  key: string;
  size: number;
  contentType: string;
  updatedAt: string;
}

export interface ArtifactStore {
  /** Writes atomically: a reader sees the old object or the new one, never a partial one. */
  put(key: string, data: Buffer | string, opts?: { contentType?: string }): Promise<ArtifactInfo>;
  /** Null when the key does not exist. */
  get(key: string): Promise<Buffer | null>;
  list(prefix?: string): Promise<ArtifactInfo[]>;
  delete(key: string): Promise<boolean>;
  /**
   * Deletes every stored generation of `key` but the live one (a versioned bucket keeps an overwritten or deleted
   * object's bytes as a noncurrent generation); returns how many. Stores that keep no old generations omit it.
   */
  purgeNoncurrent?(key: string): Promise<number>;
  /** Where the object lives, for people: a file path or a gs:// URI. */
  uri(key: string): string;
}

/** Keys are relative, '/'-separated, without '..' segments. */
export function assertArtifactKey(key: string): void {
  if (!key || key.startsWith('/') || key.split('/').some((s) => s === '..' || s === '')) {
    throw new Error(`invalid artifact key: ${JSON.stringify(key)}`);
  }
}

// The ArtifactStore port's contract as one jest suite; every adapter (GCS, local files) runs it unchanged.
import type { ArtifactStore } from '../../functions/src/ports/artifact-store';

export interface ArtifactStoreHarness {
  store: ArtifactStore;
  cleanup(): Promise<void>;
}

export function artifactStoreContract(name: string, makeStore: () => Promise<ArtifactStoreHarness>): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    let h: ArtifactStoreHarness;
    beforeEach(async () => {
      h = await makeStore();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    test('put then get returns the exact bytes, and put reports key, size and content type', async () => {
      const bytes = Buffer.from([0, 1, 2, 253, 254, 255, 10, 13]);
      const info = await h.store.put('models/m1/weights.bin', bytes, { contentType: 'application/octet-stream' });
      expect(info.key).toBe('models/m1/weights.bin');
      expect(info.size).toBe(bytes.length);
      expect(info.contentType).toBe('application/octet-stream');
      expect(Number.isNaN(Date.parse(info.updatedAt))).toBe(false);
      const got = await h.store.get('models/m1/weights.bin');
      expect(got).not.toBeNull();
      expect(got!.equals(bytes)).toBe(true);
    });

    test('strings are stored as UTF-8 and keep 64-bit ids exact', async () => {
      const text = '{"id":820982911946154508,"name":"Zoë"}';
      await h.store.put('exports/a.json', text, { contentType: 'application/json' });
      expect((await h.store.get('exports/a.json'))!.toString('utf8')).toBe(text);
      const [listed] = await h.store.list('exports/');
      expect(listed).toMatchObject({ key: 'exports/a.json', size: Buffer.byteLength(text), contentType: 'application/json' });
    });

    test('get of a missing key is null; delete of a missing key is false', async () => {
      expect(await h.store.get('nope/missing.txt')).toBeNull();
      expect(await h.store.delete('nope/missing.txt')).toBe(false);
    });

    test('put overwrites: a reader sees the new object whole', async () => {
      await h.store.put('k/v.txt', 'old contents that are longer');
      await h.store.put('k/v.txt', 'new');
      expect((await h.store.get('k/v.txt'))!.toString()).toBe('new');
      const items = await h.store.list('k/');
      expect(items.map((i) => [i.key, i.size])).toEqual([['k/v.txt', 3]]);
    });

    test('list filters by prefix, returns every match sorted by key, and list() returns all', async () => {
      for (const k of ['b/2.txt', 'a/1.txt', 'a/3.txt', 'a/2.txt', 'ab/x.txt', 'c.txt']) await h.store.put(k, k);
      expect((await h.store.list('a/')).map((i) => i.key)).toEqual(['a/1.txt', 'a/2.txt', 'a/3.txt']);
      expect((await h.store.list('a')).map((i) => i.key)).toEqual(['a/1.txt', 'a/2.txt', 'a/3.txt', 'ab/x.txt']);
      expect((await h.store.list()).map((i) => i.key)).toEqual(['a/1.txt', 'a/2.txt', 'a/3.txt', 'ab/x.txt', 'b/2.txt', 'c.txt']);
      expect(await h.store.list('zzz/')).toEqual([]);
    });

    test('delete removes the object once', async () => {
      await h.store.put('d/x.txt', 'x');
      expect(await h.store.delete('d/x.txt')).toBe(true);
      expect(await h.store.get('d/x.txt')).toBeNull();
      expect(await h.store.delete('d/x.txt')).toBe(false);
      expect(await h.store.list('d/')).toEqual([]);
    });

    test('invalid keys are rejected before touching storage', async () => {
      for (const bad of ['', '/abs', 'a/../b', 'a//b']) {
        await expect(h.store.put(bad, 'x')).rejects.toThrow('invalid artifact key');
        await expect(h.store.get(bad)).rejects.toThrow('invalid artifact key');
      }
      expect(() => h.store.uri('../x')).toThrow('invalid artifact key');
    });

    test('uri names where the object lives and contains the key', async () => {
      const uri = h.store.uri('models/m1/weights.bin');
      expect(uri).toContain('models/m1/weights.bin');
    });
  });
}

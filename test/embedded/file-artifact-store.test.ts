// The embedded file ArtifactStore runs the same contract suite as the Cloud Storage adapter.
import { promises as fsp } from 'node:fs';
import { createFileArtifactStore } from '../../functions/src/adapters/embedded/file-artifact-store';
import { artifactStoreContract } from '../contracts/artifact-store.contract';
import { tempDir } from '../helpers/runtime';

artifactStoreContract('embedded files', async () => {
  const dir = tempDir('shop-mlops-artifacts-');
  return { store: createFileArtifactStore(dir), cleanup: () => fsp.rm(dir, { recursive: true, force: true }) };
});

test('objects are written with owner-only permissions (exports hold customer data)', async () => {
  const dir = tempDir('shop-mlops-artifacts-');
  const store = createFileArtifactStore(dir);
  await store.put('privacy-exports/x.json', '{}', { contentType: 'application/json' });
  const st = await fsp.stat(store.uri('privacy-exports/x.json'));
  expect(st.mode & 0o077).toBe(0);
});

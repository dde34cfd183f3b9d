// The product's pipelines and the stores their artifacts live in: what the entry points (the pipeline verb, the step container) wire into the pipeline framework.
import type { Logger } from './core/log';
import { silentLogger } from './core/log';
import { createArtifactLocator, type ArtifactLocator } from './pipeline/artifacts';
import { exported, registerPipeline } from './pipeline/registry';
import { createFileArtifactStore } from './adapters/embedded/file-artifact-store';

// Loaded lazily: a step container loads only its own pipeline's code.
registerPipeline('training', () => exported(require('./training/pipeline'), 'training'));

/** Artifact URIs → stores: local paths to the file store, gs:// to the Cloud Storage adapter (loaded when a URI first names a bucket). */
export function productArtifactLocator(log: Logger = silentLogger): ArtifactLocator {
  return createArtifactLocator({
    files: createFileArtifactStore('/'),
    gcsStore: (bucket) => {
      const { createGcsArtifactStore } = require('./adapters/gcp/gcs-artifact-store') as typeof import('./adapters/gcp/gcs-artifact-store');
      return createGcsArtifactStore({ bucket, log });
    },
  });
}

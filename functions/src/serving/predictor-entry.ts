// Entry point of the serving container (Vertex AI custom container): AIP_* env, model files from AIP_STORAGE_URI, health 503 → 200 once loaded.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPredictorConfig } from '../core/config';
import { ShopMlopsError } from '../core/errors';
import { createLogger } from '../core/log';
import { predictorFromFiles, type ModelFiles, type Predictor } from './predictor';
import { createPredictorServer } from './predictor-server';

/** The container command (Model.containerSpec.command) in an image built like infra/pipeline/Dockerfile. */
export const PREDICTOR_COMMAND = ['node', 'functions/lib/serving/predictor-entry.js'] as const;

/** A version's files at a gs:// URI (what Vertex puts in AIP_STORAGE_URI), a file:// URI or a local directory. */
export function modelFiles(uri: string, storageOptions: import('@google-cloud/storage').StorageOptions = {}): ModelFiles {
  const gs = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (gs) {
    const [, bucket, prefix] = gs;
    const { Storage } = require('@google-cloud/storage') as typeof import('@google-cloud/storage');
    const b = new Storage(storageOptions).bucket(bucket!);
    return {
      uri,
      async read(name) {
        try {
          const [data] = await b.file(prefix ? `${prefix.replace(/\/$/, '')}/${name}` : name).download();
          return data;
        } catch (err) {
          if ((err as { code?: number }).code === 404) return null;
          throw ShopMlopsError.fromUnknown(err);
        }
      },
    };
  }
  const dir = uri.startsWith('file://') ? fileURLToPath(uri) : uri;
  return {
    uri,
    async read(name) {
      try {
        return await fsp.readFile(path.join(dir, name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
  };
}

async function main(): Promise<void> {
  const config = loadPredictorConfig();
  const log = createLogger({ level: config.logLevel, component: 'predictor' });
  const storageUri = config.storageUri;
  if (!storageUri) throw new ShopMlopsError('CONFIG_INVALID', 'AIP_STORAGE_URI: required (where the model version files are; Vertex sets it from the model artifactUri)');
  // The server listens before the model loads, so the health route answers 503 (not a refused connection) meanwhile.
  let inner: Predictor | null = null;
  const predictor: Predictor = {
    async load() {
      const p = await predictorFromFiles(modelFiles(storageUri));
      await p.load();
      inner = p;
    },
    predict: (instances, parameters) => inner!.predict(instances, parameters),
    healthy: () => inner?.healthy?.() ?? true,
  };
  const server = createPredictorServer({ predictor, healthRoute: config.healthRoute, predictRoute: config.predictRoute, maxBodyBytes: config.maxBodyBytes, log });
  const port = await server.listen(config.port, config.host);
  log.info('predictor listening', { port, healthRoute: config.healthRoute, predictRoute: config.predictRoute, storageUri });
  const stop = () => {
    log.info('predictor stopping');
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await server.load();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    const e = ShopMlopsError.fromUnknown(err, 'INTERNAL');
    process.stderr.write(JSON.stringify({ severity: 'ERROR', component: 'predictor', message: e.message, code: e.code }) + '\n');
    process.exit(1);
  });
}

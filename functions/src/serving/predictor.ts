// What the serving container hosts: the Predictor interface (instances → predictions, health), how a version's files are read, and the predictor kinds.
import { z } from 'zod';
import { ShopMlopsError } from '../core/errors';

export interface Predictor {
  /** Loads the version's model; until it resolves the health route answers 503 (Vertex waits for 200 before routing). */
  load(): Promise<void>;
  /** One prediction per instance, in order. Throw a BAD_REQUEST ShopMlopsError for instances it cannot score. */
  predict(instances: unknown[], parameters: Record<string, unknown>): Promise<unknown[]> | unknown[];
  /** After loading: false turns the health route to 503 (the replica is taken out of rotation). Default: healthy. */
  healthy?(): boolean;
}

/** A model version's files, where Vertex copied them (AIP_STORAGE_URI) or a local directory. */
export interface ModelFiles {
  uri: string;
  /** Null when the file does not exist. */
  read(name: string): Promise<Buffer | null>;
}

/** The file naming a version's predictor kind, next to its model files. */
export const PREDICTOR_MANIFEST = 'predictor.json';
const NAME = /^[a-z][a-z0-9_-]{0,62}$/;
export const manifestSchema = z.looseObject({ predictor: z.string().regex(NAME, 'must name a predictor kind') });
export type PredictorManifest = z.infer<typeof manifestSchema>;

export type PredictorFactory = (manifest: PredictorManifest, files: ModelFiles) => Predictor;

/**
 * `constant`: answers `prediction` for every instance. The stand-in model of a fresh endpoint and the bare handler that
 * serving benchmarks compare against; model kinds register their own factories next to it.
 */
const constantManifest = manifestSchema.extend({ prediction: z.unknown() });
export const constantPredictor: PredictorFactory = (manifest) => {
  const m = constantManifest.parse(manifest);
  let loaded = false;
  return {
    async load() {
      loaded = true;
    },
    predict(instances) {
      if (!loaded) throw new ShopMlopsError('UNAVAILABLE', 'predictor not loaded');
      return instances.map(() => m.prediction ?? null);
    },
  };
};

export const PREDICTORS: Record<string, PredictorFactory> = { constant: constantPredictor };

/** Reads the manifest and builds its predictor (not loaded yet). */
export async function predictorFromFiles(files: ModelFiles, kinds: Record<string, PredictorFactory> = PREDICTORS): Promise<Predictor> {
  const raw = await files.read(PREDICTOR_MANIFEST);
  if (!raw) throw new ShopMlopsError('CONFIG_INVALID', `${files.uri}: no ${PREDICTOR_MANIFEST} (it names the predictor kind of the version)`);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new ShopMlopsError('CONFIG_INVALID', `${files.uri}/${PREDICTOR_MANIFEST}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const m = manifestSchema.safeParse(json);
  if (!m.success) throw new ShopMlopsError('CONFIG_INVALID', `${files.uri}/${PREDICTOR_MANIFEST}: ${m.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const factory = kinds[m.data.predictor];
  if (!factory) throw new ShopMlopsError('CONFIG_INVALID', `${files.uri}/${PREDICTOR_MANIFEST}: unknown predictor ${m.data.predictor} (known: ${Object.keys(kinds).sort().join(', ')})`);
  return factory(m.data, files);
}

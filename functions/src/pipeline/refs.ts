// References between steps: a pipeline parameter or a step's output, as handed out by the pipeline builder (data flow makes the dependencies).
import type { ArtifactType, ParamType } from './io-spec';

export const REF = Symbol.for('shop-mlops.pipeline.ref');

export type RefSource = { from: 'param'; name: string } | { from: 'step'; step: string; output: string };

export interface RefData {
  source: RefSource;
  /** Known when the builder handed out the ref from a declared spec; by-name refs are typed at validation. */
  kind?: 'param' | 'artifact';
  paramType?: ParamType;
  artifactType?: ArtifactType;
}

/** A parameter value flowing into a step input or a condition. */
export interface ParamRef<T = unknown> {
  readonly [REF]: RefData;
  /** Type-level only. */
  readonly __value?: T;
  /** Type-level only: keeps artifact refs out of parameter inputs. */
  readonly __kind?: 'param';
}

/** An artifact flowing into a step input. */
export interface ArtifactRef {
  readonly [REF]: RefData;
  /** Type-level only: keeps parameter refs out of artifact inputs. */
  readonly __kind?: 'artifact';
}

export function makeRef(data: RefData): ParamRef<never> & ArtifactRef {
  return Object.freeze({ [REF]: Object.freeze(data) });
}

export const isRef = (v: unknown): v is ParamRef | ArtifactRef => typeof v === 'object' && v !== null && REF in v;
export const refData = (r: ParamRef | ArtifactRef): RefData => r[REF];

export function describeSource(s: RefSource): string {
  return s.from === 'param' ? `params.${s.name}` : `${s.step}.${s.output}`;
}

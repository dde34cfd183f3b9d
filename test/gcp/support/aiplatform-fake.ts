// In-process Vertex AI built from the protos @google-cloud/aiplatform ships, spoken to over its REST/JSON surface (the protos' google.api.http rules, the proto3 JSON mapping, strict: an unknown field is a 400):
// ModelService (registry), MetadataService (Experiments), EndpointService (traffic splits), PipelineService (job submission) and operations, with the services' naming, alias, etag and traffic rules.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import type { VertexClientOptions } from '../../../functions/src/adapters/gcp/vertex-common';
import { CODE_NAME, HTTP_STATUS, compileTemplate, httpRoutes, matchRoute, restRequestJson, toResponseJson, toServerObject, type RestRoute } from './proto-rest-front';

/* eslint-disable @typescript-eslint/no-explicit-any -- wire objects are whatever proto-loader decodes */

export interface RecordedCall {
  method: string;
  request: any;
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface FakeModelVersion {
  versionId: string;
  displayName: string;
  artifactUri: string;
  imageUri: string;
  labels: Record<string, string>;
  versionDescription: string;
  aliases: Set<string>;
  createdAt: Date;
  updatedAt: Date;
}

export interface FakeContext {
  name: string;
  displayName: string;
  schemaTitle: string;
  schemaVersion: string;
  metadata: { [k: string]: Json };
  labels: Record<string, string>;
  description: string;
  parentContexts: string[];
  artifacts: string[];
  executions: string[];
  etag: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface FakeExecution {
  name: string;
  displayName: string;
  schemaTitle: string;
  schemaVersion: string;
  state: string;
  metadata: { [k: string]: Json };
  etag: number;
  createdAt: Date;
  updatedAt: Date;
  events: Array<{ artifact: string; type: string; eventTime: Date }>;
}

export interface FakeArtifact {
  name: string;
  displayName: string;
  uri: string;
  schemaTitle: string;
  schemaVersion: string;
  state: string;
  metadata: { [k: string]: Json };
  createdAt: Date;
}

export interface FakeDeployedModel {
  id: string;
  /** The model resource as deployed (without the version). */
  model: string;
  modelVersionId: string;
  displayName: string;
  dedicatedResources: any;
  createdAt: Date;
}

export interface FakeEndpoint {
  name: string;
  displayName: string;
  description: string;
  labels: Record<string, string>;
  deployedModels: FakeDeployedModel[];
  trafficSplit: Record<string, number>;
  etag: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface FakeAiplatform {
  host: string;
  port: number;
  /** http://127.0.0.1:PORT: the REST origin (what apiEndpoint takes). */
  origin: string;
  /** Requests refused before reaching a service method: no route for the URL, or a body that is not the request type's JSON. */
  refused: string[];
  /** Every RPC received, in order (failed ones included), with its request decoded as a gRPC server would see it. */
  calls: RecordedCall[];
  models: Map<string, { name: string; versions: FakeModelVersion[] }>;
  stores: Set<string>;
  contexts: Map<string, FakeContext>;
  executions: Map<string, FakeExecution>;
  artifacts: Map<string, FakeArtifact>;
  operations: Map<string, { polls: number; done: boolean; response: { type_url: string; value: Buffer } | null }>;
  endpoints: Map<string, FakeEndpoint>;
  pipelineJobs: Map<string, any>;
  /** Puts a model with versions 1..n into the registry (what deployModel resolves), without going through UploadModel. */
  seedModel(modelId: string, versions: number): void;
  /** Makes the next `count` calls of `method` (e.g. 'UploadModel') fail with this status (google.rpc code; answered as its HTTP status). */
  failNext(method: string, code: grpc.status, count?: number, message?: string): void;
  /** Runs once just before the next call of `method` is handled (to let "another client" act in between). */
  beforeNext(method: string, fn: () => void): void;
  /** Calls of one method, in order. */
  callsOf(method: string): any[];
  reset(): void;
  stop(): Promise<void>;
}

const aipRoot = path.dirname(require.resolve('@google-cloud/aiplatform/package.json'));
/** google-gax as @google-cloud/aiplatform resolves it (its package.json is not exported: walk up from the entry). */
function packageRoot(entry: string, name: string): string {
  let dir = path.dirname(entry);
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== name) dir = path.dirname(dir);
  return dir;
}
const gaxRoot = packageRoot(require.resolve('google-gax', { paths: [aipRoot] }), 'google-gax');
const INCLUDE = [path.join(aipRoot, 'build/protos'), path.join(gaxRoot, 'build/protos')];
const FILES = ['google/cloud/aiplatform/v1/model_service.proto', 'google/cloud/aiplatform/v1/metadata_service.proto', 'google/cloud/aiplatform/v1/endpoint_service.proto', 'google/cloud/aiplatform/v1/pipeline_service.proto', 'google/longrunning/operations.proto'];
const SERVICES = ['ModelService', 'MetadataService', 'EndpointService', 'PipelineService'].map((s) => `google.cloud.aiplatform.v1.${s}`);

/** The protos, with their google.api.http options (protobufjs keeps them as parsedOptions). */
function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => INCLUDE.map((d) => path.join(d, target)).find((p) => existsSync(p)) ?? target;
  root.loadSync(FILES);
  root.resolveAll();
  return root;
}

/**
 * Operations.GetOperation on Vertex: `GET v1/{name=projects/*\/locations/*\/<resource>/*\/operations/*}` (the service
 * config's http rules for the google.longrunning mixin, which the generated clients carry as lroOptions.httpRules;
 * operations.proto's own rule is the generic `/v1/{name=operations/**}`).
 */
function operationRoute(root: protobuf.Root): RestRoute {
  const template = '/v1/{name=projects/*/locations/*/**/operations/*}';
  return { method: 'GetOperation', httpMethod: 'GET', template, body: undefined, ...compileTemplate(template), requestType: root.lookupType('google.longrunning.GetOperationRequest'), responseType: root.lookupType('google.longrunning.Operation') };
}

// ---- Struct <-> JSON as it appears on the wire (proto-loader objects) ----

export function structToJs(s: any): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries((s?.fields ?? {}) as Record<string, any>)) out[k] = valueToJs(v);
  return out;
}
function valueToJs(v: any): Json {
  if (!v) return null;
  const kind: string | undefined = v.kind ?? ['structValue', 'listValue', 'stringValue', 'numberValue', 'boolValue', 'nullValue'].find((k) => v[k] !== undefined && v[k] !== null);
  if (kind === 'structValue') return structToJs(v.structValue);
  if (kind === 'listValue') return ((v.listValue?.values ?? []) as any[]).map(valueToJs);
  if (kind === 'stringValue') return v.stringValue as string;
  if (kind === 'numberValue') return Number(v.numberValue);
  if (kind === 'boolValue') return Boolean(v.boolValue);
  return null;
}
function jsToValue(v: Json): any {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(jsToValue) } };
  return { structValue: jsToStruct(v) };
}
export function jsToStruct(o: { [k: string]: Json }): any {
  return { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k.trim(), jsToValue(v)])) };
}

const ts = (d: Date) => ({ seconds: String(Math.floor(d.getTime() / 1000)), nanos: (d.getTime() % 1000) * 1e6 });
class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

const ALIAS = /^[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]$/;
const MODEL_ID = /^[a-z_][a-z0-9_-]{0,62}$/;
const METADATA_ID = /^[a-z0-9][a-z0-9-]{3,127}$/;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

/**
 * The subset of AIP-160 filters the Vertex SDK sends for contexts: `schema_title="…"` and `parent_contexts:"…"`
 * joined with AND. Anything else is INVALID_ARGUMENT, so a typo in an adapter's filter fails loudly.
 */
function contextFilter(filter: string): (c: FakeContext) => boolean {
  if (!filter.trim()) return () => true;
  const preds = filter.split(/\s+AND\s+/).map((term) => {
    let m = /^schema_title\s*=\s*"([^"]*)"$/.exec(term.trim());
    if (m) {
      const v = m[1]!;
      return (c: FakeContext) => c.schemaTitle === v;
    }
    m = /^parent_contexts:"([^"]*)"$/.exec(term.trim());
    if (m) {
      const v = m[1]!;
      return (c: FakeContext) => c.parentContexts.includes(v);
    }
    throw new RpcError(grpc.status.INVALID_ARGUMENT, `fake: unsupported filter term ${JSON.stringify(term)}`);
  });
  return (c) => preds.every((p) => p(c));
}

function validateLabels(labels: Record<string, string>): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (!LABEL_KEY.test(k) || !LABEL_VALUE.test(v)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `invalid label ${k}=${v}`);
  }
}

export async function startFakeAiplatform(opts: { project: string; location: string; pageSize?: number }): Promise<FakeAiplatform> {
  const root = loadRoot();
  const routes = [...httpRoutes(root, SERVICES), operationRoute(root)];
  const encodeAny = (type: string, value: object) => {
    const T = root.lookupType(type);
    return { type_url: `type.googleapis.com/${type}`, value: Buffer.from(T.encode(T.fromObject(value)).finish()) };
  };
  const location = `projects/${opts.project}/locations/${opts.location}`;
  const pageSize = opts.pageSize ?? 2;

  const calls: RecordedCall[] = [];
  const failures = new Map<string, { code: grpc.status; left: number; message: string }>();
  const refused: string[] = [];
  const pipelineJobs = new Map<string, any>();
  const hooks = new Map<string, () => void>();
  const models = new Map<string, { name: string; versions: FakeModelVersion[] }>();
  const stores = new Set<string>();
  const contexts = new Map<string, FakeContext>();
  const executions = new Map<string, FakeExecution>();
  const artifacts = new Map<string, FakeArtifact>();
  const operations = new Map<string, { polls: number; done: boolean; response: { type_url: string; value: Buffer } | null; finish?: () => void }>();
  const endpoints = new Map<string, FakeEndpoint>();
  let seq = 0;
  /** Update times that never repeat (Vertex's carry microseconds; two changes in one millisecond must still differ). */
  let lastTick = 0;
  const tick = () => new Date((lastTick = Math.max(Date.now(), lastTick + 1)));

  const startOperation = (prefix: string, finish: () => { type: string; value: object }) => {
    const name = `${prefix}/operations/${++seq}`;
    const op = { polls: 0, done: false, response: null as { type_url: string; value: Buffer } | null, finish: () => undefined as void };
    op.finish = () => {
      const r = finish();
      op.response = encodeAny(r.type, r.value);
      op.done = true;
    };
    operations.set(name, op);
    return { name, done: false };
  };

  // ---- model registry ----
  const modelView = (name: string, v: FakeModelVersion) => ({
    name,
    versionId: v.versionId,
    versionAliases: [...v.aliases].sort(),
    displayName: v.displayName,
    artifactUri: v.artifactUri,
    labels: v.labels,
    versionDescription: v.versionDescription,
    createTime: ts(v.createdAt),
    updateTime: ts(v.updatedAt),
    versionCreateTime: ts(v.createdAt),
    versionUpdateTime: ts(v.updatedAt),
    etag: `v${v.versionId}-${v.updatedAt.getTime()}`,
  });
  const parseModelName = (full: string): { model: string; ref: string | null } => {
    const m = /^(projects\/[^/]+\/locations\/[^/]+)\/models\/([^/@]+)(?:@([^/]+))?$/.exec(full);
    if (!m || m[1] !== location) throw new RpcError(grpc.status.INVALID_ARGUMENT, `bad model name ${full}`);
    return { model: `${m[1]}/models/${m[2]}`, ref: m[3] ?? null };
  };
  const findVersion = (full: string): { name: string; v: FakeModelVersion } => {
    const { model, ref } = parseModelName(full);
    const entry = models.get(model);
    if (!entry) throw new RpcError(grpc.status.NOT_FOUND, `Model ${model} not found`);
    const r = ref ?? 'default';
    const v = /^\d+$/.test(r) ? entry.versions.find((x) => x.versionId === r) : entry.versions.find((x) => x.aliases.has(r));
    if (!v) throw new RpcError(grpc.status.NOT_FOUND, `Model ${full} not found`);
    return { name: model, v };
  };
  /** Adds an alias to a version, taking it off whichever version of the model held it: one step, never two holders. */
  const moveAlias = (entry: { versions: FakeModelVersion[] }, alias: string, to: FakeModelVersion) => {
    for (const v of entry.versions) if (v !== to && v.aliases.delete(alias)) v.updatedAt = tick();
    to.aliases.add(alias);
    to.updatedAt = tick();
  };

  const modelService: Record<string, (req: any) => any> = {
    UploadModel(req) {
      if (req.parent !== location) throw new RpcError(grpc.status.INVALID_ARGUMENT, `parent must be ${location}, got ${req.parent}`);
      const m = req.model;
      if (!m?.displayName) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'model.display_name is required');
      if (!m.containerSpec?.imageUri) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'model.container_spec.image_uri is required for custom models');
      if (!/^gs:\/\/[^/]+\/.+/.test(m.artifactUri)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `artifact_uri must be a gs:// directory, got ${m.artifactUri}`);
      validateLabels(m.labels);
      const aliases: string[] = m.versionAliases ?? [];
      for (const a of aliases) if (!ALIAS.test(a)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `invalid version alias ${a}`);
      if (new Set(aliases).size !== aliases.length) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'duplicate version aliases');
      let entry: { name: string; versions: FakeModelVersion[] };
      if (req.parentModel) {
        const { model, ref } = parseModelName(req.parentModel);
        if (ref) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'parent_model must not name a version');
        const e = models.get(model);
        if (!e) throw new RpcError(grpc.status.NOT_FOUND, `parent model ${model} not found`);
        entry = e;
      } else {
        const id = req.modelId || `${++seq}${Date.now()}`;
        if (!MODEL_ID.test(id)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `invalid model_id ${id}`);
        const name = `${location}/models/${id}`;
        if (models.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, `Model ${name} already exists`);
        entry = { name, versions: [] };
        models.set(name, entry);
      }
      const now = new Date();
      const v: FakeModelVersion = {
        versionId: String(entry.versions.length + 1),
        displayName: m.displayName,
        artifactUri: m.artifactUri,
        imageUri: m.containerSpec.imageUri,
        labels: { ...m.labels },
        versionDescription: m.versionDescription ?? '',
        aliases: new Set(),
        createdAt: now,
        updatedAt: now,
      };
      entry.versions.push(v);
      if (entry.versions.length === 1) v.aliases.add('default');
      for (const a of aliases) moveAlias(entry, a, v);
      return startOperation(entry.name, () => ({ type: 'google.cloud.aiplatform.v1.UploadModelResponse', value: { model: entry.name, modelVersionId: v.versionId } }));
    },
    GetModel(req) {
      const { name, v } = findVersion(req.name);
      return modelView(name, v);
    },
    ListModelVersions(req) {
      const { model, ref } = parseModelName(req.name);
      if (ref) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'name must not name a version');
      const entry = models.get(model);
      if (!entry) throw new RpcError(grpc.status.NOT_FOUND, `Model ${model} not found`);
      const start = Number(req.pageToken || 0);
      const size = Math.min(req.pageSize || pageSize, pageSize);
      const page = entry.versions.slice(start, start + size);
      return { models: page.map((v) => modelView(model, v)), nextPageToken: start + size < entry.versions.length ? String(start + size) : '' };
    },
    MergeVersionAliases(req) {
      const { ref } = parseModelName(req.name);
      if (!ref || !/^\d+$/.test(ref)) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'name must include an explicit version id');
      const { name, v } = findVersion(req.name);
      const entry = models.get(name)!;
      const list: string[] = req.versionAliases ?? [];
      if (!list.length) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'version_aliases is required');
      for (const raw of list) {
        const a = raw.startsWith('-') ? raw.slice(1) : raw;
        if (!ALIAS.test(a)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `invalid version alias ${raw}`);
        if (a === 'default' && raw.startsWith('-')) throw new RpcError(grpc.status.FAILED_PRECONDITION, 'the default alias cannot be removed; move it to another version');
      }
      for (const raw of list) {
        if (raw.startsWith('-')) {
          if (v.aliases.delete(raw.slice(1))) v.updatedAt = tick();
        } else moveAlias(entry, raw, v);
      }
      return modelView(name, v);
    },
  };

  // ---- metadata (Experiments) ----
  const requireStore = (parent: string) => {
    if (!stores.has(parent)) throw new RpcError(grpc.status.NOT_FOUND, `MetadataStore ${parent} not found`);
  };
  const contextView = (c: FakeContext) => ({
    name: c.name,
    displayName: c.displayName,
    etag: String(c.etag),
    labels: c.labels,
    createTime: ts(c.createdAt),
    updateTime: ts(c.updatedAt),
    parentContexts: c.parentContexts,
    schemaTitle: c.schemaTitle,
    schemaVersion: c.schemaVersion,
    metadata: jsToStruct(c.metadata),
    description: c.description,
  });
  const executionView = (e: FakeExecution) => ({
    name: e.name,
    displayName: e.displayName,
    state: e.state,
    etag: String(e.etag),
    createTime: ts(e.createdAt),
    updateTime: ts(e.updatedAt),
    schemaTitle: e.schemaTitle,
    schemaVersion: e.schemaVersion,
    metadata: jsToStruct(e.metadata),
  });
  const artifactView = (a: FakeArtifact) => ({ name: a.name, displayName: a.displayName, uri: a.uri, state: a.state, schemaTitle: a.schemaTitle, schemaVersion: a.schemaVersion, metadata: jsToStruct(a.metadata), createTime: ts(a.createdAt), updateTime: ts(a.createdAt), etag: '1' });
  const getCtx = (name: string) => {
    const c = contexts.get(name);
    if (!c) throw new RpcError(grpc.status.NOT_FOUND, `Context ${name} not found`);
    return c;
  };

  const metadataService: Record<string, (req: any) => any> = {
    GetMetadataStore(req) {
      if (!stores.has(req.name)) throw new RpcError(grpc.status.NOT_FOUND, `MetadataStore ${req.name} not found`);
      return { name: req.name, description: '' };
    },
    CreateMetadataStore(req) {
      if (req.parent !== location) throw new RpcError(grpc.status.INVALID_ARGUMENT, `parent must be ${location}`);
      const name = `${req.parent}/metadataStores/${req.metadataStoreId || 'default'}`;
      if (stores.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, `MetadataStore ${name} already exists`);
      stores.add(name);
      return startOperation(name, () => ({ type: 'google.cloud.aiplatform.v1.MetadataStore', value: { name } }));
    },
    CreateContext(req) {
      requireStore(req.parent);
      const id: string = req.contextId;
      if (!METADATA_ID.test(id)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `context_id ${JSON.stringify(id)}: 4-128 characters of [a-z0-9-]`);
      const name = `${req.parent}/contexts/${id}`;
      if (contexts.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, `Context ${name} already exists`);
      const c = req.context;
      if (!c.schemaTitle) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'schema_title is required');
      validateLabels(c.labels);
      const now = new Date();
      const ctx: FakeContext = { name, displayName: c.displayName, schemaTitle: c.schemaTitle, schemaVersion: c.schemaVersion, metadata: structToJs(c.metadata), labels: { ...c.labels }, description: c.description ?? '', parentContexts: [], artifacts: [], executions: [], etag: 1, createdAt: now, updatedAt: now };
      contexts.set(name, ctx);
      return contextView(ctx);
    },
    GetContext(req) {
      return contextView(getCtx(req.name));
    },
    ListContexts(req) {
      requireStore(req.parent);
      const keep = contextFilter(req.filter ?? '');
      const all = [...contexts.values()].filter((c) => c.name.startsWith(`${req.parent}/contexts/`) && keep(c));
      const start = Number(req.pageToken || 0);
      const size = Math.min(req.pageSize || pageSize, pageSize);
      return { contexts: all.slice(start, start + size).map(contextView), nextPageToken: start + size < all.length ? String(start + size) : '' };
    },
    UpdateContext(req) {
      const c = getCtx(req.context.name);
      // etag: a stale one is rejected (consistent read-modify-write); an empty one is a blind overwrite.
      if (req.context.etag && req.context.etag !== String(c.etag)) throw new RpcError(grpc.status.ABORTED, `etag mismatch for ${c.name}: sent ${req.context.etag}, current ${c.etag}`);
      const paths: string[] = req.updateMask?.paths ?? [];
      const has = (p: string) => paths.length === 0 || paths.includes(p);
      if (has('display_name')) c.displayName = req.context.displayName;
      if (has('metadata')) c.metadata = structToJs(req.context.metadata);
      if (has('labels')) {
        validateLabels(req.context.labels);
        c.labels = { ...req.context.labels };
      }
      if (has('description')) c.description = req.context.description;
      c.etag++;
      c.updatedAt = new Date();
      return contextView(c);
    },
    AddContextChildren(req) {
      const parent = getCtx(req.context);
      for (const childName of req.childContexts as string[]) {
        const child = getCtx(childName);
        if (childName === parent.name) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'a context cannot be its own child');
        if (!child.parentContexts.includes(parent.name)) child.parentContexts.push(parent.name);
      }
      return {};
    },
    AddContextArtifactsAndExecutions(req) {
      const c = getCtx(req.context);
      for (const a of req.artifacts as string[]) {
        if (!artifacts.has(a)) throw new RpcError(grpc.status.NOT_FOUND, `Artifact ${a} not found`);
        if (!c.artifacts.includes(a)) c.artifacts.push(a);
      }
      for (const e of req.executions as string[]) {
        if (!executions.has(e)) throw new RpcError(grpc.status.NOT_FOUND, `Execution ${e} not found`);
        if (!c.executions.includes(e)) c.executions.push(e);
      }
      return {};
    },
    CreateExecution(req) {
      requireStore(req.parent);
      const id: string = req.executionId || `exec${++seq}`;
      if (!METADATA_ID.test(id)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `execution_id ${JSON.stringify(id)}: 4-128 characters of [a-z0-9-]`);
      const name = `${req.parent}/executions/${id}`;
      if (executions.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, `Execution ${name} already exists`);
      const e = req.execution;
      const now = new Date();
      const x: FakeExecution = { name, displayName: e.displayName, schemaTitle: e.schemaTitle, schemaVersion: e.schemaVersion, state: e.state, metadata: structToJs(e.metadata), etag: 1, createdAt: now, updatedAt: now, events: [] };
      executions.set(name, x);
      return executionView(x);
    },
    UpdateExecution(req) {
      const x = executions.get(req.execution.name);
      if (!x) throw new RpcError(grpc.status.NOT_FOUND, `Execution ${req.execution.name} not found`);
      if (req.execution.etag && req.execution.etag !== String(x.etag)) throw new RpcError(grpc.status.ABORTED, `etag mismatch for ${x.name}`);
      x.state = req.execution.state;
      x.metadata = structToJs(req.execution.metadata);
      x.etag++;
      x.updatedAt = new Date();
      return executionView(x);
    },
    CreateArtifact(req) {
      requireStore(req.parent);
      const id: string = req.artifactId || `artifact${++seq}`;
      const name = `${req.parent}/artifacts/${id}`;
      if (artifacts.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, `Artifact ${name} already exists`);
      const a = req.artifact;
      const x: FakeArtifact = { name, displayName: a.displayName, uri: a.uri, schemaTitle: a.schemaTitle, schemaVersion: a.schemaVersion, state: a.state, metadata: structToJs(a.metadata), createdAt: new Date() };
      artifacts.set(name, x);
      return artifactView(x);
    },
    AddExecutionEvents(req) {
      const x = executions.get(req.execution);
      if (!x) throw new RpcError(grpc.status.NOT_FOUND, `Execution ${req.execution} not found`);
      for (const ev of req.events as any[]) {
        if (!artifacts.has(ev.artifact)) throw new RpcError(grpc.status.NOT_FOUND, `Artifact ${ev.artifact} not found`);
        if (ev.type !== 'INPUT' && ev.type !== 'OUTPUT') throw new RpcError(grpc.status.INVALID_ARGUMENT, `event type ${ev.type}`);
        x.events.push({ artifact: ev.artifact, type: ev.type, eventTime: new Date() });
      }
      return {};
    },
  };

  // ---- endpoints (traffic splits) ----
  const ENDPOINT_ID = /^(?:[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?|[1-9][0-9]{0,8})$/;
  const DEPLOYED_MODEL_ID = /^[0-9]{1,10}$/;
  const endpointView = (e: FakeEndpoint) => ({
    name: e.name,
    displayName: e.displayName,
    description: e.description,
    labels: e.labels,
    deployedModels: e.deployedModels.map((d) => ({ id: d.id, model: d.model, modelVersionId: d.modelVersionId, displayName: d.displayName, dedicatedResources: d.dedicatedResources, createTime: ts(d.createdAt) })),
    trafficSplit: e.trafficSplit,
    etag: String(e.etag),
    createTime: ts(e.createdAt),
    updateTime: ts(e.updatedAt),
  });
  const getEndpoint = (name: string) => {
    const e = endpoints.get(name);
    if (!e) throw new RpcError(grpc.status.NOT_FOUND, `Endpoint ${name} not found`);
    return e;
  };
  /** Endpoint.traffic_split: keys are deployed model ids of the endpoint, values whole percents adding up to 100 (or an empty map: no traffic). */
  const checkSplit = (split: Record<string, number>, ids: string[], what: string) => {
    const entries = Object.entries(split ?? {});
    if (!entries.length) return;
    for (const [k, v] of entries) {
      if (!ids.includes(k)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `${what}: ${k} is not a DeployedModel of the endpoint`);
      if (!Number.isInteger(v) || v < 0 || v > 100) throw new RpcError(grpc.status.INVALID_ARGUMENT, `${what}: ${k}=${v} is not a percentage`);
    }
    const sum = entries.reduce((a, [, v]) => a + v, 0);
    if (sum !== 100) throw new RpcError(grpc.status.INVALID_ARGUMENT, `${what}: the traffic percentages must add up to 100, got ${sum}`);
  };
  const touch = (e: FakeEndpoint) => {
    e.etag++;
    e.updatedAt = new Date();
  };

  const endpointService: Record<string, (req: any) => any> = {
    CreateEndpoint(req) {
      if (req.parent !== location) throw new RpcError(grpc.status.INVALID_ARGUMENT, `parent must be ${location}, got ${req.parent}`);
      const id: string = req.endpointId || String(++seq + 100000);
      if (!ENDPOINT_ID.test(id)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `invalid endpoint_id ${JSON.stringify(id)}`);
      const name = `${location}/endpoints/${id}`;
      if (endpoints.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, `Endpoint ${name} already exists`);
      if (!req.endpoint?.displayName) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'endpoint.display_name is required');
      if ((req.endpoint.deployedModels ?? []).length) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'deployed_models is output only');
      validateLabels(req.endpoint.labels);
      const now = new Date();
      const e: FakeEndpoint = { name, displayName: req.endpoint.displayName, description: req.endpoint.description ?? '', labels: { ...req.endpoint.labels }, deployedModels: [], trafficSplit: {}, etag: 1, createdAt: now, updatedAt: now };
      endpoints.set(name, e);
      return startOperation(name, () => ({ type: 'google.cloud.aiplatform.v1.Endpoint', value: endpointView(e) }));
    },
    GetEndpoint(req) {
      return endpointView(getEndpoint(req.name));
    },
    UpdateEndpoint(req) {
      const e = getEndpoint(req.endpoint?.name);
      if (req.endpoint.etag && req.endpoint.etag !== String(e.etag)) throw new RpcError(grpc.status.ABORTED, `etag mismatch for ${e.name}: sent ${req.endpoint.etag}, current ${e.etag}`);
      const paths: string[] = req.updateMask?.paths ?? [];
      if (!paths.length) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'update_mask is required');
      for (const path of paths) if (!['display_name', 'description', 'labels', 'traffic_split'].includes(path)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `update_mask: ${path} cannot be updated`);
      if (paths.includes('traffic_split')) checkSplit(req.endpoint.trafficSplit, e.deployedModels.map((d) => d.id), 'traffic_split');
      if (paths.includes('labels')) validateLabels(req.endpoint.labels);
      if (paths.includes('display_name')) {
        if (!req.endpoint.displayName) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'display_name is required');
        e.displayName = req.endpoint.displayName;
      }
      if (paths.includes('description')) e.description = req.endpoint.description;
      if (paths.includes('labels')) e.labels = { ...req.endpoint.labels };
      // The whole map is replaced: a deployed model missing from it gets no traffic.
      if (paths.includes('traffic_split')) e.trafficSplit = { ...req.endpoint.trafficSplit };
      touch(e);
      return endpointView(e);
    },
    DeployModel(req) {
      const e = getEndpoint(req.endpoint);
      const dm = req.deployedModel;
      if (!dm?.model) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'deployed_model.model is required');
      const { name: model, v } = findVersion(dm.model);
      if (!dm.dedicatedResources?.machineSpec?.machineType) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'custom models need dedicated_resources with a machine_spec.machine_type');
      if (!(dm.dedicatedResources.minReplicaCount >= 1)) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'dedicated_resources.min_replica_count must be at least 1');
      const id: string = dm.id || String(1000000 + ++seq);
      if (!DEPLOYED_MODEL_ID.test(id)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `DeployedModel id ${JSON.stringify(id)} must be 1-10 digits`);
      if (e.deployedModels.some((d) => d.id === id)) throw new RpcError(grpc.status.ALREADY_EXISTS, `DeployedModel ${id} already exists in ${e.name}`);
      // traffic_split: "0" names the model being deployed; a non-empty map replaces the endpoint's split.
      const raw: Record<string, number> = { ...(req.trafficSplit ?? {}) };
      const split = Object.fromEntries(Object.entries(raw).map(([k, val]) => [k === '0' ? id : k, val]));
      checkSplit(split, [...e.deployedModels.map((d) => d.id), id], 'traffic_split');
      const deployed: FakeDeployedModel = { id, model, modelVersionId: v.versionId, displayName: dm.displayName ?? '', dedicatedResources: dm.dedicatedResources, createdAt: new Date() };
      return startOperation(e.name, () => {
        e.deployedModels.push(deployed);
        if (Object.keys(split).length) e.trafficSplit = split;
        touch(e);
        return { type: 'google.cloud.aiplatform.v1.DeployModelResponse', value: { deployedModel: endpointView(e).deployedModels.at(-1)! } };
      });
    },
    UndeployModel(req) {
      const e = getEndpoint(req.endpoint);
      const id: string = req.deployedModelId;
      if (!e.deployedModels.some((d) => d.id === id)) throw new RpcError(grpc.status.NOT_FOUND, `DeployedModel ${id} not found in ${e.name}`);
      const remaining = e.deployedModels.filter((d) => d.id !== id).map((d) => d.id);
      const given: Record<string, number> = { ...(req.trafficSplit ?? {}) };
      if (Object.keys(given).length) checkSplit(given, remaining, 'traffic_split');
      else if ((e.trafficSplit[id] ?? 0) > 0) throw new RpcError(grpc.status.FAILED_PRECONDITION, `DeployedModel ${id} still has ${e.trafficSplit[id]} % of the traffic of ${e.name}; take it away first`);
      return startOperation(e.name, () => {
        e.deployedModels = e.deployedModels.filter((d) => d.id !== id);
        if (Object.keys(given).length) e.trafficSplit = given;
        else delete e.trafficSplit[id];
        if (!e.deployedModels.length) e.trafficSplit = {};
        touch(e);
        return { type: 'google.cloud.aiplatform.v1.UndeployModelResponse', value: {} };
      });
    },
  };

  const operationsService: Record<string, (req: any) => any> = {
    GetOperation(req) {
      const op = operations.get(req.name);
      if (!op) throw new RpcError(grpc.status.NOT_FOUND, `operation ${req.name} not found`);
      op.polls++;
      if (!op.done) op.finish?.();
      return { name: req.name, done: true, response: op.response };
    },
  };

  // ---- pipelines (job submission) ----
  const pipelineService: Record<string, (req: any) => any> = {
    CreatePipelineJob(req) {
      if (req.parent !== location) throw new RpcError(grpc.status.INVALID_ARGUMENT, `parent must be ${location}, got ${req.parent}`);
      const id: string = req.pipelineJobId || `pipeline-job-${++seq}`;
      if (!/^[a-z][a-z0-9-]{0,127}$/.test(id)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `invalid pipeline_job_id ${JSON.stringify(id)}`);
      const name = `${location}/pipelineJobs/${id}`;
      if (pipelineJobs.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, `PipelineJob ${name} already exists`);
      const job = req.pipelineJob;
      if (!job?.pipelineSpec?.fields || !Object.keys(job.pipelineSpec.fields).length) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'pipeline_spec is required');
      if (!/^gs:\/\/[^/]+/.test(job.runtimeConfig?.gcsOutputDirectory ?? '')) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'runtime_config.gcs_output_directory must be a gs:// URI');
      validateLabels(job.labels);
      const created = { ...job, name, state: 'PIPELINE_STATE_QUEUED', createTime: ts(new Date()) };
      pipelineJobs.set(name, created);
      return created;
    },
  };

  const handlers: Record<string, (req: any) => any> = { ...modelService, ...metadataService, ...endpointService, ...pipelineService, ...operationsService };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  };
  /** google.rpc.Status as Google's REST front ends answer it: `{"error": {"code": <HTTP status>, "message", "status": "<CODE NAME>"}}`. */
  const sendError = (res: ServerResponse, code: grpc.status, message: string) => send(res, HTTP_STATUS[code] ?? 500, { error: { code: HTTP_STATUS[code] ?? 500, message, status: CODE_NAME[code] ?? 'UNKNOWN' } });

  const serve = (req: IncomingMessage, text: string, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (!/^Bearer \S+$/.test(req.headers.authorization ?? '')) return sendError(res, grpc.status.UNAUTHENTICATED, 'Request is missing required authentication credential.');
    const hit = matchRoute(routes, req.method ?? 'GET', url.pathname);
    if (!hit) {
      refused.push(`${req.method} ${url.pathname}: no http rule matches`);
      return sendError(res, grpc.status.UNIMPLEMENTED, `fake Vertex AI: no http rule matches ${req.method} ${url.pathname}`);
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      refused.push(`${hit.route.method}: body is not JSON`);
      return sendError(res, grpc.status.INVALID_ARGUMENT, 'Invalid JSON payload received.');
    }
    const { json, errors } = restRequestJson(hit.route, hit.vars, url.searchParams, body);
    if (errors.length) {
      refused.push(...errors);
      return sendError(res, grpc.status.INVALID_ARGUMENT, `Invalid JSON payload received. ${errors.join('; ')}`);
    }
    const name = hit.route.method;
    const request = toServerObject(hit.route.requestType, json);
    calls.push({ method: name, request });
    const f = failures.get(name);
    if (f && f.left > 0) {
      f.left--;
      return sendError(res, f.code, f.message);
    }
    const handler = handlers[name];
    if (!handler) return sendError(res, grpc.status.UNIMPLEMENTED, `fake Vertex AI has no ${name}`);
    const hook = hooks.get(name);
    hooks.delete(name);
    try {
      hook?.();
      send(res, 200, toResponseJson(root, hit.route.responseType, handler(request)));
    } catch (err) {
      if (err instanceof RpcError) sendError(res, err.code, err.message);
      else sendError(res, grpc.status.INTERNAL, String(err));
    }
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => serve(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    port,
    origin: `http://127.0.0.1:${port}`,
    refused,
    calls,
    models,
    stores,
    contexts,
    executions,
    artifacts,
    operations,
    endpoints,
    pipelineJobs,
    seedModel: (modelId, n) => {
      const name = `${location}/models/${modelId}`;
      const entry = models.get(name) ?? { name, versions: [] };
      models.set(name, entry);
      const now = new Date();
      while (entry.versions.length < n) {
        const versionId = String(entry.versions.length + 1);
        entry.versions.push({ versionId, displayName: modelId, artifactUri: `gs://seed/${modelId}/${versionId}`, imageUri: 'seed', labels: {}, versionDescription: '', aliases: new Set(versionId === '1' ? ['default'] : []), createdAt: now, updatedAt: now });
      }
    },
    failNext: (method, code, count = 1, message = 'injected failure') => failures.set(method, { code, left: count, message }),
    beforeNext: (method, fn) => hooks.set(method, fn),
    callsOf: (method) => calls.filter((c) => c.method === method).map((c) => c.request),
    reset: () => {
      calls.length = 0;
      failures.clear();
      hooks.clear();
      models.clear();
      stores.clear();
      contexts.clear();
      executions.clear();
      artifacts.clear();
      operations.clear();
      endpoints.clear();
      pipelineJobs.clear();
      refused.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What the adapters' REST transport takes to talk to the fake: its origin, a bearer token (the fake requires one), no wait before polling an operation. */
export function fakeClientOptions(fake: FakeAiplatform): VertexClientOptions {
  return { apiEndpoint: fake.origin, auth: { getRequestHeaders: async () => ({ authorization: 'Bearer fake-token' }) }, poll: { initialMs: 0 } };
}

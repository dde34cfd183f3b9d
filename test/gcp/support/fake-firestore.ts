// In-process Firestore speaking the real gRPC wire protocol (built from the protos @google-cloud/firestore ships): BatchGetDocuments, Commit, RunQuery (equality / IS_NULL filters) over an in-memory document map.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

type Value = Record<string, unknown>;
type Fields = Record<string, Value>;
interface Doc {
  name: string;
  fields: Fields;
  createTime: { seconds: string; nanos: number };
  updateTime: { seconds: string; nanos: number };
}

export interface FakeFirestore {
  port: number;
  /** Documents by full name, their fields decoded to plain values. */
  documents(): Map<string, Record<string, unknown>>;
  stop(): Promise<void>;
}

const root = path.dirname(require.resolve('@google-cloud/firestore/package.json'));
function packageRoot(entry: string): string {
  let dir = path.dirname(entry);
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== 'google-gax') dir = path.dirname(dir);
  return dir;
}
const gaxRoot = packageRoot(require.resolve('google-gax', { paths: [root] }));

export function decodeValue(v: Value): unknown {
  const kind = v['valueType'] as string;
  const x = v[kind];
  switch (kind) {
    case 'nullValue':
      return null;
    case 'mapValue':
      return decodeFields(((x as { fields?: Fields }).fields ?? {}) as Fields);
    case 'arrayValue':
      return ((x as { values?: Value[] }).values ?? []).map(decodeValue);
    case 'integerValue':
      return Number(x);
    default:
      return x;
  }
}
const decodeFields = (f: Fields): Record<string, unknown> => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, decodeValue(v)]));

const now = () => {
  const ms = Date.now();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
};

export async function startFakeFirestore(): Promise<FakeFirestore> {
  const def = protoLoader.loadSync('google/firestore/v1/firestore.proto', {
    includeDirs: [path.join(root, 'build/protos'), path.join(gaxRoot, 'build/protos')],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { google: { firestore: { v1: { Firestore: { service: grpc.ServiceDefinition } } } } };
  const docs = new Map<string, Doc>();
  const server = new grpc.Server();
  const matches = (d: Doc, where: Record<string, unknown> | undefined): boolean => {
    if (!where) return true;
    const u = where['unaryFilter'] as { op: string; field: { fieldPath: string } } | undefined;
    if (u) {
      const v = d.fields[u.field.fieldPath];
      if (u.op === 'IS_NULL') return !!v && v['valueType'] === 'nullValue';
      if (u.op === 'IS_NOT_NULL') return !!v && v['valueType'] !== 'nullValue';
      throw new Error(`unary op ${u.op} not supported`);
    }
    const f = where['fieldFilter'] as { op: string; field: { fieldPath: string }; value: Value } | undefined;
    if (f) {
      if (f.op !== 'EQUAL') throw new Error(`field op ${f.op} not supported`);
      const v = d.fields[f.field.fieldPath];
      return !!v && JSON.stringify(decodeValue(v)) === JSON.stringify(decodeValue(f.value));
    }
    const c = where['compositeFilter'] as { op: string; filters: Record<string, unknown>[] } | undefined;
    if (c) return c.filters.every((x) => matches(d, x));
    return true;
  };
  server.addService(pkg.google.firestore.v1.Firestore.service, {
    batchGetDocuments: (call: grpc.ServerWritableStream<{ documents: string[] }, unknown>) => {
      for (const name of call.request.documents) {
        const d = docs.get(name);
        call.write(d ? { found: d, readTime: now() } : { missing: name, readTime: now() });
      }
      call.end();
    },
    commit: (call: grpc.ServerUnaryCall<{ writes: Array<{ update?: { name: string; fields?: Fields }; delete?: string }> }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const t = now();
      for (const w of call.request.writes ?? []) {
        if (w.update) docs.set(w.update.name, { name: w.update.name, fields: w.update.fields ?? {}, createTime: docs.get(w.update.name)?.createTime ?? t, updateTime: t });
        else if (w.delete) docs.delete(w.delete);
      }
      cb(null, { writeResults: (call.request.writes ?? []).map(() => ({ updateTime: t })), commitTime: t });
    },
    runQuery: (call: grpc.ServerWritableStream<{ parent: string; structuredQuery: { from: Array<{ collectionId: string }>; where?: Record<string, unknown> } }, unknown>) => {
      const q = call.request.structuredQuery;
      const prefix = `${call.request.parent}/${q.from[0]!.collectionId}/`;
      const found = [...docs.values()].filter((d) => d.name.startsWith(prefix) && !d.name.slice(prefix.length).includes('/') && matches(d, q.where));
      for (const d of found) call.write({ document: d, readTime: now() });
      if (!found.length) call.write({ readTime: now() });
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    port,
    documents: () => new Map([...docs].map(([k, d]) => [k, decodeFields(d.fields)])),
    stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}

// In-process Pub/Sub Publisher speaking the real gRPC wire protocol (built from the proto @google-cloud/pubsub ships); records every message.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface WireMessage {
  topic: string;
  data: Buffer;
  attributes: Record<string, string>;
  orderingKey: string;
  messageId: string;
}

export interface FakePubSub {
  host: string;
  port: number;
  messages: WireMessage[];
  /** Makes the next `count` Publish calls fail with this gRPC status. */
  failNext(code: grpc.status, count?: number): void;
  /** Publish calls received, failed ones included. */
  calls(): number;
  clear(): void;
  stop(): Promise<void>;
}

const root = path.dirname(require.resolve('@google-cloud/pubsub/package.json'));
/** google-gax as @google-cloud/pubsub resolves it (its package.json is not exported, so walk up from the entry). */
function packageRoot(entry: string): string {
  let dir = path.dirname(entry);
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== 'google-gax') dir = path.dirname(dir);
  return dir;
}
const gaxRoot = packageRoot(require.resolve('google-gax', { paths: [root] }));

export async function startFakePubSub(): Promise<FakePubSub> {
  const def = protoLoader.loadSync('google/pubsub/v1/pubsub.proto', {
    includeDirs: [path.join(root, 'build/protos'), path.join(gaxRoot, 'build/protos')],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { google: { pubsub: { v1: { Publisher: { service: grpc.ServiceDefinition } } } } };
  const messages: WireMessage[] = [];
  let failures: { code: grpc.status; left: number } | null = null;
  let calls = 0;
  let seq = 0;
  const server = new grpc.Server();
  const publish: grpc.handleUnaryCall<{ topic: string; messages: Array<{ data: Buffer; attributes: Record<string, string>; orderingKey: string }> }, { messageIds: string[] }> = (call, cb) => {
    calls++;
    if (failures && failures.left > 0) {
      failures.left--;
      cb({ code: failures.code, details: 'injected failure' } as grpc.ServiceError);
      return;
    }
    const ids: string[] = [];
    for (const m of call.request.messages) {
      const messageId = String(++seq);
      ids.push(messageId);
      messages.push({ topic: call.request.topic, data: Buffer.from(m.data), attributes: { ...m.attributes }, orderingKey: m.orderingKey, messageId });
    }
    cb(null, { messageIds: ids });
  };
  const unimplemented = (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED, details: 'not in the fake' } as grpc.ServiceError);
  const impl: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(pkg.google.pubsub.v1.Publisher.service)) impl[name] = unimplemented as grpc.UntypedHandleCall;
  impl['Publish'] = publish as grpc.UntypedHandleCall;
  server.addService(pkg.google.pubsub.v1.Publisher.service, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    host: `127.0.0.1:${port}`,
    port,
    messages,
    failNext: (code, count = 1) => {
      failures = { code, left: count };
    },
    calls: () => calls,
    clear: () => {
      messages.length = 0;
      failures = null;
      calls = 0;
    },
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

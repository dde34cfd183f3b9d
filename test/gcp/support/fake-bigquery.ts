// In-process BigQuery REST API (jobs.insert, jobs.getQueryResults, jobs.get) that records each query job and answers with scripted results (or runs it: bigquery-on-duckdb.ts).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface QueryParameter {
  name: string;
  parameterType: { type: string; arrayType?: QueryParameter['parameterType']; structTypes?: Array<{ name: string; type: QueryParameter['parameterType'] }> };
  parameterValue: { value?: string | boolean | null; arrayValues?: QueryParameter['parameterValue'][]; structValues?: Record<string, QueryParameter['parameterValue']> };
}

export interface RecordedJob {
  jobId: string;
  projectId: string;
  query: string;
  useLegacySql: boolean | undefined;
  parameterMode: string | undefined;
  queryParameters: QueryParameter[];
  location: string | undefined;
}

export interface ScriptedResult {
  schema?: { fields: Array<{ name: string; type: string; mode?: string; fields?: unknown[] }> };
  rows?: Array<{ f: Array<{ v: unknown }> }>;
  numDmlAffectedRows?: number;
  /** An HTTP error for jobs.insert, in the REST error shape. */
  error?: { status: number; reason: string; message: string };
}

export interface FakeBigQuery {
  endpoint: string;
  jobs: RecordedJob[];
  requests: Array<{ method: string; path: string }>;
  /** Decides the result of each query job (or runs it: see bigquery-on-duckdb.ts); default: a DML job that affected 0 rows. */
  respond: (job: RecordedJob) => ScriptedResult | Promise<ScriptedResult>;
  stop(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : null;
}

/** Decodes a named parameter back to plain JS (scalars stay strings as on the wire). */
export function paramValue(p: QueryParameter['parameterValue'], t: QueryParameter['parameterType']): unknown {
  if (t.type === 'ARRAY') return (p.arrayValues ?? []).map((v) => paramValue(v, t.arrayType!));
  if (t.type === 'STRUCT') {
    const out: Record<string, unknown> = {};
    for (const st of t.structTypes ?? []) out[st.name] = p.structValues?.[st.name] ? paramValue(p.structValues[st.name]!, st.type) : null;
    return out;
  }
  return p.value ?? null;
}

export function paramsOf(job: RecordedJob): Record<string, unknown> {
  return Object.fromEntries(job.queryParameters.map((q) => [q.name, paramValue(q.parameterValue, q.parameterType)]));
}

/** The declared type of each parameter, e.g. 'STRING', 'ARRAY<STRING>', 'ARRAY<STRUCT<shop STRING, ...>>'. */
export function typeString(t: QueryParameter['parameterType']): string {
  if (t.type === 'ARRAY') return `ARRAY<${typeString(t.arrayType!)}>`;
  if (t.type === 'STRUCT') return `STRUCT<${(t.structTypes ?? []).map((s) => `${s.name} ${typeString(s.type)}`).join(', ')}>`;
  return t.type;
}

export function paramTypesOf(job: RecordedJob): Record<string, string> {
  return Object.fromEntries(job.queryParameters.map((q) => [q.name, typeString(q.parameterType)]));
}

export async function startFakeBigQuery(): Promise<FakeBigQuery> {
  const jobs: RecordedJob[] = [];
  const results = new Map<string, ScriptedResult>();
  const requests: Array<{ method: string; path: string }> = [];
  const fake: FakeBigQuery = { endpoint: '', jobs, requests, respond: () => ({ numDmlAffectedRows: 0 }), stop: async () => undefined };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ method: req.method ?? '', path: url.pathname });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let m: RegExpMatchArray | null;
    if (req.method === 'POST' && (m = url.pathname.match(/^(?:\/bigquery\/v2)?\/projects\/([^/]+)\/jobs$/))) {
      const body = (await readJson(req)) as { jobReference?: { jobId?: string; location?: string }; configuration: { query: { query: string; useLegacySql?: boolean; parameterMode?: string; queryParameters?: QueryParameter[] } } };
      const jobId = body.jobReference?.jobId ?? `job_${jobs.length + 1}`;
      const q = body.configuration.query;
      const job: RecordedJob = { jobId, projectId: m[1]!, query: q.query, useLegacySql: q.useLegacySql, parameterMode: q.parameterMode, queryParameters: q.queryParameters ?? [], location: body.jobReference?.location };
      jobs.push(job);
      const result = await fake.respond(job);
      if (result.error) {
        send(result.error.status, { error: { code: result.error.status, message: result.error.message, errors: [{ reason: result.error.reason, message: result.error.message }] } });
        return;
      }
      results.set(jobId, result);
      send(200, { kind: 'bigquery#job', id: `${job.projectId}:US.${jobId}`, jobReference: { projectId: job.projectId, jobId, location: 'US' }, configuration: body.configuration, status: { state: 'DONE' } });
      return;
    }
    if (req.method === 'GET' && (m = url.pathname.match(/^(?:\/bigquery\/v2)?\/projects\/([^/]+)\/queries\/([^/]+)$/))) {
      const result = results.get(m[2]!);
      if (!result) return send(404, { error: { code: 404, message: `Not found: Job ${m[2]}`, errors: [{ reason: 'notFound' }] } });
      const rows = result.rows ?? [];
      send(200, {
        kind: 'bigquery#getQueryResultsResponse',
        jobReference: { projectId: m[1], jobId: m[2], location: 'US' },
        jobComplete: true,
        schema: result.schema ?? { fields: [] },
        ...(result.schema ? { rows, totalRows: String(rows.length) } : { totalRows: '0' }),
        ...(result.numDmlAffectedRows !== undefined ? { numDmlAffectedRows: String(result.numDmlAffectedRows) } : {}),
      });
      return;
    }
    if (req.method === 'GET' && (m = url.pathname.match(/^(?:\/bigquery\/v2)?\/projects\/([^/]+)\/jobs\/([^/]+)$/))) {
      return send(200, { kind: 'bigquery#job', jobReference: { projectId: m[1], jobId: m[2], location: 'US' }, status: { state: 'DONE' } });
    }
    send(404, { error: { code: 404, message: `fake BigQuery has no route ${req.method} ${url.pathname}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return fake;
}

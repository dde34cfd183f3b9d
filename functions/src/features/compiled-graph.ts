// The compiled Dataform graph (`dataform compile --json`), validated with zod: only the fields the runner uses.
import { z } from 'zod';

const target = z.object({ database: z.string().optional(), schema: z.string(), name: z.string() });
export type Target = z.infer<typeof target>;

const common = {
  target,
  canonicalTarget: target.optional(),
  dependencyTargets: z.array(target).default([]),
  fileName: z.string().optional(),
  disabled: z.boolean().optional(),
  tags: z.array(z.string()).optional(),
};

const table = z.object({
  ...common,
  type: z.enum(['table', 'view', 'incremental']).optional(),
  enumType: z.string().optional(),
  query: z.string(),
  incrementalQuery: z.string().optional(),
  preOps: z.array(z.string()).default([]),
  postOps: z.array(z.string()).default([]),
  incrementalPreOps: z.array(z.string()).default([]),
  incrementalPostOps: z.array(z.string()).default([]),
  uniqueKey: z.array(z.string()).optional(),
  protected: z.boolean().optional(),
});

const operation = z.object({ ...common, queries: z.array(z.string()).default([]), hasOutput: z.boolean().optional() });
const assertion = z.object({ ...common, query: z.string(), parentAction: target.optional() });
const declaration = z.object({ target });

export const compiledGraph = z.object({
  tables: z.array(table).default([]),
  operations: z.array(operation).default([]),
  assertions: z.array(assertion).default([]),
  declarations: z.array(declaration).default([]),
  projectConfig: z.object({ warehouse: z.string().optional(), vars: z.record(z.string(), z.string()).default({}) }).loose(),
  graphErrors: z.object({ compilationErrors: z.array(z.object({ fileName: z.string().optional(), message: z.string() }).loose()).optional() }).loose().default({}),
});
export type CompiledGraph = z.infer<typeof compiledGraph>;
export type CompiledTable = z.infer<typeof table>;
export type CompiledOperation = z.infer<typeof operation>;
export type CompiledAssertion = z.infer<typeof assertion>;

export const targetKey = (t: Target) => `${t.schema}.${t.name}`;

// The Admin GraphQL documents the write-back, the installer and the Flow trigger send, and zod schemas of the answers they read.
import { z } from 'zod';

export const DEFINE_METAFIELD = `mutation DefineMetafield($definition: MetafieldDefinitionInput!) {
  metafieldDefinitionCreate(definition: $definition) { createdDefinition { id } userErrors { field message code } }
}`;

/** One metafieldsSet call (also the bulk mutation every JSONL line runs). */
export const SET_METAFIELDS = `mutation SetMetafields($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) { metafields { key namespace } userErrors { field message code elementIndex } }
}`;

export const STAGE_UPLOAD = `mutation StageUpload($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) { stagedTargets { url resourceUrl parameters { name value } } userErrors { field message } }
}`;

export const RUN_BULK_MUTATION = `mutation RunBulk($mutation: String!, $stagedUploadPath: String!, $clientIdentifier: String) {
  bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $stagedUploadPath, clientIdentifier: $clientIdentifier) { bulkOperation { id status } userErrors { field message code } }
}`;

const OP_FIELDS = 'id status errorCode url partialDataUrl objectCount';
export const CURRENT_BULK_MUTATION = `query CurrentBulk { currentBulkOperation(type: MUTATION) { ${OP_FIELDS} } }`;
export const BULK_OPERATION = `query BulkOp($id: ID!) { node(id: $id) { ... on BulkOperation { ${OP_FIELDS} } } }`;

export const READ_METAFIELDS = `query ReadMetafields($ids: [ID!]!, $namespace: String!) {
  nodes(ids: $ids) { id ... on HasMetafields { metafields(first: 50, namespace: $namespace) { nodes { key type value } } } }
}`;

export const FLOW_TRIGGER = `mutation FireFlowTrigger($handle: String, $payload: JSON) {
  flowTriggerReceive(handle: $handle, payload: $payload) { userErrors { field message } }
}`;

export const userError = z.object({ field: z.array(z.string()).nullable().optional(), message: z.string(), code: z.string().nullable().optional() });
export const setUserError = userError.extend({ elementIndex: z.number().int().nullable().optional() });

export const defineAnswer = z.object({ metafieldDefinitionCreate: z.object({ createdDefinition: z.object({ id: z.string() }).nullable(), userErrors: z.array(userError) }) });
export const setPayload = z.object({ metafields: z.array(z.object({ key: z.string(), namespace: z.string() })).nullable(), userErrors: z.array(setUserError) });
export const setAnswer = z.object({ metafieldsSet: setPayload });
export const stageAnswer = z.object({
  stagedUploadsCreate: z.object({
    stagedTargets: z.array(z.object({ url: z.string().url(), resourceUrl: z.string().nullable().optional(), parameters: z.array(z.object({ name: z.string(), value: z.string() })) })),
    userErrors: z.array(userError),
  }),
});
export const bulkOperation = z.object({
  id: z.string(),
  status: z.enum(['CREATED', 'RUNNING', 'COMPLETED', 'CANCELING', 'CANCELED', 'FAILED', 'EXPIRED']),
  errorCode: z.string().nullable().optional(),
  url: z.string().nullable().optional(),
  partialDataUrl: z.string().nullable().optional(),
  objectCount: z.union([z.string(), z.number()]).nullable().optional(),
});
export type BulkOperation = z.infer<typeof bulkOperation>;
export const runBulkAnswer = z.object({ bulkOperationRunMutation: z.object({ bulkOperation: bulkOperation.pick({ id: true, status: true }).nullable(), userErrors: z.array(userError) }) });
export const currentBulkAnswer = z.object({ currentBulkOperation: bulkOperation.nullable() });
export const bulkNodeAnswer = z.object({ node: bulkOperation.nullable() });
export const readAnswer = z.object({
  nodes: z.array(z.object({ id: z.string(), metafields: z.object({ nodes: z.array(z.object({ key: z.string(), type: z.string(), value: z.string() })) }).optional() }).nullable()),
});
export const flowAnswer = z.object({ flowTriggerReceive: z.object({ userErrors: z.array(userError) }) });
/** One line of a bulk mutation's results file. */
export const bulkResultLine = z.object({ data: z.object({ metafieldsSet: setPayload }).nullable().optional(), errors: z.array(z.object({ message: z.string() })).optional(), __lineNumber: z.number().int().nonnegative() });

export const TERMINAL_STATUSES = new Set(['COMPLETED', 'CANCELED', 'FAILED', 'EXPIRED']);

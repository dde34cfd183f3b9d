// zod schema of prediction batches crossing a process boundary (the runtime's admin route): known table, a valid key, scalar rows.
import { z } from 'zod';
import { PREDICTION_TABLES, PREDICTION_TABLE_NAMES, type PredictionBatch } from './prediction-tables';

const tableName = z.enum(PREDICTION_TABLE_NAMES as [PredictionBatch['table'], ...PredictionBatch['table'][]]);

export const predictionBatchSchema = z.object({
  table: tableName,
  key: z.object({
    shop: z.string().min(1),
    snapshotDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    model: z.enum(['clv', 'propensity', 'forecast', 'recommend']),
    version: z.number().int().positive(),
  }),
  rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
}).refine((b) => PREDICTION_TABLES[b.table].model === b.key.model, { message: 'the table is not written by the key\'s model', path: ['table'] });

export const predictionBatchesSchema = z.object({ batches: z.array(predictionBatchSchema) });

// The first two training steps: extract the feature tables at a snapshot into dataset artifacts (with the data snapshot), then validate them against the schemas.
import { ShopMlopsError } from '../core/errors';
import { a, createPipelineKit, p, type InputArtifact, type JsonObject, type OutputArtifact } from '../pipeline';
import { snapshotHasher } from '../ports/run-tracker';
import { checkDataset, describeFailures, fromNdjson, toNdjson, type DatasetTable } from './datasets';
import * as sql from './extract-sql';
import { planPropensity } from './models/propensity';
import { checkOptions } from './options';
import type { TrainingServices } from './services';

export const kit = createPipelineKit<TrainingServices>();

/** Dataset artifact names, one per table. */
export const DATASET_INPUTS: Record<DatasetTable, string> = {
  'shop_features.customer_rfm': 'customer_rfm',
  'shop_features.customer_labels': 'customer_labels',
  'shop_features.variant_daily_demand': 'variant_daily_demand',
  'shop_features.co_purchase': 'co_purchase',
  'shop_staging.order_lines': 'order_lines',
  'shop_features.product_attributes': 'product_attributes',
};

const TABLES = Object.keys(DATASET_INPUTS) as DatasetTable[];

export async function readRaw(artifact: InputArtifact, table: DatasetTable): Promise<Record<string, unknown>[]> {
  return fromNdjson(await artifact.readText(), `${table} dataset at ${artifact.uri}`);
}

export const extract = kit.step({
  description: 'Reads the feature tables at the snapshot date (default: the latest customer_rfm snapshot) into one JSON-lines dataset per table.',
  inputs: {
    snapshot_date: p.string({ default: '', description: 'YYYY-MM-DD; empty = the latest snapshot in shop_features.customer_rfm' }),
    shop: p.string({ default: '', description: 'shop domain; empty = the only shop in the warehouse' }),
    history_days: p.integer({ default: 0, description: 'days of demand and order lines before the snapshot; 0 = all' }),
    propensity_train_snapshots: p.integer({ default: 3 }),
  },
  outputs: {
    customer_rfm: a.dataset(),
    customer_labels: a.dataset(),
    variant_daily_demand: a.dataset(),
    co_purchase: a.dataset(),
    order_lines: a.dataset(),
    product_attributes: a.dataset(),
    snapshot_date: p.string(),
    shop: p.string(),
    propensity_plan: p.json(),
    data_snapshot: p.json(),
  },
  async run({ inputs, outputs, services, progress, metric, log }) {
    checkOptions({ history_days: inputs.history_days, propensity_train_snapshots: inputs.propensity_train_snapshots });
    const db = services.features;
    let shop = inputs.shop;
    if (!shop) {
      const shops = (await db.query(sql.shopsSql())).map((r) => String(r['shop']));
      if (shops.length === 0) throw new ShopMlopsError('UNPROCESSABLE', 'shop_features.customer_rfm is empty: build the feature tables first (`shop-mlops features`)');
      if (shops.length > 1) throw new ShopMlopsError('BAD_REQUEST', `the warehouse holds ${shops.length} shops (${shops.join(', ')}): pick one with the shop parameter`);
      shop = shops[0]!;
    }
    let snapshot = inputs.snapshot_date;
    if (snapshot) sql.assertDay(snapshot, 'snapshot_date');
    else {
      const latest = (await db.query(sql.latestSnapshotSql(shop)))[0]?.['snapshot_date'];
      if (latest === null || latest === undefined) throw new ShopMlopsError('UNPROCESSABLE', `shop_features.customer_rfm has no rows for ${shop}: build the feature tables first`);
      snapshot = String(latest).slice(0, 10);
    }
    const labelSnapshots = (await db.query(sql.labelSnapshotsSql(shop, snapshot))).map((r) => ({ snapshot_date: String(r['snapshot_date']).slice(0, 10), customers: Number(r['customers']), complete: Number(r['complete']) === 1 }));
    const plan = planPropensity(labelSnapshots, inputs.propensity_train_snapshots);
    const rfmSnapshots = [...new Set([snapshot, ...(plan.validation ? [plan.validation] : []), ...plan.train])].sort();
    const labelSnapshotsUsed = plan.validation && plan.train.length ? [...plan.train, plan.validation] : [];
    const queries: Record<DatasetTable, string> = {
      'shop_features.customer_rfm': sql.customerRfmSql(shop, rfmSnapshots),
      'shop_features.customer_labels': sql.customerLabelsSql(shop, labelSnapshotsUsed),
      'shop_features.variant_daily_demand': sql.variantDailyDemandSql(shop, snapshot, inputs.history_days || 36_500),
      'shop_features.co_purchase': sql.coPurchaseSql(shop, snapshot),
      'shop_staging.order_lines': sql.orderLinesSql(shop, snapshot, inputs.history_days || 36_500),
      'shop_features.product_attributes': sql.productAttributesSql(shop),
    };
    const hasher = snapshotHasher(`${db.source} ${shop}@${snapshot}`);
    let done = 0;
    for (const table of TABLES) {
      progress(done, TABLES.length, table);
      const rows = await db.query(queries[table]);
      hasher.addRows(table, rows);
      const out = (outputs as Record<string, OutputArtifact>)[DATASET_INPUTS[table]]!;
      await out.write(toNdjson(rows), 'application/x-ndjson');
      out.metadata['table'] = table;
      out.metadata['rows'] = rows.length;
      out.metadata['snapshot_date'] = snapshot;
      metric(`rows.${DATASET_INPUTS[table]}`, rows.length);
      progress(++done, TABLES.length, table);
    }
    const snap = hasher.result();
    log.info('extracted', { shop, snapshot, rows: snap.rows, propensity: plan });
    return { snapshot_date: snapshot, shop, propensity_plan: plan as unknown as JsonObject, data_snapshot: snap as unknown as JsonObject };
  },
});

export const validate = kit.step({
  description: 'Checks every dataset against its schema (columns, types, non-null keys, value ranges, unique keys); a failure names the table, column and row count.',
  inputs: {
    customer_rfm: a.dataset(),
    customer_labels: a.dataset(),
    variant_daily_demand: a.dataset(),
    co_purchase: a.dataset(),
    order_lines: a.dataset(),
    product_attributes: a.dataset(),
    snapshot_date: p.string(),
  },
  outputs: { valid_rows: p.integer() },
  async run({ inputs, metric, progress }) {
    const problems: string[] = [];
    let valid = 0;
    let first: { table: string; column: string; rows: number } | undefined;
    for (const [i, table] of TABLES.entries()) {
      const raw = await readRaw((inputs as unknown as Record<string, InputArtifact>)[DATASET_INPUTS[table]]!, table);
      const check = checkDataset(table, raw);
      if (check.failures.length) {
        problems.push(describeFailures(table, raw.length, check.failures));
        first ??= { table, column: check.failures[0]!.column, rows: check.failures[0]!.rows };
      }
      valid += check.rows.length;
      metric(`valid_rows.${DATASET_INPUTS[table]}`, check.rows.length);
      progress(i + 1, TABLES.length, table);
      if (table === 'shop_features.customer_rfm' && check.failures.length === 0 && !(check.rows as Array<{ snapshot_date?: string }>).some((r) => r.snapshot_date === inputs.snapshot_date)) {
        problems.push(`${table}: no rows for snapshot ${inputs.snapshot_date}`);
        first ??= { table, column: 'snapshot_date', rows: 0 };
      }
    }
    if (problems.length) throw new ShopMlopsError('UNPROCESSABLE', `schema check failed: ${problems.join(' | ')}`, { details: first ?? {} });
    return { valid_rows: valid };
  },
});

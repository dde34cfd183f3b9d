// The shop_monitoring tables the MonitoringStore writes (decisions, drift_results, drift_runs, retrain_requests): one definition for the DuckDB DDL, the BigQuery schemas in infra/ and both adapters.
import { duckdbType, type PredictionColumnType } from '../serving/prediction-tables';

export const MONITORING_DATASET = 'shop_monitoring';

/** JSON: evidence, splits and the Flow event as JSON values; STRING_LIST: a list of strings (BigQuery REPEATED STRING). */
export type MonitoringColumnType = PredictionColumnType | 'JSON' | 'STRING_LIST';
export interface MonitoringColumn {
  name: string;
  type: MonitoringColumnType;
  /** A STRING_LIST is never null (an empty list at most). */
  mode: 'REQUIRED' | 'NULLABLE';
  description: string;
}

export type MonitoringTableName = 'decisions' | 'drift_results' | 'drift_runs' | 'retrain_requests';

export interface MonitoringTable {
  description: string;
  /** BigQuery day partitions on this column. */
  partition: string;
  clustering: readonly string[];
  columns: readonly MonitoringColumn[];
}

const col = (name: string, type: MonitoringColumnType, mode: 'REQUIRED' | 'NULLABLE', description: string): MonitoringColumn => ({ name, type, mode, description });
const SHOP = col('shop', 'STRING', 'REQUIRED', 'shop domain');

export const MONITORING_TABLES: Record<MonitoringTableName, MonitoringTable> = {
  decisions: {
    description: 'Every act of the monitor (rollback or promotion) with the evidence it acted on and the split before and after; one row per decision_id.',
    partition: 'decided_at',
    clustering: ['shop', 'model'],
    columns: [
      col('decision_id', 'STRING', 'REQUIRED', 'sha256 over (shop, model, endpoint revision before, action): the same evidence never acts twice'),
      SHOP,
      col('model', 'STRING', 'REQUIRED', 'endpoint (registered model name)'),
      col('decided_at', 'TIMESTAMP', 'REQUIRED', 'when the monitor decided'),
      col('action', 'STRING', 'REQUIRED', 'rollback or promote'),
      col('reason', 'STRING', 'REQUIRED', 'precision_below_threshold, guardrail_conversion, guardrail_revenue or guardrails_held'),
      col('version', 'INT64', 'REQUIRED', 'the challenger acted on'),
      col('precision', 'JSON', 'NULLABLE', 'ProportionEvidence: metric, trials, successes, value, low, high, confidence, threshold, from, to'),
      col('guardrails', 'JSON', 'REQUIRED', 'GuardrailEvidence[]: sequential comparisons of challenger − champion per exposed unit'),
      col('before', 'JSON', 'NULLABLE', 'the split before (champion, challenger, holdout)'),
      col('after', 'JSON', 'NULLABLE', 'the split after'),
      col('revision_before', 'INT64', 'REQUIRED', 'endpoint revision acted on'),
      col('revision_after', 'INT64', 'REQUIRED', 'endpoint revision after the act'),
      col('flow_event', 'JSON', 'REQUIRED', 'the Shopify Flow trigger the decision fires'),
    ],
  },
  drift_results: {
    description: "One feature's drift tests on one night: training reference (or last week's predictions) against the latest window.",
    partition: 'run_date',
    clustering: ['shop', 'subject'],
    columns: [
      SHOP,
      col('run_date', 'DATE', 'REQUIRED', 'the night (shop-local date) the tests ran for'),
      col('subject', 'STRING', 'REQUIRED', 'features or predictions'),
      col('model', 'STRING', 'NULLABLE', 'the model whose reference or served predictions are compared; null for a shop-wide feature set'),
      col('feature', 'STRING', 'REQUIRED', 'feature (or prediction output) tested'),
      col('kind', 'STRING', 'REQUIRED', 'continuous or categorical'),
      col('reference', 'STRING', 'REQUIRED', 'what the reference sample is (e.g. the training snapshot)'),
      col('current', 'STRING', 'REQUIRED', 'what the current sample is (e.g. the latest snapshot)'),
      col('n_reference', 'INT64', 'REQUIRED', 'reference sample size'),
      col('n_current', 'INT64', 'REQUIRED', 'current sample size'),
      col('psi', 'FLOAT64', 'REQUIRED', 'population stability index (10 reference-quantile bins, or categories)'),
      col('ks_statistic', 'FLOAT64', 'NULLABLE', 'two-sample KS D (continuous features)'),
      col('ks_p_value', 'FLOAT64', 'NULLABLE', 'its asymptotic p-value'),
      col('js_divergence', 'FLOAT64', 'NULLABLE', 'Jensen-Shannon divergence, base 2 (categorical features)'),
      col('p_adjusted', 'FLOAT64', 'NULLABLE', "the test's p-value after the night's multiple-test correction"),
      col('material', 'BOOL', 'REQUIRED', 'the effect is large enough to matter'),
      col('drifted', 'BOOL', 'REQUIRED', 'significant after correction and material, or PSI at the alert level'),
      col('level', 'STRING', 'REQUIRED', 'ok, warn or alert'),
    ],
  },
  drift_runs: {
    description: "A night's drift verdict over one subject's features, keyed by (shop, run_date, subject, model).",
    partition: 'run_date',
    clustering: ['shop', 'subject'],
    columns: [
      SHOP,
      col('run_date', 'DATE', 'REQUIRED', 'the night (shop-local date)'),
      col('subject', 'STRING', 'REQUIRED', 'features or predictions'),
      col('model', 'STRING', 'NULLABLE', 'the model compared; null for a shop-wide feature set'),
      col('computed_at', 'TIMESTAMP', 'REQUIRED', 'when the run computed'),
      col('features_tested', 'INT64', 'REQUIRED', 'features tested'),
      col('features_drifted', 'INT64', 'REQUIRED', 'features that drifted'),
      col('correction', 'STRING', 'REQUIRED', 'benjamini-hochberg or bonferroni'),
      col('alpha', 'FLOAT64', 'REQUIRED', 'family level of the correction'),
      col('drifted', 'BOOL', 'REQUIRED', 'the verdict: any feature drifted'),
    ],
  },
  retrain_requests: {
    description: 'Every request to retrain (velocity, drift, schedule, external) and the run it started or joined.',
    partition: 'requested_at',
    clustering: ['shop'],
    columns: [
      col('request_id', 'STRING', 'REQUIRED', 'unique id of the request'),
      SHOP,
      col('models', 'STRING_LIST', 'REQUIRED', 'models to retrain (sorted, distinct)'),
      col('trigger', 'STRING', 'REQUIRED', 'velocity, drift, schedule or external'),
      col('reason', 'STRING', 'REQUIRED', 'why, in words with the numbers'),
      col('requested_at', 'TIMESTAMP', 'REQUIRED', 'when it was asked'),
      col('status', 'STRING', 'REQUIRED', 'started, coalesced, succeeded or failed'),
      col('run_request_id', 'STRING', 'REQUIRED', 'the request whose run this one joined (itself when it started the run)'),
      col('run_id', 'STRING', 'NULLABLE', 'the training run started'),
      col('finished_at', 'TIMESTAMP', 'NULLABLE', 'when the run finished'),
      col('error', 'STRING', 'NULLABLE', 'why the run failed (no PII)'),
    ],
  },
};

export const MONITORING_TABLE_NAMES = Object.keys(MONITORING_TABLES) as MonitoringTableName[];

/** `shop_monitoring.<table>` */
export const qualifiedMonitoringTable = (t: MonitoringTableName): string => `${MONITORING_DATASET}.${t}`;

export function monitoringDuckdbType(t: MonitoringColumnType): string {
  return t === 'JSON' ? 'JSON' : t === 'STRING_LIST' ? 'VARCHAR[]' : duckdbType(t);
}

/** Column names are quoted: some (current, before, after, trigger, precision) are keywords in one dialect or the other. */
export function duckdbCreateMonitoringTable(t: MonitoringTableName): string {
  const cols = MONITORING_TABLES[t].columns.map((c) => `"${c.name}" ${monitoringDuckdbType(c.type)}${c.mode === 'REQUIRED' ? ' NOT NULL' : ''}`);
  return `CREATE TABLE IF NOT EXISTS ${qualifiedMonitoringTable(t)} (${cols.join(', ')})`;
}

/** infra/schemas/monitoring_<table>.json: the table as BigQuery's JSON schema. */
export function monitoringBigQuerySchema(t: MonitoringTableName): Array<{ name: string; type: string; mode: string; description: string }> {
  const bq: Record<MonitoringColumnType, string> = { STRING: 'STRING', STRING_LIST: 'STRING', DATE: 'DATE', TIMESTAMP: 'TIMESTAMP', JSON: 'JSON', INT64: 'INTEGER', FLOAT64: 'FLOAT', BOOL: 'BOOLEAN' };
  return MONITORING_TABLES[t].columns.map((c) => ({ name: c.name, type: bq[c.type], mode: c.type === 'STRING_LIST' ? 'REPEATED' : c.mode, description: c.description }));
}

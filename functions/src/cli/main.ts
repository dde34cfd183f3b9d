// `shop-mlops <verb>`: global flags (--data-dir, --port, --json), validated config, then the verb.
import { loadConfig, type RawConfig } from '../core/config';
import { ShopMlopsError } from '../core/errors';
import type { CliContext } from './context';
import { holdPrivateUmask } from '../runtime/data-dir';

type VerbModule = { run(argv: string[], ctx: CliContext): Promise<number> };
type Verb = { summary: string; load: () => Promise<VerbModule> };
/** Verbs load on demand so `sql` does not pay for the simulator's imports. */
const load = (mod: string): Promise<VerbModule> => Promise.resolve(require(mod) as VerbModule);

const VERBS: Record<string, Verb> = {
  up: { summary: 'start the local runtime (fills an empty store with the demo)', load: () => load('./verbs/up') },
  sql: { summary: 'query the embedded warehouse: sql [--write] [--timeout SECONDS] [--json] "SELECT ..."', load: () => load('./verbs/sql') },
  quarantine: { summary: 'list or replay quarantined deliveries: quarantine [list|replay [--id ID ...]]', load: () => load('./verbs/quarantine') },
  features: { summary: 'build the Dataform feature tables on DuckDB: features [--snapshot DATE] [--full-refresh]', load: () => load('./verbs/features') },
  simulate: { summary: 'send a simulated store as signed webhooks: simulate --days N --seed S', load: () => load('./verbs/simulate') },
  replay: { summary: 'send a UCI Online Retail CSV as signed webhooks: replay --csv FILE', load: () => load('./verbs/replay') },
  clv: { summary: 'fit BG/NBD + Gamma-Gamma on a CSV: clv --csv FILE [--summary] [--unit day|week] [--horizon N] [--out OUT]', load: () => load('./verbs/clv') },
  forecast: { summary: 'forecast daily demand from a CSV: forecast --csv FILE --horizon H [--level 80,95] --out OUT', load: () => load('./verbs/forecast') },
  recommend: { summary: 'recommend items from a CSV of purchases: recommend --csv FILE --k K --out OUT', load: () => load('./verbs/recommend') },
  train: { summary: 'train, evaluate and register the models: train [--snapshot DATE] [--param K=V] [--json]', load: () => load('../training/train-verb') },
  score: { summary: 'write batch scores of a registered version to shop_predictions: score [--model M] [--version V|ALIAS] [--snapshot DATE] [--json]', load: () => load('../training/score-verb') },
  pipeline: { summary: 'run, compile or submit a training pipeline: pipeline run|compile|submit|list ...', load: () => load('./verbs/pipeline') },
  retrain: { summary: 'ask to retrain (coalesced with a run just started): retrain [--shop S] [--model M ...] [--why TEXT] [--json]', load: () => load('./verbs/retrain') },
  runs: { summary: 'list and compare tracked training runs: runs [--json] [RUN_ID ...]', load: () => load('./verbs/runs') },
  deploy: { summary: 'deploy a registered version behind its endpoint: deploy MODEL --version V|ALIAS [--canary 5] [--shop S] [--why TEXT]', load: () => load('./verbs/deploy') },
  traffic: { summary: "an endpoint's split, deployed versions and rollout history: traffic [MODEL] [--shop S] [--json]", load: () => load('./verbs/traffic') },
  promote: { summary: 'ramp the challenger one step (5 → 25 → 50 → 100 %, then it is champion): promote MODEL', load: () => load('./verbs/promote') },
  rollback: { summary: "the challenger's traffic to 0 at once: rollback MODEL", load: () => load('./verbs/rollback') },
  monitor: { summary: 'one monitor pass now: outcome join, live precision, roll back or promote on the evidence: monitor [--json]', load: () => load('./verbs/monitor') },
  rollouts: { summary: "each rollout's live precision, A/B analysis and verdict (changes nothing): rollouts [--json]", load: () => load('./verbs/rollouts') },
  metafields: { summary: "write the newest batch scores to the shops' metafields: metafields [--full|--delta] [--shop S] [--json]", load: () => load('./verbs/metafields') },
  swap: { summary: 'blue-green switch to a version, or back: swap MODEL --version V|ALIAS | --back', load: () => load('./verbs/swap') },
};

/** Verbs that only read and write files the user names; every other verb may write the data directory (kept 0700/0600). */
const USER_FILE_VERBS = new Set(['clv', 'forecast', 'recommend']);

/** Pulls the global flags out of argv, leaving the verb's own flags. */
export function splitGlobalFlags(argv: string[]): { flags: Partial<RawConfig>; json: boolean; rest: string[] } {
  const flags: Partial<RawConfig> = {};
  let json = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [name, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    if (name === '--data-dir') flags.dataDir = value();
    else if (name === '--port') flags.port = value() as unknown as number;
    else if (name === '--json') json = true;
    else rest.push(a);
  }
  return { flags, json, rest };
}

function usage(): string {
  const rows = Object.entries(VERBS).map(([k, v]) => `  ${k.padEnd(11)} ${v.summary}`);
  return ['usage: shop-mlops <verb> [--data-dir DIR] [--port PORT] [--json] ...', '', 'verbs:', ...rows].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [verbName, ...tail] = argv;
  if (!verbName || verbName === '--help' || verbName === '-h' || verbName === 'help') {
    process.stdout.write(usage() + '\n');
    return verbName ? 0 : 2;
  }
  const verb = VERBS[verbName];
  if (!verb) {
    process.stderr.write(`unknown verb: ${verbName}\n\n${usage()}\n`);
    return 2;
  }
  const { flags, json, rest } = splitGlobalFlags(tail);
  const ctx: CliContext = {
    config: loadConfig(process.env, flags),
    json,
    out: (s) => process.stdout.write(s.endsWith('\n') ? s : s + '\n'),
    err: (s) => process.stderr.write(s.endsWith('\n') ? s : s + '\n'),
  };
  if (!USER_FILE_VERBS.has(verbName)) holdPrivateUmask();
  try {
    return await (await verb.load()).run(rest, ctx);
  } catch (err) {
    const e = ShopMlopsError.fromUnknown(err, 'INTERNAL');
    if (json) ctx.out(JSON.stringify(e.toJSON()));
    else ctx.err(`error: ${e.message}`);
    return 1;
  }
}

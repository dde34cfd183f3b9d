// CLV benchmark: BG/NBD + Gamma-Gamma fit on 100,000 synthetic customers drawn from the published CDNOW parameters, then scoring.
import * as os from 'node:os';
import { fitClv, predictClv } from '../../functions/src/models/clv';
import { bgnbdCustomerLogLik } from '../../functions/src/models/clv/bgnbd';
import { lgamma } from '../../functions/src/models/clv/special';
import { CDNOW_BGNBD, CDNOW_GAMMAGAMMA, syntheticCustomers } from '../../functions/src/models/clv/synthetic';
import type { BenchResult, BenchRow } from './run';

const CUSTOMERS = Number(process.env['BENCH_CUSTOMERS'] ?? 100_000);
const TARGET_SECONDS = 5;
const HORIZON_WEEKS = 52;
const DRAWS = 200;

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
/** Peak resident set of the process so far (getrusage; Linux reports KiB). */
const peakRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

function timed<T>(f: () => T): { value: T; seconds: number; cpuSeconds: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { value, seconds, cpuSeconds: (c.user + c.system) / 1e6 };
}

export async function run(): Promise<BenchResult> {
  const rows: BenchRow[] = [];
  const gen = timed(() => syntheticCustomers({ customers: CUSTOMERS, seed: 'train-clv-bench' }));
  const customers = gen.value;
  const repeat = customers.filter((c) => c.frequency > 0).length;

  // Same-run reference: one BG/NBD log-likelihood evaluation over every customer with the textbook formula (ln Γ per customer,
  // no grouping), at the published parameters; the median of 5 runs.
  const x = Float64Array.from(customers, (c) => c.frequency);
  const tx = Float64Array.from(customers, (c) => c.recency);
  const T = Float64Array.from(customers, (c) => c.T);
  const refs: number[] = [];
  let refLl = 0;
  for (let k = 0; k < 5; k++) {
    const r = timed(() => {
      let s = 0;
      for (let i = 0; i < x.length; i++) s += bgnbdCustomerLogLik(CDNOW_BGNBD, x[i]!, tx[i]!, T[i]!, lgamma);
      return s;
    });
    refs.push(r.seconds);
    refLl = r.value;
  }
  const ref = [...refs].sort((a, b) => a - b)[2]!;
  rows.push({ name: 'reference: one log-likelihood evaluation (textbook, per customer)', seconds: ref, 'cpu seconds': ref, 'peak RSS MiB': peakRssMiB(), ratio: 1, detail: `LL ${refLl.toFixed(1)} at the published parameters, median of 5` });

  const heap0 = process.memoryUsage().heapUsed;
  const fit = timed(() => fitClv(customers, { unit: 'week' }));
  const f = fit.value;
  const heapFit = process.memoryUsage().heapUsed - heap0;
  const bg = f.bgnbd.params!;
  const gg = f.gammagamma!.params!;
  rows.push({
    name: 'fit: BG/NBD + Gamma-Gamma + observed-information intervals',
    seconds: fit.seconds,
    'cpu seconds': fit.cpuSeconds,
    'peak RSS MiB': peakRssMiB(),
    ratio: fit.seconds / ref,
    detail: `${f.diagnostics.groups} distinct (x, t_x, T) of ${CUSTOMERS}; ${f.bgnbd.iterations} + ${f.gammagamma!.iterations} BFGS iterations; status ${f.status}; heap +${mib(heapFit)} MiB`,
  });

  const point = timed(() => predictClv(f, customers, { horizon: HORIZON_WEEKS, draws: 0 }));
  rows.push({ name: `score: expected purchases, P(alive), order value, CLV over ${HORIZON_WEEKS} weeks`, seconds: point.seconds, 'cpu seconds': point.cpuSeconds, 'peak RSS MiB': peakRssMiB(), ratio: point.seconds / ref, detail: `${point.value.customers.length} customers, 13 monthly discount periods, no intervals` });

  const withCi = timed(() => predictClv(f, customers, { horizon: HORIZON_WEEKS, draws: DRAWS, seed: 1 }));
  rows.push({ name: `score with 95 % intervals (${DRAWS} parameter draws)`, seconds: withCi.seconds, 'cpu seconds': withCi.cpuSeconds, 'peak RSS MiB': peakRssMiB(), ratio: withCi.seconds / ref, detail: 'expected purchases and CLV intervals for every customer' });

  const rel = (est: number, truth: number) => `${est.toFixed(4)} (true ${truth})`;
  return {
    name: 'train-clv',
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    rows,
    targets: [
      { metric: `CLV fit on ${CUSTOMERS} customers, seconds`, target: `<= ${TARGET_SECONDS}`, value: Number(fit.seconds.toFixed(3)), pass: fit.seconds <= TARGET_SECONDS },
      { metric: 'CLV fit / one log-likelihood evaluation', target: 'reported', value: Number((fit.seconds / ref).toFixed(1)), pass: true },
      { metric: 'peak RSS of the benchmark process, MiB', target: 'reported', value: peakRssMiB(), pass: true },
      { metric: `fit + scoring without intervals, seconds`, target: 'reported', value: Number((fit.seconds + point.seconds).toFixed(3)), pass: true },
    ],
    notes: [
      `${CUSTOMERS} synthetic customers (seed train-clv-bench; ${repeat} repeat buyers; acquired over 39 weeks, day-granular t_x and T) drawn from BG/NBD r=${CDNOW_BGNBD.r} alpha=${CDNOW_BGNBD.alpha} a=${CDNOW_BGNBD.a} b=${CDNOW_BGNBD.b} and Gamma-Gamma p=${CDNOW_GAMMAGAMMA.p} q=${CDNOW_GAMMAGAMMA.q} gamma=${CDNOW_GAMMAGAMMA.gamma}; generated in ${gen.seconds.toFixed(1)} s, not timed`,
      `estimates: r ${rel(bg.r, CDNOW_BGNBD.r)}, alpha ${rel(bg.alpha, CDNOW_BGNBD.alpha)}, a ${rel(bg.a, CDNOW_BGNBD.a)}, b ${rel(bg.b, CDNOW_BGNBD.b)}; p ${rel(gg.p, CDNOW_GAMMAGAMMA.p)}, q ${rel(gg.q, CDNOW_GAMMAGAMMA.q)}, gamma ${rel(gg.gamma, CDNOW_GAMMAGAMMA.gamma)}`,
      'ratio = seconds / reference seconds in the same process (machine-load independent comparison); cpu seconds = user + system of this process',
      'the fit is one cold run in a fresh process (JIT warm-up included), as a training job runs it',
    ],
  };
}

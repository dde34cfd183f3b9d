// Vega-Lite spec builders for the dashboard: pure functions from the JSON routes' answers to specs (null when there is nothing to draw), unit-tested in Node without a browser.

const ARM_COLORS = { domain: ['champion', 'challenger', 'holdout'], range: ['#2f6fb0', '#e07b24', '#9aa5b1'] };
/** A band chart's height: `step` pixels per distinct value of `field` (a discrete height would make Vega-Lite drop the fit). */
const heightFor = (values, field, step) => Math.max(step * 2, step * new Set(values.map((v) => v[field])).size);
const base = (title, values) => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: title ? { text: title, anchor: 'start', fontSize: 13, fontWeight: 600 } : undefined,
  width: 'container',
  autosize: { type: 'fit-x', contains: 'padding' },
  data: { name: 'table', values },
  config: { view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 11 }, legend: { orient: 'bottom', columns: 4, labelFontSize: 11, titleFontSize: 11 } },
});

/** The current split of every endpoint: one stacked bar per model. */
export function splitSpec(endpoints) {
  const values = [];
  for (const e of endpoints ?? []) {
    if (!e.split) continue;
    values.push({ model: e.model, arm: 'champion', percent: e.split.champion.percent, version: `v${e.split.champion.version}` });
    if (e.split.challenger) values.push({ model: e.model, arm: 'challenger', percent: e.split.challenger.percent, version: `v${e.split.challenger.version}` });
    if (e.split.holdout) values.push({ model: e.model, arm: 'holdout', percent: e.split.holdout, version: 'no model' });
  }
  if (!values.length) return null;
  return {
    ...base('Traffic split now', values),
    height: heightFor(values, 'model', 26),
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'model', type: 'nominal', title: null },
      x: { field: 'percent', type: 'quantitative', title: '% of units', scale: { domain: [0, 100] } },
      color: { field: 'arm', type: 'nominal', scale: ARM_COLORS, title: 'arm' },
      order: { field: 'arm', sort: 'ascending' },
      tooltip: [{ field: 'model' }, { field: 'arm' }, { field: 'version' }, { field: 'percent', title: '%' }],
    },
  };
}

/** The challenger's share after each change of each endpoint (step lines): the split's history. */
export function splitHistorySpec(endpoints) {
  const values = [];
  for (const e of endpoints ?? [])
    for (const h of e.history ?? []) {
      if (!h.after) continue;
      values.push({ model: e.model, at: h.at, challenger: h.after.challenger ? h.after.challenger.percent : 0, champion: `v${h.after.champion.version}`, version: h.after.challenger ? `v${h.after.challenger.version}` : '—', action: h.action, actor: h.actor, reason: h.reason });
    }
  if (!values.length) return null;
  return {
    ...base('Challenger share over time', values),
    height: 140,
    layer: [
      { mark: { type: 'line', interpolate: 'step-after' }, encoding: { x: { field: 'at', type: 'temporal', title: null }, y: { field: 'challenger', type: 'quantitative', title: 'challenger %', scale: { domain: [0, 100] } }, color: { field: 'model', type: 'nominal', title: 'model' } } },
      {
        mark: { type: 'point', filled: true, size: 50 },
        encoding: {
          x: { field: 'at', type: 'temporal' },
          y: { field: 'challenger', type: 'quantitative' },
          color: { field: 'model', type: 'nominal' },
          tooltip: [{ field: 'model' }, { field: 'at', type: 'temporal', timeUnit: 'yearmonthdatehoursminutes' }, { field: 'action' }, { field: 'champion' }, { field: 'version', title: 'challenger' }, { field: 'challenger', title: 'challenger %' }, { field: 'actor' }, { field: 'reason' }],
        },
      },
    ],
  };
}

/**
 * Live precision (the model's policy metric) per version and served day with its 95 % interval, against the rollback
 * threshold. `days` is /live's `days`; only the model's policy metric is drawn.
 */
export function liveSpec(days, model, threshold) {
  const rows = (days ?? []).filter((d) => d.model === model && (!threshold || d.metric === threshold.metric) && d.value !== null && d.n > 0 && d.arm !== 'holdout');
  const values = rows.map((d) => ({ date: d.date, version: `v${d.version} (${d.arm})`, value: d.value, low: d.low, high: d.high, n: d.n, successes: d.successes }));
  if (!values.length) return null;
  const metric = threshold ? threshold.metric : rows[0].metric;
  const layer = [
    { mark: { type: 'area', opacity: 0.18 }, encoding: { x: { field: 'date', type: 'temporal', title: 'served day' }, y: { field: 'low', type: 'quantitative', title: metric, scale: { domain: [0, 1] } }, y2: { field: 'high' }, color: { field: 'version', type: 'nominal', title: 'version' } } },
    { mark: { type: 'line', point: true }, encoding: { x: { field: 'date', type: 'temporal' }, y: { field: 'value', type: 'quantitative' }, color: { field: 'version', type: 'nominal' }, tooltip: [{ field: 'version' }, { field: 'date', type: 'temporal' }, { field: 'value', format: '.3f' }, { field: 'low', format: '.3f' }, { field: 'high', format: '.3f' }, { field: 'n' }, { field: 'successes' }] } },
  ];
  if (threshold) {
    layer.push(
      { data: { values: [{ threshold: threshold.threshold }] }, mark: { type: 'rule', strokeDash: [6, 4], color: '#c0392b' }, encoding: { y: { field: 'threshold', type: 'quantitative' } } },
      { data: { values: [{ threshold: threshold.threshold, label: `rollback threshold ${threshold.threshold}` }] }, mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: '#c0392b', fontSize: 11 }, encoding: { x: { value: 0 }, y: { field: 'threshold', type: 'quantitative' }, text: { field: 'label' } } },
    );
  }
  return { ...base(`${model}: live ${metric} per version (95 % interval)`, values), height: 180, layer };
}

/** PSI per feature per night (heat map); drifted cells are marked. */
export function driftSpec(results) {
  const values = (results ?? []).map((r) => ({ night: r.run_date, feature: `${r.subject === 'predictions' ? 'scores' : r.model ?? 'shop'} · ${r.feature}`, psi: r.psi, level: r.level, drifted: r.drifted ? 'drifted' : '', p_adjusted: r.p_adjusted, n_current: r.n_current }));
  if (!values.length) return null;
  return {
    ...base('Drift: PSI per feature per night', values),
    height: heightFor(values, 'feature', 16),
    layer: [
      {
        mark: { type: 'rect', tooltip: true },
        encoding: {
          x: { field: 'night', type: 'ordinal', title: null, axis: { labelAngle: -40 } },
          y: { field: 'feature', type: 'nominal', title: null },
          color: { field: 'psi', type: 'quantitative', title: 'PSI', scale: { scheme: 'orangered', domain: [0, 0.5], clamp: true } },
          tooltip: [{ field: 'feature' }, { field: 'night' }, { field: 'psi', format: '.3f' }, { field: 'level' }, { field: 'p_adjusted', format: '.2g' }, { field: 'n_current' }],
        },
      },
      { mark: { type: 'text', fontSize: 10, color: '#1f2933' }, encoding: { x: { field: 'night', type: 'ordinal' }, y: { field: 'feature', type: 'nominal' }, text: { field: 'drifted' } } },
    ],
  };
}

/** One line of words for a timeline event (the list under the chart and the tooltips). */
export function describeEvent(e) {
  if (e.kind === 'decision') {
    const p = e.precision;
    const evidence = p ? `${p.metric} ${p.value.toFixed(3)} (${Math.round(p.confidence * 100)} % interval ${p.low.toFixed(3)}–${p.high.toFixed(3)}, n = ${p.trials}) vs threshold ${p.threshold}` : '';
    const guard = (e.guardrails ?? []).map((g) => `${g.metric} Δ ${g.difference.toFixed(4)} [${g.low.toFixed(4)}, ${g.high.toFixed(4)}]`).join('; ');
    return `monitor ${e.action === 'rollback' ? 'rolled back' : 'promoted'} ${e.model} v${e.version} (${e.reason.replace(/_/g, ' ')}): ${[evidence, guard].filter(Boolean).join('; ') || 'no evidence recorded'}`;
  }
  if (e.kind === 'retrain') return `retraining ${e.models.join(', ')} (${e.trigger}, ${e.status}): ${e.reason}`;
  const split = e.after ? `champion v${e.after.champion.version} ${e.after.champion.percent} %${e.after.challenger ? `, challenger v${e.after.challenger.version} ${e.after.challenger.percent} %` : ''}` : 'no split';
  return `${e.action.replace('_', ' ')} ${e.model}${e.version ? ` v${e.version}` : ''} by ${e.actor}: ${split} (${e.reason})`;
}

/** Rollouts, the monitor's decisions and retraining requests on one time axis, one lane per model. */
export function timelineSpec(events) {
  const values = [];
  for (const e of events ?? []) {
    const what = e.kind === 'decision' ? e.action : e.kind === 'retrain' ? 'retrain' : e.action;
    for (const model of e.kind === 'retrain' ? e.models : [e.model]) values.push({ at: e.at, model, kind: e.kind, what, detail: describeEvent(e) });
  }
  if (!values.length) return null;
  return {
    ...base('Rollout and rollback timeline', values),
    height: heightFor(values, 'model', 30),
    mark: { type: 'point', filled: true, size: 110, opacity: 0.9 },
    encoding: {
      x: { field: 'at', type: 'temporal', title: null },
      y: { field: 'model', type: 'nominal', title: null },
      color: { field: 'what', type: 'nominal', title: 'event', scale: { domain: ['deploy', 'split', 'ramp', 'swap', 'switch_back', 'undeploy', 'promote', 'rollback', 'retrain'], range: ['#2f6fb0', '#7aa6d6', '#3a9d5d', '#8e44ad', '#b07cc6', '#9aa5b1', '#27ae60', '#c0392b', '#f0a500'] } },
      shape: { field: 'kind', type: 'nominal', title: 'source', scale: { domain: ['rollout', 'decision', 'retrain'], range: ['circle', 'diamond', 'triangle-up'] } },
      tooltip: [{ field: 'at', type: 'temporal', timeUnit: 'yearmonthdatehoursminutes' }, { field: 'model' }, { field: 'what' }, { field: 'detail' }],
    },
  };
}

/** A variant's daily demand: history, forecast and its 80 / 95 % bands. */
export function demandSpec(f) {
  if (!f || (!f.history?.length && !f.forecast?.length)) return null;
  const values = [...(f.history ?? []).map((h) => ({ date: h.date, units: h.units, series: 'sold' })), ...(f.forecast ?? []).map((x) => ({ date: x.date, units: x.forecast, series: 'forecast', lo80: x.lo80, hi80: x.hi80, lo95: x.lo95, hi95: x.hi95 }))];
  const x = { field: 'date', type: 'temporal', title: null };
  const isForecast = { filter: "datum.series === 'forecast'" };
  return {
    ...base(`Variant ${f.variant_id}: daily units, forecast with 80 / 95 % bands`, values),
    height: 190,
    layer: [
      { transform: [isForecast], mark: { type: 'area', color: '#e07b24', opacity: 0.15 }, encoding: { x, y: { field: 'lo95', type: 'quantitative', title: 'units per day' }, y2: { field: 'hi95' } } },
      { transform: [isForecast], mark: { type: 'area', color: '#e07b24', opacity: 0.3 }, encoding: { x, y: { field: 'lo80', type: 'quantitative' }, y2: { field: 'hi80' } } },
      {
        mark: { type: 'line', strokeWidth: 1.6 },
        encoding: {
          x,
          y: { field: 'units', type: 'quantitative' },
          color: { field: 'series', type: 'nominal', title: null, scale: { domain: ['sold', 'forecast'], range: ['#52606d', '#e07b24'] } },
          tooltip: [{ field: 'date', type: 'temporal' }, { field: 'series' }, { field: 'units', format: '.2f' }, { field: 'lo80', format: '.2f' }, { field: 'hi80', format: '.2f' }, { field: 'lo95', format: '.2f' }, { field: 'hi95', format: '.2f' }],
        },
      },
    ],
  };
}

/** Projected stock (stock less the cumulative forecast) against the reorder point: when to reorder. */
export function stockSpec(f) {
  const r = f?.replenishment;
  if (!r || r.stock === null || r.stock === undefined || !f.forecast?.length) return null;
  let left = r.stock;
  const values = [{ date: f.batch.snapshot_date, stock: r.stock }];
  for (const x of f.forecast) {
    left -= x.forecast;
    values.push({ date: x.date, stock: Math.round(left * 100) / 100 });
  }
  return {
    ...base(`Stock ${r.stock}, reorder point ${r.reorder_point.toFixed(1)} (${Math.round(r.service_level * 100)} % service, ${r.lead_time_days} d lead time)`, values),
    height: 140,
    layer: [
      { mark: { type: 'area', line: true, color: '#2f6fb0', opacity: 0.25 }, encoding: { x: { field: 'date', type: 'temporal', title: null }, y: { field: 'stock', type: 'quantitative', title: 'projected stock' }, tooltip: [{ field: 'date', type: 'temporal' }, { field: 'stock', format: '.1f' }] } },
      { data: { values: [{ rp: r.reorder_point, label: 'reorder point' }] }, mark: { type: 'rule', color: '#c0392b', strokeDash: [6, 4] }, encoding: { y: { field: 'rp', type: 'quantitative' }, tooltip: [{ field: 'label' }, { field: 'rp', format: '.1f' }] } },
    ],
  };
}

/** Customers per CLV bin. */
export function clvSpec(c) {
  const values = (c?.clv ?? []).map((b) => ({ low: b.low, high: b.high, customers: b.customers }));
  if (!values.some((v) => v.customers > 0)) return null;
  return {
    ...base(`CLV distribution (clv v${c.batch.version}, snapshot ${c.batch.snapshot_date})`, values),
    height: 160,
    mark: { type: 'bar', color: '#2f6fb0', tooltip: true, binSpacing: 1 },
    encoding: {
      x: { field: 'low', type: 'quantitative', bin: { binned: true }, title: 'CLV (shop currency; last bin: the top 1 % and above)' },
      x2: { field: 'high' },
      y: { field: 'customers', type: 'quantitative', title: 'customers' },
      tooltip: [{ field: 'low', format: '.0f' }, { field: 'high', format: '.0f' }, { field: 'customers' }],
    },
  };
}

/** Customers per RFM segment, coloured by their mean CLV. */
export function segmentsSpec(c) {
  const values = (c?.segments ?? []).map((s) => ({ segment: s.segment, customers: s.customers, clv_mean: s.clv_mean, p_alive_mean: s.p_alive_mean }));
  if (!values.length) return null;
  return {
    ...base('RFM segments', values),
    height: heightFor(values, 'segment', 22),
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'segment', type: 'nominal', sort: '-x', title: null },
      x: { field: 'customers', type: 'quantitative', title: 'customers' },
      color: { field: 'clv_mean', type: 'quantitative', title: 'mean CLV', scale: { scheme: 'blues' } },
      tooltip: [{ field: 'segment' }, { field: 'customers' }, { field: 'clv_mean', format: '.1f', title: 'mean CLV' }, { field: 'p_alive_mean', format: '.2f', title: 'mean P(alive)' }],
    },
  };
}

/** Events landed per minute over the last hour. */
export function ingestSpec(h) {
  const values = (h?.perMinute ?? []).map((m) => ({ minute: m.minute, events: m.events }));
  if (!values.length) return null;
  return {
    ...base('Events landed per minute', values),
    height: 120,
    mark: { type: 'bar', color: '#3a9d5d', tooltip: true },
    encoding: { x: { field: 'minute', type: 'temporal', title: null }, y: { field: 'events', type: 'quantitative', title: 'events' }, tooltip: [{ field: 'minute', type: 'temporal', timeUnit: 'hoursminutes' }, { field: 'events' }] },
  };
}

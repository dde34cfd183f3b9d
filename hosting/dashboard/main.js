// The operations dashboard: loads every card from the JSON routes, draws the Vega-Lite specs, and wires the shop and variant pickers, refresh and the admin token form.
import { createApi } from './api.js';
import { describeEvent, clvSpec, demandSpec, driftSpec, ingestSpec, liveSpec, segmentsSpec, splitHistorySpec, splitSpec, stockSpec, timelineSpec } from './specs.js';
import { card, draw, esc, load } from './panel.js';

const api = createApi();
const fmt = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 10 ? 3 : 1)) : esc(v));

async function models() {
  const { models } = await api.get('models');
  const rows = models.flatMap((m) => m.versions.map((v) => ({ model: m.model, ...v })));
  const el = card('models').querySelector('[data-table]');
  el.innerHTML = rows.length
    ? `<table><thead><tr><th>model</th><th>version</th><th>aliases</th><th>holdout metrics</th><th>run</th></tr></thead><tbody>${rows
        .reverse()
        .map((v) => `<tr><td>${esc(v.model)}</td><td>v${v.version}</td><td>${v.aliases.map((a) => `<span class="badge ${esc(a)}">${esc(a)}</span>`).join(' ')}</td><td class="metrics">${Object.entries(v.metrics).slice(0, 6).map(([k, x]) => `<span>${esc(k)} <b>${fmt(x)}</b></span>`).join(' ')}</td><td class="mono">${esc(v.runId)}</td></tr>`)
        .join('')}</tbody></table>`
    : '';
  return rows.length > 0;
}

async function runs() {
  const { runs, comparison } = await api.get('runs', { limit: '4' });
  const el = card('runs').querySelector('[data-table]');
  if (!runs.length) {
    el.innerHTML = '';
    return false;
  }
  // What tells the runs apart: rows that differ (params first), then the data snapshot.
  const order = { param: 0, data: 1, metric: 2, code: 3 };
  const interesting = comparison.rows.filter((r) => r.section !== 'step' && (r.differs || r.section === 'data')).sort((a, b) => order[a.section] - order[b.section]).slice(0, 30);
  el.innerHTML = `<table><thead><tr><th></th>${comparison.runs.map((r) => `<th class="mono">${esc(r.id)}<br><small>${esc(r.status)} · ${esc(r.startedAt.slice(0, 16).replace('T', ' '))}</small></th>`).join('')}</tr></thead><tbody>${interesting
    .map((r) => `<tr class="${r.differs ? 'differs' : ''}"><th>${esc(r.section)} ${esc(r.name)}</th>${r.values.map((v) => `<td>${fmt(v)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  return true;
}

async function traffic() {
  const { endpoints } = await api.get('endpoints');
  const a = await draw('traffic', 'split', splitSpec(endpoints));
  const b = await draw('traffic', 'history', splitHistorySpec(endpoints));
  return a || b;
}

async function live() {
  const { days, thresholds } = await api.get('live');
  const host = card('live').querySelector('[data-charts]');
  const modelsWithData = [...new Set(days.filter((d) => d.n > 0 && d.value !== null && thresholds[d.model]?.metric === d.metric).map((d) => d.model))];
  host.replaceChildren(
    ...modelsWithData.map((m) => {
      const div = document.createElement('div');
      div.className = 'chart';
      div.dataset.chart = `live-${m}`;
      return div;
    }),
  );
  let any = false;
  for (const m of modelsWithData) any = (await draw('live', `live-${m}`, liveSpec(days, m, thresholds[m]))) || any;
  return any;
}

async function drift() {
  const { results } = await api.get('drift');
  return draw('drift', 'heatmap', driftSpec(results));
}

async function timeline() {
  const { events } = await api.get('timeline');
  const drawn = await draw('timeline', 'events', timelineSpec(events));
  const list = card('timeline').querySelector('[data-list]');
  list.innerHTML = events
    .slice()
    .reverse()
    .map((e) => `<li class="event ${esc(e.kind)} ${esc(e.kind === 'retrain' ? 'retrain' : e.action)}" data-kind="${esc(e.kind)}" data-action="${esc(e.action ?? e.trigger)}"><time>${esc(e.at.slice(0, 16).replace('T', ' '))}</time> ${esc(describeEvent(e))}</li>`)
    .join('');
  return drawn;
}

let variantsLoaded = false;
async function forecast() {
  const picker = document.getElementById('variant');
  if (!variantsLoaded) {
    const { variants } = await api.get('variants');
    picker.replaceChildren(
      ...variants.map((v) => {
        const o = document.createElement('option');
        o.value = v.variant_id;
        o.textContent = `${v.variant_id}${v.below_reorder_point ? ' · below reorder point' : ''} · ${v.forecast_total.toFixed(0)} units / horizon${v.stock === null ? '' : ` · stock ${v.stock}`}`;
        return o;
      }),
    );
    variantsLoaded = true;
    if (!variants.length) return false;
  }
  if (!picker.value) return false;
  const f = await api.get('forecast', { variant_id: picker.value });
  const a = await draw('forecast', 'demand', demandSpec(f));
  await draw('forecast', 'stock', stockSpec(f));
  const r = f.replenishment;
  card('forecast').querySelector('[data-facts]').textContent = r
    ? `${r.forecast_model} model (${r.demand_class}) · forecast v${f.batch.version} from ${f.batch.snapshot_date} · safety stock ${r.safety_stock.toFixed(1)} · ${r.days_of_cover === null ? 'days of cover unknown' : `${r.days_of_cover.toFixed(1)} days of cover`}`
    : '';
  return a;
}

async function customers() {
  const c = await api.get('customers');
  const a = await draw('customers', 'clv', clvSpec(c));
  const b = await draw('customers', 'segments', segmentsSpec(c));
  return a || b;
}

async function ingest() {
  const h = await api.get('ingest');
  const tiles = card('ingest').querySelector('[data-tiles]');
  const total = h.perMinute.reduce((s, m) => s + m.events, 0);
  tiles.innerHTML = [
    ['events, last hour', total],
    ['quarantined, waiting for a replay', h.quarantine],
    ['backlog (acknowledged, not landed)', h.backlog ? `${(h.backlog.bytes / 1024).toFixed(0)} KiB${h.backlog.oldestSeconds ? `, oldest ${h.backlog.oldestSeconds.toFixed(0)} s` : ''}` : 'n/a (Pub/Sub)'],
  ]
    .map(([k, v]) => `<div class="tile"><b>${esc(v)}</b><span>${esc(k)}</span></div>`)
    .join('');
  return draw('ingest', 'rate', ingestSpec(h));
}

const CARDS = [
  ['models', models, 'No model registered yet: run `npx shop-mlops train`.'],
  ['runs', runs, 'No training run tracked yet.'],
  ['traffic', traffic, 'No endpoint deployed yet: `npx shop-mlops deploy MODEL --version champion`.'],
  ['live', live, 'No labelled outcomes yet: served predictions are judged once their outcome windows close.'],
  ['drift', drift, 'No drift night yet: the drift job runs nightly.'],
  ['timeline', timeline, 'Nothing has happened to the endpoints yet.'],
  ['forecast', forecast, 'No forecast batch yet: train and score the forecast model.'],
  ['customers', customers, 'No CLV batch yet: train and score the clv model.'],
  ['ingest', ingest, 'No events landed in the last hour.'],
];

async function loadAll() {
  variantsLoaded = false;
  await Promise.all(CARDS.map(([id, loader, empty]) => load(id, loader, empty)));
  document.getElementById('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  window.dashboard.loaded = (window.dashboard.loaded ?? 0) + 1;
}

async function start() {
  const auth = document.getElementById('auth');
  if (api.local) {
    document.getElementById('token-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      api.setToken(new FormData(ev.target).get('token'));
      auth.hidden = true;
      void start();
    });
    window.addEventListener('dashboard:unauthorized', () => {
      api.forgetToken();
      auth.hidden = false;
    });
  }
  let shops;
  try {
    ({ shops } = await api.get('shops'));
  } catch (err) {
    if (err.status === 401 && api.local) {
      auth.hidden = false;
      return;
    }
    document.getElementById('fatal').textContent = `The dashboard could not reach its routes: ${err.message}`;
    return;
  }
  const shopPicker = document.getElementById('shop');
  shopPicker.replaceChildren(...shops.map((s) => Object.assign(document.createElement('option'), { value: s, textContent: s })));
  if (!api.shop || !shops.includes(api.shop)) api.setShop(shops[0] ?? '');
  shopPicker.value = api.shop;
  if (!shops.length) {
    document.getElementById('fatal').textContent = 'No shop has data yet: send webhooks (`npx shop-mlops simulate`) or start the demo (`npm start`).';
    return;
  }
  await loadAll();
}

document.getElementById('shop').addEventListener('change', (ev) => {
  api.setShop(ev.target.value);
  void loadAll();
});
document.getElementById('variant').addEventListener('change', () => void load('forecast', forecast, 'No forecast for this variant.'));
document.getElementById('refresh').addEventListener('click', () => void loadAll());
void start();

// A dashboard card's states (loading, empty, error with retry, drawn) and its Vega-Lite charts, registered on window.dashboard for the browser test.

window.dashboard = window.dashboard ?? { views: {}, ready: {} };

/** The card element of a section id. */
export const card = (id) => document.getElementById(id);

export function setState(id, state, message = '', retry) {
  const el = card(id);
  el.dataset.state = state;
  const status = el.querySelector('.status');
  status.textContent = state === 'loading' ? 'Loading…' : message;
  status.setAttribute('role', state === 'error' ? 'alert' : 'status');
  if (state === 'error' && retry) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = 'Retry';
    b.addEventListener('click', retry);
    status.append(' ', b);
  }
}

/** Draws a spec into the card's chart slot `slot`; a null spec leaves the slot empty and returns false. */
export async function draw(id, slot, spec) {
  const host = card(id).querySelector(`[data-chart="${slot}"]`);
  window.dashboard.views[`${id}/${slot}`]?.finalize();
  delete window.dashboard.views[`${id}/${slot}`];
  host.replaceChildren();
  if (!spec) return false;
  const result = await window.vegaEmbed(host, spec, { actions: false, renderer: 'svg' });
  window.dashboard.views[`${id}/${slot}`] = result.view;
  return true;
}

/** Runs a card's loader with its states: loading, then drawn, empty (with `emptyText`) or error (with a retry). */
export async function load(id, loader, emptyText) {
  setState(id, 'loading');
  try {
    const drawn = await loader();
    setState(id, drawn ? 'ready' : 'empty', drawn ? '' : emptyText);
  } catch (err) {
    setState(id, 'error', `Could not load: ${err.message}`, () => load(id, loader, emptyText));
    if (err.status === 401) window.dispatchEvent(new CustomEvent('dashboard:unauthorized'));
  } finally {
    window.dashboard.ready[id] = card(id).dataset.state;
  }
}

/** Escapes text for the HTML tables. */
export const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]);

// Output helpers shared by the simulate and replay verbs: a throttled progress line on stderr and plain-text tables.
import type { SendProgress, SendResult } from './send';

/** A progress line rewritten in place on a terminal (nothing when stderr is not a TTY or JSON output is on). */
export function progressLine(label: string, enabled: boolean): { update: (p: SendProgress) => void; done: () => void } {
  const tty = enabled && Boolean(process.stderr.isTTY);
  let last = 0;
  const started = Date.now();
  let shown = false;
  return {
    update(p) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100 && p.done < p.total) return;
      last = now;
      const rate = Math.round((p.done / Math.max(1, now - started)) * 1000);
      const pct = p.total > 0 ? ` (${Math.floor((p.done / p.total) * 100)}%)` : '';
      process.stderr.write(`\r${label}: ${p.done}/${p.total}${pct} · ${p.failed} failed · ${p.retries} retries · ${rate}/s   `);
      shown = true;
    },
    done() {
      if (tty && shown) process.stderr.write('\n');
    },
  };
}

/** Left column text, right columns right-aligned. */
export function table(rows: Array<Array<string | number>>, indent = '  '): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, String(c).length)));
  return rows.map((r) => indent + r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ')).join('\n');
}

export function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

export function sendLines(r: SendResult): string {
  const statuses = Object.entries(r.byStatus).map(([s, n]) => `${s}: ${n}`).join(', ') || 'none';
  const lines = [
    `sent ${r.total} in ${(r.elapsedMs / 1000).toFixed(1)} s (${r.perSecond}/s) · delivered ${r.delivered} · failed ${r.failed} · retries ${r.retries}`,
    `final statuses: ${statuses}`,
  ];
  for (const f of r.failures.slice(0, 5)) lines.push(`  failed ${f.topic} ${f.webhookId}: ${f.error} after ${f.attempts} attempt(s)`);
  if (r.failures.length > 5) lines.push(`  … ${r.failures.length - 5} more failures`);
  return lines.join('\n');
}

// Money in integer cents: exact parsing of decimal text and Shopify's two-decimal string format.

/** Parses a decimal amount ("2.55", "-11062.06", "0.001", "17") to cents, rounding half away from zero. */
export function parseCents(text: string): number {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`not a decimal amount: ${JSON.stringify(text)}`);
  const sign = m[1] === '-' ? -1 : 1;
  const whole = Number(m[2] || '0');
  const frac = (m[3] ?? '').padEnd(3, '0');
  const cents = whole * 100 + Number(frac.slice(0, 2)) + (Number(frac[2]) >= 5 ? 1 : 0);
  return cents === 0 ? 0 : sign * cents;
}

/** Parses a decimal amount to millionths ("14.665" → 14665000), rounding half away from zero; for exact line totals. */
export function parseMicros(text: string): number {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`not a decimal amount: ${JSON.stringify(text)}`);
  const sign = m[1] === '-' ? -1 : 1;
  const frac = (m[3] ?? '').padEnd(7, '0');
  const micros = Number(m[2] || '0') * 1_000_000 + Number(frac.slice(0, 6)) + (Number(frac[6]) >= 5 ? 1 : 0);
  return micros === 0 ? 0 : sign * micros;
}

/** Millionths → cents, rounding half away from zero. */
export function microsToCents(micros: number): number {
  const c = Math.round(Math.abs(micros) / 10_000);
  return c === 0 ? 0 : Math.sign(micros) * c;
}

/** Cents → "12.30" (negative amounts keep their sign). */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Shopify's money set (shop and presentment money in one currency). */
export function moneySet(cents: number, currency: string) {
  const amount = formatCents(cents);
  return { shop_money: { amount, currency_code: currency }, presentment_money: { amount, currency_code: currency } };
}

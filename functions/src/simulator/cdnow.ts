// Converts CDNOW transactions (lifetimes' CDNOW_sample / CDNOW_master) to the UCI Online Retail CSV layout for replay.

export interface CdnowTransaction {
  customerId: string;
  date: string; // YYYY-MM-DD
  cds: number;
  dollars: string;
}

/**
 * Parses whitespace-separated CDNOW lines: `master_id sample_id yyyymmdd n_cds dollar_value` (sample, the sample id is the
 * customer) or `customer_id yyyymmdd n_cds dollar_value` (master; its header line is skipped).
 */
export function parseCdnow(text: string): CdnowTransaction[] {
  const out: CdnowTransaction[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const f = raw.trim().split(/\s+/);
    if (f.length === 1 && f[0] === '') continue;
    if (out.length === 0 && !/^\d/.test(f[0]!)) continue; // CDNOW_master.txt starts with a header line
    let customer: string;
    let ymd: string;
    let cds: string;
    let dollars: string;
    if (f.length === 5) [, customer, ymd, cds, dollars] = f as [string, string, string, string, string];
    else if (f.length === 4) [customer, ymd, cds, dollars] = f as [string, string, string, string];
    else throw new Error(`CDNOW line ${i + 1}: expected 4 or 5 fields, got ${f.length}`);
    if (!/^\d{8}$/.test(ymd) || !/^\d+$/.test(cds) || !/^-?\d*\.?\d+$/.test(dollars)) throw new Error(`CDNOW line ${i + 1}: cannot read ${JSON.stringify(raw)}`);
    out.push({ customerId: String(Number(customer)), date: `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`, cds: Number(cds), dollars });
  }
  return out;
}

/**
 * One UCI row (and invoice) per transaction: InvoiceNo = running number, StockCode `CD`, Quantity = number of CDs,
 * UnitPrice = dollars / CDs (to six decimals, so Quantity × UnitPrice gives back the dollars; a 0-CD line keeps the whole
 * value with quantity 1), InvoiceDate = the day at
 * 12:00, CustomerID = the customer id as UCI writes it (`4.0`). Zero-value purchases stay (they are purchases).
 */
export function cdnowToUciCsv(text: string): string {
  const lines = ['InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country'];
  parseCdnow(text).forEach((t, i) => {
    const cents = Math.round(Number(t.dollars) * 100);
    const quantity = t.cds > 0 ? t.cds : 1;
    const unit = (cents / 100 / quantity).toFixed(6).replace(/(\.\d\d\d*?)0+$/, '$1');
    lines.push(`${100001 + i},CD,CDNOW purchase,${quantity},${t.date} 12:00:00,${unit},${t.customerId}.0,United States`);
  });
  return lines.join('\n') + '\n';
}

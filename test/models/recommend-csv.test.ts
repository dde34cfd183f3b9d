// Purchases CSV for the recommender: UCI cleaning, the customer_id,item_id,date layout, dates, and errors naming the line.
import { parsePurchaseDate, readItemList, readPurchasesCsv } from '../../functions/src/models/recommend/purchases-csv';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { csvField, formatScore } from '../../functions/src/models/recommend/recommendations-csv';

const UCI_HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

const UCI = [
  UCI_HEADER,
  '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom',
  '536365,71053,"WHITE METAL LANTERN, LARGE",6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom',
  '536365,POST,POSTAGE,1,2010-12-01 08:26:00,18.0,17850.0,United Kingdom',
  '536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,,United Kingdom',
  'C536379,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-1,2010-12-01 09:41:00,2.55,17850.0,United Kingdom',
  '536380,m,Manual,1,2010-12-01 09:45:00,1.0,12583.0,France',
  '536381,22633,HAND WARMER UNION JACK,-2,2010-12-01 09:46:00,1.85,12583.0,France',
  '536382,22633,HAND WARMER UNION JACK,0,2010-12-01 09:47:00,1.85,12583.0,France',
  '536383,22633,HAND WARMER UNION JACK,12,2010-12-02 10:00:00,1.85,13047.0,United Kingdom',
  '536383,71053,"WHITE METAL LANTERN, LARGE",2,2010-12-02 10:00:00,3.39,13047.0,United Kingdom',
  'C536390,22633,HAND WARMER UNION JACK,-3,2010-12-03 10:00:00,1.85,99999.0,United Kingdom',
].join('\r\n');

describe('UCI layout', () => {
  test('drops guests, returns, zero quantities and non-product codes; keeps every customer', async () => {
    const { interactions: x, report } = await readPurchasesCsv(UCI);
    expect(report).toMatchObject({ layout: 'uci', records: 11, purchases: 4, orders: 2, dropped: { guest: 1, returns: 3, zeroQuantity: 1, nonProduct: 2 } });
    expect(report.firstDate).toBe('2010-12-01T08:26:00.000Z');
    expect(report.lastDate).toBe('2010-12-02T10:00:00.000Z');
    // CustomerID 17850.0 → 17850; 12583 (only non-products, returns and a zero) and 99999 (only a return) are still customers.
    expect(x.customerIds).toEqual(['17850', '12583', '13047', '99999']);
    const lines = Array.from({ length: x.length }, (_, k) => [x.customerIds[x.customer[k]!], x.itemIds[x.item[k]!], x.basket[k]]);
    expect(lines).toEqual([
      ['17850', '85123A', 0],
      ['17850', '71053', 0],
      ['13047', '22633', 1],
      ['13047', '71053', 1],
    ]);
  });

  test('columns may come in any order, extra columns are ignored, a BOM is tolerated', async () => {
    const csv = '\uFEFFCountry,CustomerID,InvoiceDate,Quantity,StockCode,InvoiceNo,Extra\nUK,1.0,2011-01-02 03:04:05,2,X1,9,?\n';
    const { interactions: x } = await readPurchasesCsv(csv);
    expect([x.customerIds[0], x.itemIds[0], x.time[0]]).toEqual(['1', 'X1', Date.UTC(2011, 0, 2, 3, 4, 5)]);
  });
});

describe('customer_id,item_id,date layout', () => {
  test('one order per customer and date', async () => {
    const csv = 'customer_id,item_id,date\nu1,a,2024-03-01\nu1,b,2024-03-01\nu1,c,2024-03-05\nu2,a,2024-03-01T10:00:00Z\n';
    const { interactions: x, report } = await readPurchasesCsv(csv);
    expect(report).toMatchObject({ layout: 'customer_item_date', records: 4, purchases: 4, customers: 2, items: 3, orders: 3 });
    expect(Array.from(x.basket)).toEqual([0, 0, 1, 2]);
  });
});

describe('bad files are BAD_REQUEST naming the line', () => {
  const fails = async (csv: string) => {
    try {
      await readPurchasesCsv(csv);
    } catch (e) {
      expect(e).toBeInstanceOf(ShopMlopsError);
      expect((e as ShopMlopsError).code).toBe('BAD_REQUEST');
      return (e as ShopMlopsError).message;
    }
    throw new Error('expected a failure');
  };

  test('missing columns', async () => {
    expect(await fails('InvoiceNo,StockCode,Quantity,InvoiceDate\n1,a,1,2011-01-01\n')).toMatch(/^line 1: .*UCI layout columns missing: CustomerID/);
    expect(await fails('customer_id,item_id\nu,a\n')).toMatch(/^line 1: .*columns missing: date/);
    expect(await fails('')).toMatch(/^line 1: the file is empty/);
  });

  test('unparsable dates, non-integer quantities, empty ids, short rows', async () => {
    expect(await fails(`${UCI_HEADER}\n1,a,x,1,2011-01-01 10:00:00,1,5.0,UK\n2,a,x,1,2011-13-01 10:00:00,1,5.0,UK\n`)).toBe('line 3: InvoiceDate "2011-13-01 10:00:00" is not a date (YYYY-MM-DD[ HH:MM[:SS]] or M/D/YYYY H:MM)');
    expect(await fails(`${UCI_HEADER}\n1,a,x,1.5,2011-01-01 10:00:00,1,5.0,UK\n`)).toMatch(/^line 2: Quantity is not an integer/);
    expect(await fails('customer_id,item_id,date\nu,a,2024-01-01\nu,,2024-01-02\n')).toMatch(/^line 3: item_id is empty/);
    expect(await fails('customer_id,item_id,date\nu,a,2024-01-01\nu,b,yesterday\n')).toMatch(/^line 3: date "yesterday" is not a date/);
    expect(await fails('customer_id,item_id,date\nu,a\n')).toMatch(/^line 2: expected at least 3 fields, found 2/);
  });
});

test('dates: ISO days and times (zone or UTC), the spreadsheet M/D/YYYY form; impossible dates rejected', () => {
  expect(parsePurchaseDate('2011-12-09 12:50:00')).toBe(Date.UTC(2011, 11, 9, 12, 50));
  expect(parsePurchaseDate('2011-12-09')).toBe(Date.UTC(2011, 11, 9));
  expect(parsePurchaseDate('2011-12-09T12:50:00+01:00')).toBe(Date.UTC(2011, 11, 9, 11, 50));
  expect(parsePurchaseDate('12/1/2010 8:26')).toBe(Date.UTC(2010, 11, 1, 8, 26));
  for (const bad of ['2011-02-30', '2011-12-09 25:00', '09.12.2011', '', '2011-1-9']) expect(parsePurchaseDate(bad)).toBeNull();
});

test('item lists: one id per line or an item_id column', async () => {
  expect(await readItemList('a\nb\n\nc\n')).toEqual(['a', 'b', 'c']);
  expect(await readItemList('sku,item_id\n1,x\n2,y\n')).toEqual(['x', 'y']);
});

test('output fields: ids quoted only when needed, scores with 6 significant digits', () => {
  expect(['85123A', 'a,b', 'say "hi"', 'two\nlines'].map(csvField)).toEqual(['85123A', '"a,b"', '"say ""hi"""', '"two\nlines"']);
  expect([0.123456789, 1234567.8, 0.5, 2e-9].map(formatScore)).toEqual(['0.123457', '1234570', '0.5', '2e-9']);
});

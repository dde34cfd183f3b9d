// The long demand layout unique_id,ds,y[,in_stock]: zero-filling, censored days, and errors that name the line.
import * as path from 'node:path';
import { readLongCsv } from '../../functions/src/models/forecast/long-csv';
import { readM5Wide } from '../../functions/src/models/forecast/m5-csv';
import { testNeedingShared } from '../helpers/shared';

test('series run from their first row to the last day of the file; days without a row are 0; extra columns are ignored', async () => {
  const csv = ['ds,y,unique_id,revenue', '2024-03-01,3,A,9.0', '2024-03-03,1,A,3.0', '2024-03-02,2,"B, large",4', '2024-03-05,0,A,0'].join('\n');
  const p = await readLongCsv(csv, 'f.csv');
  expect(p.rows).toBe(4);
  expect(p.lastDate).toBe('2024-03-05');
  expect(p.series.map((s) => [s.id, s.start, Array.from(s.units)])).toEqual([
    ['A', '2024-03-01', [3, 0, 1, 0, 0]],
    ['B, large', '2024-03-02', [2, 0, 0, 0]],
  ]);
  expect(p.zeroFilled).toBe(2 + 3);
});

test('an empty y or in_stock false marks a censored day; dates may carry a midnight time; CRLF and a BOM are fine', async () => {
  const csv = '\uFEFFunique_id,ds,y,in_stock\r\nA,2024-03-01 00:00:00,3,true\r\nA,2024-03-02,,1\r\nA,2024-03-03T00:00,0,false\r\nA,2024-03-04,5,\r\n';
  const p = await readLongCsv(csv);
  expect(Array.from(p.series[0]!.units)).toEqual([3, null, 0, 5]);
  expect(Array.from(p.series[0]!.observed!)).toEqual([true, false, false, true]);
});

test.each([
  ['a missing column', 'unique_id,date,y\nA,2024-01-01,1\n', /line 1: missing column\(s\) ds/],
  ['an unparsable date', 'unique_id,ds,y\nA,2024-01-01,1\nA,01/02/2024,2\n', /line 3: ds is not a date/],
  ['an impossible date', 'unique_id,ds,y\nA,2024-02-30,1\n', /line 2: ds "2024-02-30" is not a calendar date/],
  ['a time of day', 'unique_id,ds,y\nA,2024-01-01 10:30:00,1\n', /line 2: ds is not a date/],
  ['a negative y', 'unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,-3\n', /line 3: y -3 is negative/],
  ['a text y', 'unique_id,ds,y\nA,2024-01-01,many\n', /line 2: y "many" is not a number/],
  ['a bad in_stock', 'unique_id,ds,y,in_stock\nA,2024-01-01,1,maybe\n', /line 2: in_stock "maybe"/],
  ['an empty id', 'unique_id,ds,y\n,2024-01-01,1\n', /line 2: unique_id is empty/],
  ['a short row', 'unique_id,ds,y\nA,2024-01-01\n', /line 2: 2 field\(s\)/],
  ['a duplicate day', 'unique_id,ds,y\nA,2024-01-01,1\nB,2024-01-01,1\nA,2024-01-01,2\n', /line 4: A on 2024-01-01 was already given on line 2/],
  ['no rows', 'unique_id,ds,y\n', /no data rows/],
  ['nothing', '', /empty/],
])('%s is a BAD_REQUEST naming the line', async (_name, csv, message) => {
  await expect(readLongCsv(csv, 'demand.csv')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(message) });
});

const M5 = path.resolve(__dirname, '../../../shared/data/demand/m5_subset');
testNeedingShared(path.join(M5, 'calendar.csv'), 'the M5 reader test')('the M5 wide file maps d_1 … d_1913 to consecutive calendar days from 2011-01-29', async () => {
  const series = await readM5Wide(path.join(M5, 'sales_train_validation_10series.csv'), path.join(M5, 'calendar.csv'));
  expect(series).toHaveLength(10);
  expect(series[0]).toMatchObject({ id: 'HOBBIES_1_001_CA_1_validation', start: '2011-01-29' });
  expect(series[0]!.units).toHaveLength(1913);
  expect(series.every((s) => Array.from(s.units).every((v) => typeof v === 'number' && v >= 0 && Number.isInteger(v)))).toBe(true);
});

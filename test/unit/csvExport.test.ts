// CSV written for people opens in spreadsheets: text that starts like a formula must not run there
// (OWASP "CSV Injection"), while numbers and ordinary text stay exactly as they are.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseCsvStream } from '../../src/engines/csvStream';
import { csvField, csvLine } from '../../src/engines/resultFormat';

async function readBack(text: string): Promise<string[][]> {
  const records: string[][] = [];
  for await (const batch of parseCsvStream(
    (async function* () {
      yield Buffer.from(text);
    })(),
  ))
    records.push(...(batch as string[][]));
  return records;
}

describe('CSV export', () => {
  it('defuses cells that a spreadsheet would run as a formula', () => {
    for (const text of ['=HYPERLINK("http://x","y")', '+1+cmd|" /C calc"!A0', '-2+3', '@SUM(A1:A2)', '\tfoo', '\r=1', '=1,2']) {
      const field = csvField(text);
      const unquoted = field.startsWith('"') ? field.slice(1, -1).replace(/""/g, '"') : field;
      assert.equal(unquoted, `'${text}`, `${JSON.stringify(text)} became ${field}`);
    }
  });

  it('leaves numbers, number-like text and ordinary text alone', () => {
    assert.equal(csvField(-5), '-5');
    assert.equal(csvField(1.5e-3), '0.0015');
    assert.equal(csvField('-5'), '-5');
    assert.equal(csvField('+1.25'), '+1.25');
    assert.equal(csvField('-1e6'), '-1e6');
    assert.equal(csvField('logs/2019/a=b'), 'logs/2019/a=b');
    assert.equal(csvField(null), '');
    assert.equal(csvField(true), 'true');
  });

  it('still reads back as RFC 4180 with the apostrophe as the only change', async () => {
    const row = ['=cmd|"/C calc"!A0', 'a,b', 'say "hi"', '-x', 42];
    const records = await readBack(csvLine(['c1', 'c2', 'c3', 'c4', 'c5']) + csvLine(row));
    assert.deepEqual(records[1], [`'=cmd|"/C calc"!A0`, 'a,b', 'say "hi"', `'-x`, '42']);
  });
});

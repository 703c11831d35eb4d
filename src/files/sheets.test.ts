import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { readSheet, smallSheet } from './sheets.js';

// exceljs writes each worksheet before the shared strings and workbook.xml, so its streaming reader
// parks the sheet in a temporary file and reads on; unzipper (unpatched) then ended the entry
// stream as soon as the whole file had been written to it, dropping the entries not yet read:
// about one read in seventy failed with "Cannot read properties of undefined (reading 'sheets')".
// patches/unzipper+*.patch ends it after the last entry instead.
test('an XLSX file read 300 times gives all its rows every time', async () => {
  const rows = [['full_name', 'phone'], ...Array.from({ length: 20 }, (_, i) => [`Name ${i}`, `06000000${String(i).padStart(2, '0')}`])];
  const data = await smallSheet('xlsx', rows[0]!, rows.slice(1), 'Leads');
  const failures: string[] = [];
  for (let i = 0; i < 300; i++) {
    try {
      const read: string[][] = [];
      for await (const row of readSheet(Readable.from([data]), 'xlsx')) read.push(row.cells);
      // Cells compared, not only rows counted: dropped shared strings read as empty cells.
      if (JSON.stringify(read) !== JSON.stringify(rows)) failures.push(`read ${i}: ${JSON.stringify(read)}`);
    } catch (err) {
      failures.push(`read ${i}: ${(err as Error).message}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('an XLSX file cut short, or not a ZIP archive, is refused in words a seller reads', async () => {
  const data = await smallSheet('xlsx', ['full_name'], [['Amina']]);
  for (const bad of [data.subarray(0, data.length >> 1), Buffer.from('full_name\nAmina\n'), Buffer.alloc(64)]) {
    await assert.rejects(async () => {
      for await (const row of readSheet(Readable.from([bad]), 'xlsx')) void row;
    }, new Error('it is not a complete XLSX file.'));
  }
});

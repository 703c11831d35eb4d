import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { crc32, deflateRawSync } from 'node:zlib';
import { test } from 'node:test';
import { MAX_SHARED_STRINGS, readSheet, smallSheet } from './sheets.js';

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

/** A ZIP archive of one deflated entry, written by hand (the test needs a file no writer would make). */
function zipOf(name: string, content: Buffer): Buffer {
  const data = deflateRawSync(content);
  const file = Buffer.from(name);
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(file.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(file.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + file.length, 12);
  end.writeUInt32LE(local.length + file.length + data.length, 16);
  return Buffer.concat([local, file, data, central, file, end]);
}

// Found by the uploads audit: exceljs keeps every shared string in memory, so a 1 MB XLSX declaring
// ten million of them took a gigabyte of the server's heap.
test('an XLSX of more different texts than a hundred thousand rows can hold is refused before they fill memory', async () => {
  const items = Buffer.from('<si><t>a</t></si>'.repeat(MAX_SHARED_STRINGS + 1));
  const sst = Buffer.concat([
    Buffer.from('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'),
    items,
    Buffer.from('</sst>'),
  ]);
  const bomb = zipOf('xl/sharedStrings.xml', sst);
  assert.ok(bomb.length < 200_000, `a small file: ${bomb.length} bytes`);
  await assert.rejects(async () => {
    for await (const row of readSheet(Readable.from([bomb]), 'xlsx')) void row;
  }, new Error('it holds more than 1,000,000 different texts.'));
});

test('a CSV row is numbered by the line it starts on, a line break inside quotes or not (money audit)', async () => {
  const csv = 'full_name,address\n"Ahmed","12 Rue\nAppartement 3"\n\nSalma,"1\n2\n3"\nOmar,Rabat\n';
  const rows: [number, string[]][] = [];
  for await (const r of readSheet(Readable.from([Buffer.from(csv)]), 'csv')) rows.push([r.row, r.cells]);
  assert.deepEqual(rows, [
    [1, ['full_name', 'address']],
    [2, ['Ahmed', '12 Rue\nAppartement 3']],
    [5, ['Salma', '1\n2\n3']],
    [8, ['Omar', 'Rabat']],
  ]);
});

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { csvText, readSheet, sheetWriter, smallSheet } from './sheets.js';
import { MAX_SHARED_STRINGS } from './xlsx-parts.js';
import { XmlBounds } from './xml-bounds.js';
import { inline, letters, MAIN, sharedStrings, sheet, text, zipOf } from '../test-support/zip.js';

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

/**
 * Reads `file` a kilobyte at a time: the error it ends with, how much of it was read, and how far
 * the process's resident memory grew meanwhile.
 */
async function readBounded(file: Buffer) {
  let read = 0;
  const pieces = function* () {
    for (let i = 0; i < file.length; i += 1024) {
      read = i + 1024;
      yield file.subarray(i, i + 1024);
    }
  };
  const before = process.memoryUsage().rss;
  let peak = before;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const input = Readable.from(pieces());
  try {
    for await (const row of readSheet(input, 'xlsx')) void row;
    return { error: undefined, read, grew: peak - before };
  } catch (err) {
    peak = Math.max(peak, process.memoryUsage().rss);
    return { error: (err as Error).message, read, grew: peak - before };
  } finally {
    clearInterval(sample);
    input.destroy(); // as the import does
  }
}

const MB = 1 << 20;

// The whf audit: exceljs kept every shared string whole, so a 2.3 MB file of 300,000,000-character
// texts took the server to 4 GB. The reader now stops at the first text past Excel's own limit.
test('an XLSX whose shared string holds 300,000,000 characters is refused early, memory flat (whf audit H2)', async () => {
  const row = (n: number) => text(`<row r="${n}"><c r="A${n}" t="s"><v>0</v></c></row>`);
  const file = await zipOf(sharedStrings(letters(300_000_000)), sheet(row(1), row(2), row(3)));
  assert.ok(file.length < 400_000, `a small file: ${file.length} bytes`);
  const { error, read, grew } = await readBounded(file);
  assert.equal(error, 'a cell holds more than 32,767 characters.');
  assert.ok(read < file.length / 4, `stopped early: ${read} of ${file.length} bytes read`);
  assert.ok(grew < 200 * MB, `resident memory grew by ${Math.round(grew / MB)} MB`);
});

test('a worksheet cell of 300,000,000 characters is refused early, memory flat (whf audit H2)', async () => {
  const file = await zipOf(sheet([Buffer.from('<row r="1">'), ...inline('A1', letters(300_000_000)), Buffer.from('</row>')]));
  const { error, read, grew } = await readBounded(file);
  assert.equal(error, 'a cell holds more than 32,767 characters.');
  assert.ok(read < file.length / 4, `stopped early: ${read} of ${file.length} bytes read`);
  assert.ok(grew < 200 * MB, `resident memory grew by ${Math.round(grew / MB)} MB`);
});

test("a row's text, the shared strings' text, the columns and the nesting are bounded too (whf audit H2)", async () => {
  const col = (i: number) => (i < 26 ? '' : 'A') + String.fromCharCode(65 + (i % 26));
  const cells = Array.from({ length: 40 }, (_, i) => inline(`${col(i)}1`, letters(30_000)));
  const wide = await zipOf(sheet([Buffer.from('<row r="1">'), ...cells.flat(), Buffer.from('</row>')]));
  assert.equal((await readBounded(wide)).error, 'a row holds more than 1,000,000 characters.');

  const many = await zipOf(sharedStrings(...Array.from({ length: 700 }, () => letters(30_000))));
  const total = await readBounded(many);
  assert.equal(total.error, 'its texts hold more than 20,000,000 characters.');
  assert.ok(total.grew < 200 * MB, `resident memory grew by ${Math.round(total.grew / MB)} MB`);

  const far = await zipOf(sheet(text('<row r="1">'), inline('XFE1', text('a')), text('</row>')));
  assert.equal((await readBounded(far)).error, "a cell is past Excel's last column (XFD).");
  const xfd = await zipOf(sheet(text('<row r="1">'), inline('XFD1', text('a')), text('</row>')));
  assert.equal((await readBounded(xfd)).error, undefined);

  const deep = await zipOf(sheet(text('<row r="1">'), text('<x>'.repeat(100))));
  assert.equal((await readBounded(deep)).error, 'its XML nests more than 64 elements deep.');
});

test('shared strings: rich text is read joined, phonetic guides left out, entities as one character each', async () => {
  const file = await zipOf(
    {
      name: 'xl/sharedStrings.xml',
      pieces: text(
        `<sst ${MAIN}><si><r><rPr><b/></rPr><t>Amina </t></r><r><t>Alaoui</t></r><rPh><t>アミナ</t></rPh></si><si><t>${'&amp;'.repeat(32_767)}</t></si></sst>`,
      ),
    },
    sheet(text('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>')),
  );
  const rows: string[][] = [];
  for await (const r of readSheet(Readable.from([file]), 'xlsx')) rows.push(r.cells);
  assert.deepEqual(rows, [['Amina Alaoui', '&'.repeat(32_767)]]);
});

// Found by the uploads audit: exceljs keeps every shared string in memory, so a 1 MB XLSX declaring
// ten million of them took a gigabyte of the server's heap.
test('an XLSX of more different texts than a hundred thousand rows can hold is refused before they fill memory', async () => {
  const items = Buffer.from('<si><t>a</t></si>'.repeat(MAX_SHARED_STRINGS + 1));
  const sst = Buffer.concat([
    Buffer.from('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'),
    items,
    Buffer.from('</sst>'),
  ]);
  const bomb = await zipOf({ name: 'xl/sharedStrings.xml', pieces: [sst] });
  assert.ok(bomb.length < 200_000, `a small file: ${bomb.length} bytes`);
  await assert.rejects(async () => {
    for await (const row of readSheet(Readable.from([bomb]), 'xlsx')) void row;
  }, new Error('it holds more than 1,000,000 different texts.'));
});

// The whf audit: the reader ignored the styles, so a date cell came as its serial number (46023) and
// was imported as a price. A date now reads as ISO text, which a number column refuses.
test('a date-formatted XLSX cell reads as its ISO date, with its time when it has one, a time alone as its time; other numbers stay numbers (whf audit M2)', async () => {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Leads');
  sheet.addRow(['price', 'phone', 'when', 'amount', 'quantity', 'at']);
  const row = sheet.addRow([new Date(Date.UTC(2026, 0, 1)), 46154, new Date(Date.UTC(2026, 4, 12, 14, 30)), 1234.5, 2, 0.6046875]);
  row.getCell(2).numFmt = 'dd/mm/yyyy;@';
  row.getCell(4).numFmt = '#,##0.00 "MAD"';
  row.getCell(5).numFmt = '[$-fr-FR]0';
  row.getCell(6).numFmt = 'hh:mm:ss'; // a time alone
  const data = Buffer.from(await book.xlsx.writeBuffer());
  const rows: string[][] = [];
  for await (const r of readSheet(Readable.from([data]), 'xlsx')) rows.push(r.cells);
  assert.deepEqual(rows[1], ['2026-01-01', '2026-05-12', '2026-05-12 14:30:00', '1234.5', '2', '14:30:45']);
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

const csvRowsOf = async (csv: string | Buffer, pieces = 1) => {
  const data = Buffer.from(csv);
  const step = Math.ceil(data.length / pieces);
  const chunks = Array.from({ length: pieces }, (_, i) => data.subarray(i * step, (i + 1) * step));
  const rows: [number, string[]][] = [];
  for await (const r of readSheet(Readable.from(chunks), 'csv')) rows.push([r.row, r.cells]);
  return rows;
};

// The whf audit: Excel in French and Moroccan locales writes CSV with semicolons; every column read
// as missing. The header line tells: more `;` than `,` outside quotes.
test('a CSV separated by semicolons is read; the header line tells, outside quotes, wherever the chunks split (whf audit L1)', async () => {
  const semicolons = '\ufefffull_name;phone;address;price\r\nSemi One;0621111111;"1 Rue; Bonne";12,5\r\n';
  for (const pieces of [1, 3, 40])
    assert.deepEqual(await csvRowsOf(semicolons, pieces), [
      [1, ['full_name', 'phone', 'address', 'price']],
      [2, ['Semi One', '0621111111', '1 Rue; Bonne', '12,5']],
    ]);
  assert.deepEqual(await csvRowsOf('\n"a;b;c",d\nx;y,z\n'), [
    [2, ['a;b;c', 'd']],
    [3, ['x;y', 'z']],
  ]);
  assert.deepEqual(await csvRowsOf('full_name\nAmina\n'), [
    [1, ['full_name']],
    [2, ['Amina']],
  ]);
});

test("a CSV csv-parse cannot read is refused in codops's words, with its line (whf audit L1)", async () => {
  const refusal = async (csv: string) => {
    try {
      await csvRowsOf(csv);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.equal(await refusal('full_name,phone\n"Amina,0612\nOmar,0613\n'), 'a quote is not closed on line 2.');
  assert.equal(
    await refusal('full_name;phone;address\nSemi "One";0621111111;x\n'),
    'a quote is found inside a value on line 2 (a value holding quotes is quoted whole, its quotes doubled).',
  );
  assert.equal(await refusal('a,b\n"x"y,2\n'), 'a closing quote is followed by other characters on line 2.');
  assert.equal(await refusal(`a,b\nx,${'y'.repeat(1_000_001)}\n`), 'line 2 holds more than 1,000,000 characters.');
});

// The import audit: csv-parse took the first line break it met as the only one, and the row was its
// line count less the line breaks found in the record's text, which disagree once endings are mixed
// (the template's LF header and rows added in Notepad, in CRLF, gave row 8 for line 5).
test('a CSV row is the line it starts on whatever line breaks it mixes: LF, CRLF and CR are one line each (import audit)', async () => {
  const shapes: [string, string, [number, string[]][]][] = [
    [
      'LF',
      'h,v\na,1\nb,2\n',
      [
        [2, ['a', '1']],
        [3, ['b', '2']],
      ],
    ],
    [
      'CRLF',
      'h,v\r\na,1\r\nb,2\r\n',
      [
        [2, ['a', '1']],
        [3, ['b', '2']],
      ],
    ],
    [
      'an LF header, CRLF rows',
      'h,v\na,1\r\nb,2\r\n',
      [
        [2, ['a', '1']],
        [3, ['b', '2']],
      ],
    ],
    [
      'a CRLF header, LF rows',
      'h,v\r\na,1\nb,2\n',
      [
        [2, ['a', '1']],
        [3, ['b', '2']],
      ],
    ],
    [
      'the template, then rows from Notepad',
      '\ufeffh,v\nex,1\r\nc,3\r\nd,4\r\ne,0\r\n',
      [
        [2, ['ex', '1']],
        [3, ['c', '3']],
        [4, ['d', '4']],
        [5, ['e', '0']],
      ],
    ],
    [
      'LF rows, a CRLF inside quotes',
      'h,v\na,"1\r\nx"\nb,2\n',
      [
        [2, ['a', '1\r\nx']],
        [4, ['b', '2']],
      ],
    ],
    [
      'CRLF rows, an LF inside quotes',
      'h,v\r\na,"1\nx"\r\nb,2\r\n',
      [
        [2, ['a', '1\nx']],
        [4, ['b', '2']],
      ],
    ],
    [
      'CR rows',
      'h,v\ra,1\r\rb,2',
      [
        [2, ['a', '1']],
        [4, ['b', '2']],
      ],
    ],
    ['empty lines of each kind', 'h,v\n\r\n\r\r\n\na,1\n', [[6, ['a', '1']]]],
  ];
  for (const [shape, csv, rows] of shapes)
    for (const pieces of [1, 7, csv.length])
      assert.deepEqual((await csvRowsOf(csv, pieces)).slice(1), rows, `${shape}, in ${pieces} pieces`);
});

test("a CSV csv-parse cannot read names the error's line, line breaks mixed (import audit)", async () => {
  const refusal = (csv: string) =>
    csvRowsOf(csv).then(
      () => undefined,
      (err: Error) => err.message,
    );
  assert.equal(await refusal('a,b\n"x\r\ny"z,2\n'), 'a closing quote is followed by other characters on line 3.');
  assert.equal(await refusal('a,b\r\n\n"x\r\n\r\ny" z,2\r\n'), 'a closing quote is followed by other characters on line 5.');
  assert.equal(await refusal('a,b\r\n\nx,"y\n'), 'a quote is not closed on line 3.');
});

// The import audit: rows of separators only (,,,,) failed the import, one "field is required" each,
// where an empty line and an XLSX row of empty cells are skipped.
test('a CSV row of empty or blank cells is skipped as an XLSX one is, its line still counted (import audit)', async () => {
  assert.deepEqual(await csvRowsOf(',,\nh,v,w\n,,\n , \t,\n"",,""\r\na,1,\n;\n'), [
    [2, ['h', 'v', 'w']],
    [6, ['a', '1', '']],
    [7, [';']],
  ]);
});

// The import audit: a CSV saved by Excel as "CSV" in a French or Arabic Windows (Windows-1252 or
// -1256) was imported with U+FFFD in place of each accented or Arabic letter.
test('a CSV row holding bytes that are not UTF-8 names its cells that do, and the rows after it are read; UTF-8 split anywhere, its BOM and UTF-16 read (import audit)', async () => {
  const notUtf8 = async (data: Buffer, pieces = 1) => {
    const step = Math.ceil(data.length / pieces);
    const chunks = Array.from({ length: pieces }, (_, i) => data.subarray(i * step, (i + 1) * step));
    const rows: [number, number[]][] = [];
    for await (const r of readSheet(Readable.from(chunks), 'csv')) if (r.notUtf8) rows.push([r.row, r.notUtf8]);
    return rows;
  };
  const cp1252 = Buffer.from(
    'full_name;phone;city\r\nYoussef Bena\xefssa;0612121277;F\xe8s\r\nAmina;0612;Rabat\r\n\xc9lise;0613;Rabat\r\n',
    'latin1',
  );
  for (const pieces of [1, 3, cp1252.length])
    assert.deepEqual(
      await notUtf8(cp1252, pieces),
      [
        [2, [0, 2]],
        [4, [0]],
      ],
      `${pieces} pieces`,
    );
  assert.deepEqual((await csvRowsOf(cp1252)).slice(2), [
    [3, ['Amina', '0612', 'Rabat']],
    [4, ['\ufffdlise', '0613', 'Rabat']],
  ]);
  const cp1256 = Buffer.concat([
    Buffer.from('full_name,phone,city\n\nAmina,0612,Rabat\nOmar,"0613\n",'),
    Buffer.from('ddc7d3', 'hex'),
    Buffer.from('\n'),
  ]);
  assert.deepEqual(await notUtf8(cp1256), [[4, [2]]]);
  assert.deepEqual(await notUtf8(Buffer.from('n\xe9,phone\nA,1\n', 'latin1')), [[1, [0]]]);
  // A real U+FFFD is UTF-8; the byte after it is not. A sequence cut by the file's end is not either.
  assert.deepEqual(await notUtf8(Buffer.concat([Buffer.from('h,v\n\ufffd,'), Buffer.from('e90a', 'hex')])), [[2, [1]]]);
  assert.deepEqual(await notUtf8(Buffer.concat([Buffer.from('h,v\nA,'), Buffer.from('e282', 'hex')])), [[2, [1]]]);
  assert.deepEqual(await notUtf8(Buffer.from('h,v\n"a\xff",b\n', 'latin1')), [[2, [0]]]);
  // Runs of one to three bytes, each one U+FFFD, before the cells after them: counted by their bytes.
  const runs = Buffer.concat([
    Buffer.from('h,v,w\n'),
    Buffer.from('ff', 'hex'),
    Buffer.from('e282', 'hex'),
    Buffer.from(',\u00e9x,', 'utf8'),
    Buffer.from('f09f98', 'hex'),
    Buffer.from('\n'),
  ]);
  assert.deepEqual(await notUtf8(runs), [[2, [0, 2]]]);
  assert.deepEqual((await csvRowsOf(runs))[1], [2, ['\ufffd\ufffd', '\u00e9x', '\ufffd']]);

  const utf8 = '\ufefffull_name,city\nYoussef Benaïssa,Fès\nأحمد العلوي,فاس 😀\n';
  const read = [
    [1, ['full_name', 'city']],
    [2, ['Youssef Benaïssa', 'Fès']],
    [3, ['أحمد العلوي', 'فاس 😀']],
  ];
  for (const pieces of [1, 2, 5, Buffer.byteLength(utf8)]) assert.deepEqual(await csvRowsOf(utf8, pieces), read, `${pieces} pieces`);
  const utf16 = Buffer.concat([Buffer.from('fffe', 'hex'), Buffer.from(utf8.slice(1), 'utf16le')]);
  for (const pieces of [1, 3, utf16.length]) assert.deepEqual(await csvRowsOf(utf16, pieces), read, `UTF-16 in ${pieces} pieces`);
});

test("a CSV cell a spreadsheet would run as a formula gets a ' first; phones and amounts stay as they are (whf audit)", async () => {
  const formulas = ["=cmd|' /C calc'!A0", '+SUM(1,2)', '-2+3+cmd|x', '@SUM(A1)', '\t=1'];
  for (const f of formulas) assert.equal(csvText(f), `'${f}`, f);
  for (const plain of ['+212612345678', '+33 6 12 34 56 78', '-12.50', '0612345678', 'Amina', '', 'a=b'])
    assert.equal(csvText(plain), plain, plain);
  assert.equal(csvText(-5), -5);
  assert.equal(csvText(null), '');
  const csv = (await smallSheet('csv', ['full_name', 'phone'], [['=HYPERLINK("http://x")', '+212612345678']])).toString('utf8');
  assert.equal(csv, '\ufefffull_name,phone\n"\'=HYPERLINK(""http://x"")",+212612345678\n');
});

test("an XLSX is read from its first tab as Excel shows it (hidden sheets skipped), not from the ZIP's first sheet", async () => {
  const R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
  const workbook = `<workbook ${MAIN} ${R}><sheets><sheet name="Notes" sheetId="3" state="hidden" r:id="rId3"/><sheet name="Leads" sheetId="2" r:id="rId2"/><sheet name="Old" sheetId="1" r:id="rId1"/></sheets></workbook>`;
  const rel = (id: number, target: string) =>
    `<Relationship Id="rId${id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="${target}"/>`;
  const rels = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rel(1, 'worksheets/sheet1.xml')}${rel(2, 'worksheets/sheet2.xml')}${rel(3, '/xl/worksheets/sheet3.xml')}</Relationships>`;
  const numbered = (n: number, value: string) => ({
    ...sheet(text('<row r="1">'), inline('A1', text(value)), text('</row>')),
    name: `xl/worksheets/sheet${n}.xml`,
  });
  const read = async (...entries: Parameters<typeof zipOf>) => {
    const rows: string[][] = [];
    for await (const r of readSheet(Readable.from([await zipOf(...entries)]), 'xlsx')) rows.push(r.cells);
    return rows;
  };
  const parts = [numbered(1, 'old'), numbered(2, 'leads'), numbered(3, 'notes')];
  const book = [
    { name: 'xl/workbook.xml', pieces: text(workbook) },
    { name: 'xl/_rels/workbook.xml.rels', pieces: text(rels) },
  ];
  assert.deepEqual(await read(...book, ...parts), [['leads']]);
  assert.deepEqual(await read(...book, ...[...parts].reverse()), [['leads']]);
  // A workbook.xml after its sheets (no spreadsheet writes one so): the ZIP's first sheet.
  assert.deepEqual(await read(...parts, ...book), [['old']]);
});

test('a worksheet of more rows than Excel allows (1,048,576) is refused at the first one past it', () => {
  const chunk = Buffer.from('<row/>'.repeat(65_536));
  const rows = (n: number) => {
    const bounds = new XmlBounds({ rows: true });
    bounds.check(Buffer.from(`<worksheet ${MAIN}><sheetData>`));
    for (let i = 0; i < n; i++) bounds.check(chunk);
    return bounds;
  };
  assert.doesNotThrow(() => rows(16)); // Excel's most
  assert.throws(() => rows(16).check(Buffer.from('<row r="1048577"></row>')), new Error('it holds more than 1,048,576 rows.'));
  const other = new XmlBounds(); // another part than a worksheet: its rows are not counted
  assert.doesNotThrow(() => Array.from({ length: 17 }, () => other.check(chunk)));
});

test('an XLSX writer lets other work run while it renders a batch, and writes every row in order', async () => {
  const w = await sheetWriter('xlsx', ['n', 'text']);
  const chunks: Buffer[] = [];
  w.output.on('data', (c: Buffer) => chunks.push(c));
  const ended = once(w.output, 'end');
  let [turns, writing] = [0, true];
  const tick = () => {
    if (!writing) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  await w.write(Array.from({ length: 1000 }, (_, i) => [i, `row ${i}`]));
  writing = false;
  // 1,000 rows are rendered 100 at a time, with a turn of the event loop between two slices.
  assert.ok(turns >= 9, `${turns} turns of the event loop during the write`);
  await w.end();
  await ended;
  const rows = [];
  for await (const r of readSheet(Readable.from(Buffer.concat(chunks)), 'xlsx')) rows.push(r.cells);
  assert.equal(rows.length, 1001);
  assert.deepEqual(rows[1], ['0', 'row 0']);
  assert.deepEqual(rows[1000], ['999', 'row 999']);
});

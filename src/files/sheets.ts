import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { PassThrough, pipeline, Readable, type Writable } from 'node:stream';
import { setImmediate as turn } from 'node:timers/promises';
import type { CsvError, Options } from 'csv-parse';
import type { PartReader } from './xlsx-reader.js';

/** The spreadsheet formats codops reads and writes. */
export type SheetFormat = 'csv' | 'xlsx';

/** A row of a sheet: its line number in the file (the header is 1) and its cells as text. */
export interface SheetRow {
  row: number;
  cells: string[];
  /**
   * A CSV's: the cells (their indexes, in order) holding bytes that are not UTF-8 (Excel's "CSV" in a
   * French or Arabic Windows is Windows-1252 or -1256), read as U+FFFD.
   */
  notUtf8?: number[];
  /**
   * A CSV delimited by `;`: what a spreadsheet writes where the decimal mark is a comma (French or
   * Moroccan Excel), so its amounts may read `199,5`.
   */
  decimalComma?: true;
}

/**
 * A date cell as ISO text, `2026-01-01`, with its time when it has one (`2026-01-01 14:30:00`): the
 * text Excel shows depends on the locale, and a date refused in a number column must not pass as
 * its serial number (46023; whf audit M2). exceljs gives the date as UTC. A time alone (a serial
 * under 1, which exceljs dates 1899-12-30) is the time only, `14:30:00`.
 */
function isoDate(d: Date): string {
  const iso = d.toISOString();
  if (iso.startsWith('1899-12-30T')) return iso.slice(11, 19);
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** A cell of exceljs as the text a CSV would hold: numbers as written, rich text and formulas by their text or result. */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return isoDate(v);
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; text?: unknown; result?: unknown; error?: string };
    if (Array.isArray(o.richText)) return o.richText.map((r) => r.text).join('');
    if ('result' in o) return cellText(o.result);
    if ('text' in o) return cellText(o.text);
    if (o.error) return o.error;
  }
  return String(v);
}

/** A CSV record's most characters; a CSV line is read up to this to find its delimiter. */
const MAX_RECORD = 1_000_000;

/**
 * The header line's delimiter: `;` when it holds more semicolons than commas outside quotes (the CSV
 * Excel writes in French and Moroccan locales, the product's market), else `,`. The bytes read to
 * tell come first in the stream returned.
 */
async function delimited(input: AsyncIterable<Buffer>): Promise<{ delimiter: string; csv: Readable }> {
  const it = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let [commas, semicolons, size, quoted, content, ended] = [0, 0, 0, false, false, false];
  while (!ended && size < MAX_RECORD) {
    const next = await it.next();
    if (next.done) break;
    const chunk = Buffer.from(next.value);
    head.push(chunk);
    size += chunk.length;
    for (const b of chunk) {
      if (b === 0x22) quoted = !quoted;
      if (quoted) continue;
      if (b === 0x0a || b === 0x0d) {
        if ((ended = content)) break;
      } else content = true;
      if (b === 0x2c) commas++;
      else if (b === 0x3b) semicolons++;
    }
  }
  async function* all() {
    yield* head;
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
  }
  return { delimiter: semicolons > commas ? ';' : ',', csv: Readable.from(all()) };
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const UTF16LE_BOM = Buffer.from([0xff, 0xfe]);

/** How many bytes at the end of `b` begin a UTF-8 sequence that the next chunk completes. */
function unfinished(b: Buffer): number {
  for (let k = 1; k <= Math.min(3, b.length); k++) {
    const c = b[b.length - k]!;
    if ((c & 0xc0) === 0x80) continue;
    const length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return length > k ? k : 0;
  }
  return 0;
}

/** A run of bytes that are not UTF-8: its offset and length, read as one U+FFFD (the decoder's "maximal subpart"). */
type BadBytes = [offset: number, length: number];

/**
 * The runs of `b` that are not UTF-8, each where the decoder puts one U+FFFD (a real U+FFFD, EF BF BD,
 * is UTF-8): a lead byte with the continuation bytes that fit it, or a byte that leads nothing.
 */
function badBytesOf(b: Buffer, from: number): BadBytes[] {
  const bad: BadBytes[] = [];
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    // The continuation bytes a lead byte takes, and the range of its first one (no overlong form, surrogate or past U+10FFFF).
    const [n, lo, hi] =
      c >= 0xc2 && c <= 0xdf
        ? [1, 0x80, 0xbf]
        : c >= 0xe0 && c <= 0xef
          ? [2, c === 0xe0 ? 0xa0 : 0x80, c === 0xed ? 0x9f : 0xbf]
          : c >= 0xf0 && c <= 0xf4
            ? [3, c === 0xf0 ? 0x90 : 0x80, c === 0xf4 ? 0x8f : 0xbf]
            : [0, 0, 0];
    let j = 1;
    for (; j <= n; j++) {
      const d = b[i + j];
      if (d === undefined || d < (j === 1 ? lo : 0x80) || d > (j === 1 ? hi : 0xbf)) break;
    }
    if (n > 0 && j > n) i += n + 1;
    else {
      bad.push([from + i, j]);
      i += j;
    }
  }
  return bad;
}

/**
 * A UTF-8 text's check, chunk by chunk (`isUtf8`, the bytes looked at one by one only in a chunk
 * that is not): the runs of bytes that are not UTF-8, by their offset after a BOM, until the reader
 * of the records takes them.
 */
class Utf8Check {
  private bad: BadBytes[] = [];
  private taken = 0;
  private checked = 0;
  /** The end of the last chunk, a character the next one completes. */
  private tail = Buffer.alloc(0);

  check(chunk: Buffer, last = false) {
    const data = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    const whole = last ? data.length : data.length - unfinished(data);
    if (!isUtf8(data.subarray(0, whole))) this.bad.push(...badBytesOf(data.subarray(0, whole), this.checked));
    this.checked += whole;
    this.tail = Buffer.from(data.subarray(whole));
  }

  /** The runs before offset `end` not taken yet (a record's, read up to `end`). */
  take(end: number): BadBytes[] {
    let n = this.taken;
    while (n < this.bad.length && this.bad[n]![0] < end) n++;
    const runs = this.bad.slice(this.taken, n);
    this.taken = n;
    if (this.taken > 1024 && this.taken * 2 > this.bad.length) [this.bad, this.taken] = [this.bad.slice(this.taken), 0];
    return runs;
  }
}

/**
 * A CSV's bytes as UTF-8, its BOM left out, each chunk checked before it is passed on. A file that
 * starts with the UTF-16 (LE) BOM, which csv-parse read before, is turned into UTF-8 on the way.
 */
async function* utf8Of(input: Readable, check: Utf8Check): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = Buffer.alloc(0);
  let utf16: TextDecoder | undefined;
  const pass = (chunk: Buffer) => {
    if (!utf16) {
      check.check(chunk);
      return chunk;
    }
    try {
      return Buffer.from(utf16.decode(chunk, { stream: chunk.length > 0 }));
    } catch (err) {
      throw new Error('its UTF-16 text is not valid.', { cause: err });
    }
  };
  const first = (b: Buffer) => {
    if (b.subarray(0, 2).equals(UTF16LE_BOM)) utf16 = new TextDecoder('utf-16le', { fatal: true });
    return b.subarray(0, 3).equals(UTF8_BOM) ? b.subarray(3) : b;
  };
  for await (const piece of input as AsyncIterable<Buffer>) {
    let chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
    if (head) {
      head = Buffer.concat([head, chunk]);
      if (head.length < 3) continue;
      [chunk, head] = [first(head), undefined];
    }
    yield pass(chunk);
  }
  if (head && head.length > 0) yield pass(first(head));
  if (utf16) yield pass(Buffer.alloc(0));
  else check.check(Buffer.alloc(0), true);
}

/** The line breaks of a CSV: CRLF, LF and CR alike, each one line, and a file may mix them. */
const LINE_BREAKS = ['\r\n', '\n', '\r'];
const lineBreaks = (text: string) => text.match(/\r\n|\r|\n/g)?.length ?? 0;

/**
 * The cells of `raw` (a record's text, starting at byte `start`) that hold the runs `bad`, in order:
 * each run is one U+FFFD in `raw`, whatever its length in the file.
 */
function cellsAt(raw: string, start: number, bad: BadBytes[], delimiter: string): number[] {
  const cells: number[] = [];
  let [bytes, cell, quoted, next] = [start, 0, false, 0];
  for (const ch of raw) {
    if (next === bad.length) break;
    if (bytes === bad[next]![0]) {
      if (cells.at(-1) !== cell) cells.push(cell);
      bytes += bad[next++]![1];
      continue;
    }
    const cp = ch.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (ch === '"') quoted = !quoted;
    else if (ch === delimiter && !quoted) cell++;
  }
  return cells;
}

/** A row of a sheet that holds nothing: every cell empty or blank. CSV and XLSX skip it alike. */
const blank = (cells: string[]) => cells.every((c) => c.trim() === '');

/**
 * csv-parse's error in words a seller reads; `start`: the line the failing record starts on, its
 * text read so far (`raw`) telling the line of the error.
 */
function csvProblem(err: CsvError, start: number): Error {
  const line = start + lineBreaks(typeof err.raw === 'string' ? err.raw : '');
  const words: Record<string, string> = {
    QUOTE_NOT_CLOSED: `a quote is not closed on line ${start}.`,
    INVALID_OPENING_QUOTE: `a quote is found inside a value on line ${line} (a value holding quotes is quoted whole, its quotes doubled).`,
    INVALID_CLOSING_QUOTE: `a closing quote is followed by other characters on line ${line}.`,
    MAX_RECORD_SIZE: `line ${line} holds more than ${MAX_RECORD.toLocaleString('en')} characters.`,
  };
  return new Error(words[err.code.replace(/^CSV_/, '')] ?? `line ${line} is not valid CSV.`, { cause: err });
}

/**
 * A CSV's records, each numbered by the line it starts on (as a spreadsheet shows it), counted here
 * from each record's text, a file's line breaks mixed or not: csv-parse's own count is the line a
 * record ends on, a CRLF inside quotes as two, and without `record_delimiter` it took the first line
 * break it met for the only one (the import audit). Rows of empty or blank cells are skipped, their
 * lines counted. A record holding bytes that are not UTF-8 names its cells that do (`notUtf8`).
 */
async function* csvRows(input: Readable): AsyncGenerator<SheetRow> {
  const utf8 = new Utf8Check();
  const { delimiter, csv } = await delimited(utf8Of(input, utf8));
  // csv-parse hands `on_record` each record with its text (`raw`) and the bytes read so far: counted
  // as it reads, so that its error (which drops the records not handed on yet) knows its line too.
  let line = 1; // the line the next record starts on
  let start = 0; // the byte it starts on
  const onRecord = (rec: { record: string[]; raw: string }, { bytes }: { bytes: number }): SheetRow | null => {
    const row = line;
    line += lineBreaks(rec.raw);
    const bad = utf8.take(bytes);
    const notUtf8 = bad.length > 0 ? cellsAt(rec.raw, start, bad, delimiter) : undefined;
    start = bytes;
    if (blank(rec.record)) return null;
    const read: SheetRow = notUtf8 ? { row, cells: rec.record, notUtf8 } : { row, cells: rec.record };
    if (delimiter === ';') read.decimalComma = true;
    return read;
  };
  const { CsvError, parse } = await import('csv-parse');
  const parser = parse({
    delimiter,
    raw: true,
    record_delimiter: LINE_BREAKS,
    relax_column_count: true,
    max_record_size: MAX_RECORD,
    on_record: onRecord as unknown as Options['on_record'],
  });
  // The input's error ends the parser's reading; once the read has ended, the caller's destroying the input is nobody's error.
  pipeline(csv, parser, () => undefined);
  try {
    yield* parser as AsyncIterable<SheetRow>;
  } catch (err) {
    throw err instanceof CsvError ? csvProblem(err, line) : err;
  }
}

// exceljs (and codops' own XLSX reader over unzipper and saxes, csv-parse, csv-stringify) are
// imported at the first sheet read or written, not at startup: together they weigh tens of MB of
// resident memory in a server that may never see a spreadsheet.
const loadExcel = async () => (await import('exceljs')).default;

/** unzipper's own words for a file that is cut short or not a ZIP archive at all. */
const NOT_A_ZIP = /^(FILE_ENDED|invalid signature)/;
/** saxes's words for XML it cannot read (`line:column: what`), and exceljs's for a column past XFD. */
const NOT_XML = /^\d+:\d+: /;
const PAST_XFD = /^Out of bounds\. Invalid column letter/;

async function* xlsxRows(input: Readable): AsyncGenerator<SheetRow> {
  try {
    yield* workbookRows(input);
  } catch (err) {
    if (err instanceof Error && NOT_A_ZIP.test(err.message)) throw new Error('it is not a complete XLSX file.', { cause: err });
    if (err instanceof Error && NOT_XML.test(err.message)) throw new Error('its XML is not well formed.', { cause: err });
    if (err instanceof Error && PAST_XFD.test(err.message)) throw new Error("a cell is past Excel's last column (XFD).", { cause: err });
    throw err;
  }
}

async function* workbookRows(input: Readable): AsyncGenerator<SheetRow> {
  const [ExcelJS, { firstSheetRows }] = await Promise.all([loadExcel(), import('./xlsx-reader.js')]);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  for await (const row of firstSheetRows(input, reader as unknown as PartReader)) {
    const cells = Array.from(row.values as unknown[], cellText).slice(1);
    if (blank(cells)) continue;
    yield { row: row.number, cells };
  }
}

/** The rows of a CSV or XLSX file, read as a stream (memory does not grow with the file). */
export function readSheet(input: Readable, format: SheetFormat): AsyncGenerator<SheetRow> {
  return format === 'csv' ? csvRows(input) : xlsxRows(input);
}

/** A cell written out: text, a number (monetary and counts stay numbers in XLSX), or empty. */
export type SheetCell = string | number | null;

/** Writes rows to a stream, a batch at a time, with back-pressure; `end()` resolves once the writer has flushed. */
export interface SheetWriter {
  /** The stream of the file's bytes, to hand to the file store. */
  readonly output: Readable;
  write(rows: SheetCell[][]): Promise<void>;
  end(): Promise<void>;
}

async function drain(w: Writable, ok: boolean) {
  if (!ok) await once(w, 'drain');
}

/** A text a spreadsheet would run as a formula: `=…`, `@…`, or `+`/`-` not followed by a plain number. */
const FORMULA = /^(?:[=@\t\r]|[+-](?![\d\s.]*$))/;

/**
 * A text cell of a CSV, with a `'` before a formula (OWASP's CSV injection advice): a customer's
 * name `=cmd|' /C calc'!A0` reached a seller's spreadsheet as a formula (whf audit). Phones
 * (`+212…`) and amounts stay as they are.
 */
export const csvText = (cell: SheetCell) => (typeof cell === 'string' && FORMULA.test(cell) ? `'${cell}` : (cell ?? ''));

async function csvWriter(header: string[]): Promise<SheetWriter> {
  const { stringify } = await import('csv-stringify');
  const csv = stringify({ header: true, columns: header, bom: true });
  return {
    output: csv,
    async write(rows) {
      for (const r of rows) await drain(csv, csv.write(r.map(csvText)));
    },
    async end() {
      csv.end();
    },
  };
}

/** Rows an XLSX writer renders between two turns of the event loop. */
const XLSX_SLICE = 100;

async function xlsxWriter(header: string[], sheetName: string): Promise<SheetWriter> {
  const ExcelJS = await loadExcel();
  const output = new PassThrough();
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: false, useSharedStrings: false });
  const sheet = book.addWorksheet(sheetName);
  sheet.addRow(header).commit();
  return {
    output,
    async write(rows) {
      for (let i = 0; i < rows.length; i += XLSX_SLICE) {
        // exceljs renders a row's XML synchronously, about 0.1 ms for 15 cells: a batch of 1,000 in one go
        // held the event loop ~100 ms (a worker's export stalled the server's requests that long).
        if (i > 0) await turn();
        for (const r of rows.slice(i, i + XLSX_SLICE)) sheet.addRow(r).commit();
        // exceljs writes committed rows into its zip stream; wait for the reader of `output` to keep up.
        if (output.writableNeedDrain) await once(output, 'drain');
      }
    },
    async end() {
      sheet.commit();
      await book.commit();
    },
  };
}

/** A streaming writer of `format` with `header` as its first row. */
export async function sheetWriter(format: SheetFormat, header: string[], sheetName = 'Sheet1'): Promise<SheetWriter> {
  return format === 'csv' ? csvWriter(header) : xlsxWriter(header, sheetName);
}

/**
 * A whole small workbook or CSV in memory (templates). `textColumns`: the header's columns an XLSX
 * formats as Text (`@`), so that what a user types there in Excel stays as typed (a phone's 0).
 */
export async function smallSheet(
  format: SheetFormat,
  header: string[],
  rows: SheetCell[][],
  sheetName = 'Sheet1',
  textColumns: readonly string[] = [],
): Promise<Buffer> {
  if (format === 'csv') {
    const w = await sheetWriter('csv', header);
    const chunks: Buffer[] = [];
    w.output.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
    const ended = once(w.output, 'end');
    await w.write(rows);
    await w.end();
    await ended;
    return Buffer.concat(chunks);
  }
  const ExcelJS = await loadExcel();
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(sheetName);
  header.forEach((h, i) => {
    if (textColumns.includes(h)) sheet.getColumn(i + 1).numFmt = '@';
  });
  sheet.addRow(header);
  for (const r of rows) sheet.addRow(r);
  return Buffer.from(await book.xlsx.writeBuffer());
}

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Row } from 'exceljs';
import { readDateStyles, readSharedStrings } from './xlsx-parts.js';
import { boundedXml } from './xml-bounds.js';

// exceljs's own ZIP reader, patched (patches/unzipper+0.10.14.patch); it ships no types.
const require = createRequire(import.meta.url);
const unzipper = require('unzipper') as { Parse(o: { forceStream: true }): NodeJS.ReadWriteStream & AsyncIterable<ZipEntry> };
interface ZipEntry extends Readable {
  path: string;
  autodrain(): unknown;
}

/** Elements of the parts exceljs reads whole into objects (workbook.xml and its relationships). */
const MAX_PART_ELEMENTS = 100_000;
/** Elements of `xl/styles.xml` (Excel allows 64,000 cell formats, a few elements each). */
const MAX_STYLE_ELEMENTS = 1_000_000;
const SHEET = /^xl\/worksheets\/sheet(\d+)\.xml$/;

/** What codops uses of exceljs's streaming workbook reader (4.x): its parsers of the workbook's parts, and their results. */
export interface PartReader {
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseWorksheet(iterator: AsyncIterable<Uint8Array>, sheetNo: string): Generator<{ value: unknown }>;
  sharedStrings?: string[];
  /** workbook.xml's sheets, in the order Excel shows their tabs. */
  model?: { sheets?: { rId?: string; state?: string }[] };
  /** xl/_rels/workbook.xml.rels: each sheet's part. */
  workbookRels?: { Id?: string; Target?: string }[];
  /** Read by exceljs for a cell's `s`: a date format makes its number a Date. */
  styles: { getStyleModel(id: number): { numFmt: string } | undefined };
}

/** A date format that exceljs recognises as one (any would do: codops writes the Date its own way). */
const DATE = 'yyyy-mm-dd';

/** exceljs's reader of one worksheet (exceljs itself refuses a cell past Excel's last column, XFD). */
function sheetReader(reader: PartReader, xml: AsyncIterable<Uint8Array>, sheetNo: string): AsyncIterable<Row> {
  const [event] = reader._parseWorksheet(xml, sheetNo);
  if (!event) throw new Error('exceljs no longer reads an XLSX file as codops expects.');
  return event.value as AsyncIterable<Row>;
}

/**
 * The part (`xl/worksheets/sheetN.xml`) of the first tab Excel shows (hidden sheets skipped), once
 * workbook.xml and its relationships are read: the order of the parts in the ZIP is the order the
 * sheets were made in, not their tabs'. Undefined while either is unread, or for a part exceljs
 * does not name `sheetN.xml`.
 */
function firstTabPart(reader: PartReader): string | undefined {
  const sheets = reader.model?.sheets;
  if (!sheets?.length || !reader.workbookRels) return undefined;
  const first = sheets.find((s) => !s.state || s.state === 'visible') ?? sheets[0];
  const target = reader.workbookRels.find((r) => r.Id === first.rId)?.Target;
  if (!target) return undefined;
  const part = target.startsWith('/') ? target.slice(1) : posix.normalize(`xl/${target}`);
  return SHEET.test(part) ? part : undefined;
}

/**
 * The rows of an XLSX file's first tab (the first worksheet in the ZIP when workbook.xml comes after
 * it, as no spreadsheet writes it), every part bounded (xml-bounds.ts) as it is inflated:
 * exceljs's own loop (WorkbookReader.parse) parks a worksheet met before the shared strings in a
 * temporary file whole, so a bomb filled the disk before a bound could be checked. This loop checks
 * the sheet while parking it, reads the shared strings and the date formats itself (xlsx-parts.ts),
 * and leaves the parsing of the other parts to exceljs.
 */
export async function* firstSheetRows(input: Readable, reader: PartReader): AsyncGenerator<Row> {
  const zip = unzipper.Parse({ forceStream: true });
  input.pipe(zip);
  const whole = (entry: Readable) => Readable.from(boundedXml(entry, { elements: MAX_PART_ELEMENTS }));
  let dir: string | undefined;
  let parked: { path: string; sheetNo: string } | undefined;
  let seenSheet = false;
  try {
    for await (const entry of zip) {
      const sheetNo = SHEET.exec(entry.path)?.[1];
      if (entry.path === 'xl/_rels/workbook.xml.rels') await reader._parseRels(whole(entry));
      else if (entry.path === 'xl/workbook.xml') await reader._parseWorkbook(whole(entry));
      else if (entry.path === 'xl/styles.xml') {
        const dates = await readDateStyles(boundedXml(entry, { elements: MAX_STYLE_ELEMENTS }));
        reader.styles = { getStyleModel: (id) => (dates.has(id) ? { numFmt: DATE } : undefined) };
      } else if (entry.path === 'xl/sharedStrings.xml') reader.sharedStrings = await readSharedStrings(boundedXml(entry));
      else if (sheetNo && !seenSheet && (firstTabPart(reader) ?? entry.path) === entry.path) {
        seenSheet = true;
        if (reader.sharedStrings) {
          yield* sheetReader(reader, boundedXml(entry, { rows: true }), sheetNo);
          return; // the first tab only
        }
        dir = await mkdtemp(join(tmpdir(), 'codops-xlsx-'));
        parked = { path: join(dir, 'sheet.xml'), sheetNo };
        await pipeline(boundedXml(entry, { rows: true }), createWriteStream(parked.path));
      }
      entry.autodrain();
    }
    // Checked while parked: read back as it is.
    if (parked) yield* sheetReader(reader, createReadStream(parked.path), parked.sheetNo);
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

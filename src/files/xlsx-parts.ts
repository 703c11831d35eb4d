import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { MAX_CELL_CHARS } from './xml-bounds.js';

/**
 * The most different texts (shared strings) an XLSX may hold: a hundred thousand rows of ten.
 * A 1 MB file declaring ten million of them took a gigabyte (found by the uploads audit).
 */
export const MAX_SHARED_STRINGS = 1_000_000;
/** Their characters together: 200 a row over those hundred thousand rows (at most 40 MB kept). */
export const MAX_SHARED_CHARS = 20_000_000;

const fmt = (n: number) => n.toLocaleString('en');
const local = (name: string) => name.slice(name.indexOf(':') + 1);

/** Feeds `source` (UTF-8 bytes) to a SAX parser; its events arrive through `on`. */
async function sax(source: AsyncIterable<Uint8Array>, on: (p: SaxesParser) => void): Promise<void> {
  const parser = new SaxesParser();
  on(parser);
  const utf8 = new TextDecoder();
  for await (const chunk of source) parser.write(utf8.decode(chunk, { stream: true }));
  parser.write(utf8.decode()).close();
}

/**
 * A copy of a text that holds no part of the chunk it was cut from: V8 keeps a slice's whole parent
 * alive, so 1,000,000 kept slices could hold a gigabyte of chunks.
 */
const own = (s: string) => (s.length < 13 ? s : Buffer.from(s, 'utf16le').toString('utf16le'));

/**
 * `xl/sharedStrings.xml` as plain texts (rich text joined; phonetic guides left out), read here
 * rather than by exceljs, which keeps every run of rich text as an object with its font.
 */
export async function readSharedStrings(source: AsyncIterable<Uint8Array>): Promise<string[]> {
  const texts: string[] = [];
  let parts: string[] | undefined;
  let length = 0;
  let total = 0;
  let inText = 0;
  let phonetic = 0;
  await sax(source, (p) => {
    p.on('opentag', (tag: SaxesTagPlain) => {
      const name = local(tag.name);
      if (name === 'si') {
        if (texts.length === MAX_SHARED_STRINGS) throw new Error(`it holds more than ${fmt(MAX_SHARED_STRINGS)} different texts.`);
        parts = [];
        length = 0;
      } else if (name === 't') inText++;
      else if (name === 'rPh') phonetic++;
    });
    p.on('text', (text: string) => {
      if (!parts || inText === 0 || phonetic > 0) return;
      length += text.length;
      total += text.length;
      if (length > MAX_CELL_CHARS) throw new Error(`a cell holds more than ${fmt(MAX_CELL_CHARS)} characters.`);
      if (total > MAX_SHARED_CHARS) throw new Error(`its texts hold more than ${fmt(MAX_SHARED_CHARS)} characters.`);
      parts.push(text);
    });
    p.on('closetag', (tag: SaxesTagPlain) => {
      const name = local(tag.name);
      if (name === 't') inText--;
      else if (name === 'rPh') phonetic--;
      else if (name === 'si' && parts) {
        texts.push(own(parts.join('')));
        parts = undefined;
      }
    });
  });
  return texts;
}
/** Excel's built-in number formats that show a date or a time (ECMA-376 18.8.30, and the East Asian ones). */
const BUILT_IN_DATES = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58,
]);

/** A format code shows a date or time when, quoted text, escapes, colours and locales aside, it has d, m, y, h or s. */
export function isDateFormat(code: string): boolean {
  const bare = code.replace(/"[^"]*"|\\.|_.|\*.|\[[^\]]*\]/g, '');
  return /[dmyhs]/i.test(bare) && !/^general$/i.test(bare.trim());
}

/**
 * The cell formats (`cellXfs`, by index: a cell's `s`) of `xl/styles.xml` that show a date; nothing
 * else of the styles is kept (exceljs's `styles: 'cache'` keeps every format as objects, about 190
 * bytes for each `<xf/>` of 5: a styles part too is a bomb).
 */
export async function readDateStyles(source: AsyncIterable<Uint8Array>): Promise<Set<number>> {
  const customDates = new Set<number>();
  const dates = new Set<number>();
  let inCellXfs = false;
  let xf = 0;
  await sax(source, (p) => {
    p.on('opentag', (tag: SaxesTagPlain) => {
      const name = local(tag.name);
      const id = Number(tag.attributes.numFmtId);
      if (name === 'numFmt' && isDateFormat(String(tag.attributes.formatCode ?? ''))) customDates.add(id);
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) {
        if (BUILT_IN_DATES.has(id) || customDates.has(id)) dates.add(xf);
        xf++;
      }
    });
    p.on('closetag', (tag: SaxesTagPlain) => {
      if (local(tag.name) === 'cellXfs') inCellXfs = false;
    });
  });
  return dates;
}

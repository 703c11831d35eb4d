import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type bidiModule from 'bidi-js';
import type { EmbeddingLevels } from 'bidi-js';

// Names and addresses are often Arabic or accented: DejaVu (Debian's fonts-dejavu-core) has the
// letters; without it the PDF's own Helvetica shows Latin text only.
const DEJAVU = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const DEJAVU_BOLD = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const dejavu = existsSync(DEJAVU) && existsSync(DEJAVU_BOLD);

/** The fonts of codops' PDFs (labels, statements). */
export const PDF_FONTS = dejavu ? { regular: DEJAVU, bold: DEJAVU_BOLD } : { regular: 'Helvetica', bold: 'Helvetica-Bold' };

/**
 * A new pdfkit document. pdfkit is imported at the first PDF, not at startup: with its font code it
 * weighs about 5 MB of heap (13 MB of resident memory) in a server that may never print a label.
 */
export async function pdfDocument(options: PDFKit.PDFDocumentOptions): Promise<PDFKit.PDFDocument> {
  const { default: PDFDocument } = await import('pdfkit');
  return new PDFDocument(options);
}

// bidi-js is CommonJS (module.exports is its factory), required at the first text laid out, not at
// startup: its Unicode tables weigh several MB of resident memory in a server that may never print.
type BidiFactory = typeof bidiModule.default;
const requireBidi = () => createRequire(import.meta.url)('bidi-js') as BidiFactory;

/** Letters written right to left (Hebrew, Arabic and their presentation forms). */
const RTL = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;
let bidi: ReturnType<BidiFactory> | undefined;
const getBidi = () => (bidi ??= requireBidi()());

/** A run of one direction, in the order it is drawn left to right; an RTL run's text in reading order. */
export interface VisualRun {
  text: string;
  rtl: boolean;
}

/**
 * The runs of `text[start..end]` (one line) in the order they are drawn from the left, by the Unicode
 * bidi algorithm (bidi-js): "محمد العلوي" is one right-to-left run, "زنقة 12، حي" three (the number
 * reads left to right inside its right-to-left line).
 */
export function visualRuns(text: string, levels: EmbeddingLevels, start = 0, end = text.length - 1): VisualRun[] {
  const runs: { indices: number[]; level: number }[] = [];
  // The whole string's indices, only [start, end] reordered: the line's are those places.
  for (const i of getBidi()
    .getReorderedIndices(text, levels, start, end)
    .slice(start, end + 1)) {
    const last = runs.at(-1);
    if (last && last.level === levels.levels[i]) last.indices.push(i);
    else runs.push({ indices: [i], level: levels.levels[i] });
  }
  return runs.map((r) => {
    const rtl = r.level % 2 === 1;
    const logical = rtl ? r.indices.reverse() : r.indices;
    return { text: logical.map((i) => text[i]).join(''), rtl };
  });
}

/** Embedding levels of `text` (its direction from its first strong letter). */
export function bidiLevels(text: string): EmbeddingLevels {
  return getBidi().getEmbeddingLevels(text);
}

/**
 * A textarea's lines end in CRLF (browsers send them so): pdfkit breaks at LF and draws the CR as a
 * missing glyph's box.
 */
const lineFeeds = (text: string) => text.replace(/\r\n?/g, '\n');

/** `text`'s lines at `width` (pdfkit's measure), as [start, end] in the text, breaking at spaces and at line feeds. */
function lineRanges(doc: PDFKit.PDFDocument, text: string, width: number): [number, number][] {
  const lines: [number, number][] = [];
  const words = [...text.matchAll(/\S+/g)];
  let from = -1;
  let to = -1;
  for (const w of words) {
    const wEnd = w.index + w[0].length - 1;
    const newLine = from >= 0 && text.slice(to + 1, w.index).includes('\n');
    if (from >= 0 && (newLine || doc.widthOfString(text.slice(from, wEnd + 1)) > width)) {
      lines.push([from, to]);
      from = -1;
    }
    if (from < 0) from = w.index;
    to = wEnd;
  }
  if (from >= 0) lines.push([from, to]);
  return lines;
}

/** How many lines `text` takes at `width` in the document's current font, as writeText breaks it. */
export function lineCount(doc: PDFKit.PDFDocument, text: string, width: number): number {
  text = lineFeeds(text);
  if (RTL.test(text)) return lineRanges(doc, text, width).length;
  return Math.round(doc.heightOfString(text, { width }) / doc.currentLineHeight(true));
}

/**
 * Writes `text` at the document's position in at most `maxLines` lines of `width`, cut short with
 * "…". pdfkit lays words out left to right only (an Arabic name came out with its words swapped and
 * run together): a text with right-to-left letters is broken into lines here, each drawn run by run
 * in its visual order (fontkit shapes an Arabic run and lays it out right to left itself), and
 * aligned right when it starts right to left.
 */
export function writeText(doc: PDFKit.PDFDocument, text: string, opts: { width: number; maxLines: number }): void {
  text = lineFeeds(text);
  const lineHeight = doc.currentLineHeight(true);
  if (!RTL.test(text)) {
    doc.text(text, { width: opts.width, height: opts.maxLines * lineHeight + 1, ellipsis: true });
    return;
  }
  const whole = text;
  let ranges = lineRanges(doc, text, opts.width);
  // Cut after the last line's last word that leaves room for the "…".
  for (let cut = ranges[opts.maxLines - 1]?.[1] + 1; ranges.length > opts.maxLines; cut = whole.lastIndexOf(' ', cut - 1)) {
    if (cut <= 0) {
      ranges = ranges.slice(0, opts.maxLines);
      break;
    }
    text = `${whole.slice(0, cut).trimEnd()}…`;
    ranges = lineRanges(doc, text, opts.width);
  }
  const levels = bidiLevels(text);
  const fromRight = (levels.paragraphs[0]?.level ?? 0) % 2 === 1;
  const left = doc.x;
  let y = doc.y;
  for (const [start, end] of ranges) {
    // A right-to-left run keeps its spaces inside it (pdfkit would otherwise lay its words out one by one).
    const runs = visualRuns(text, levels, start, end).map((r) => (r.rtl ? r.text.replace(/ /g, '\u00a0') : r.text));
    let x = fromRight ? left + opts.width - runs.reduce((w, r) => w + doc.widthOfString(r), 0) : left;
    for (const r of runs) {
      doc.text(r, x, y, { lineBreak: false });
      x += doc.widthOfString(r);
    }
    y += lineHeight;
  }
  doc.x = left;
  doc.y = y;
}

import type { Queryable } from '../../db/database.js';
import { lineCount, PDF_FONTS, pdfDocument, writeText } from '../../files/pdf.js';
import { CASH_TO_COLLECT } from '../ledger/order-fees.js';
import type { Recipient } from '../records/recipient.js';

/** What a label shows (fulfilment.md). */
export interface LabelOrder extends Recipient {
  tracking_number: string | null;
  /** The amount to collect (ledger/order-fees.ts). */
  cod_amount: number;
  products: { sku: string; name: string; quantity: number }[];
}

/** The orders among `ids` in the order asked, with their lines (the caller has checked what the viewer may see). */
export async function labelOrders(q: Queryable, ids: string[]): Promise<LabelOrder[]> {
  const { rows } = await q.query<LabelOrder & { id: string }>(
    `SELECT o.id, o.reference, o.tracking_number, o.full_name, o.phone, o.city, o.area, o.address, ${CASH_TO_COLLECT('o')}::float8 AS cod_amount,
            (SELECT coalesce(json_agg(json_build_object('sku', ol.sku, 'name', ol.name, 'quantity', ol.quantity) ORDER BY ol.position), '[]')
               FROM order_lines ol WHERE ol.order_id = o.id) AS products
       FROM orders o WHERE o.id = ANY($1::text[]) AND o.deleted_at IS NULL`,
    [ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

const MM = 72 / 25.4;
const { regular: REGULAR, bold: BOLD } = PDF_FONTS;
/** 100 × 150 mm, a courier's usual thermal label. */
const SIZE: [number, number] = [100 * MM, 150 * MM];
const MARGIN = 6 * MM;
/** Where the barcode (or the note in its place) begins. */
const BARCODE_TOP = SIZE[1] - MARGIN - 32 * MM;

/** What Code 128 carries as itself: printable ASCII (bwip-js turns any other character into other bytes). */
export const BARCODABLE = /^[\x20-\x7e]+$/;

/** The Code 128 barcode of the tracking number (the reference before shipping), as a PNG. bwip-js is imported at the first one. */
export async function barcodePng(text: string): Promise<Buffer> {
  const { default: bwipjs } = await import('bwip-js');
  return bwipjs.toBuffer({ bcid: 'code128', text, scale: 3, height: 14, includetext: true, textxalign: 'center' });
}

/** The address's font sizes, largest first: a long one is written smaller rather than cut. */
const ADDRESS_SIZES = [10, 9, 8, 7];
/** Product lines kept below the address however long it is (the rest of the room is the address's). */
const PRODUCT_LINES_KEPT = 3;

/**
 * The address's size and lines: the largest size at which all of it fits in the room between the
 * current position and what must follow it above the barcode (the amount to collect and
 * `productLines` product lines); an address too long even at the smallest size takes all that room
 * at that size, cut short. Leaves the document's font as it found it.
 */
function addressLayout(doc: PDFKit.PDFDocument, address: string, width: number, productLines: number): { size: number; lines: number } {
  const lineHeight = (font: string, size: number) => doc.font(font).fontSize(size).currentLineHeight(true);
  const below = (size: number) =>
    0.6 * lineHeight(REGULAR, size) + lineHeight(BOLD, 14) + (0.4 + Math.max(1, productLines)) * lineHeight(REGULAR, 9);
  const top = doc.y;
  let layout = { size: ADDRESS_SIZES[0], lines: 1 };
  for (const size of ADDRESS_SIZES) {
    const room = Math.max(1, Math.floor((BARCODE_TOP - 2 * MM - top - below(size)) / lineHeight(REGULAR, size)));
    const needed = lineCount(doc.font(REGULAR).fontSize(size), address, width);
    layout = { size, lines: Math.min(needed, room) };
    if (needed <= room) break;
  }
  doc.font(REGULAR).fontSize(11);
  return layout;
}

const money = (n: number) => `${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} MAD`;

/** One PDF with a label per page. */
export async function labelsPdf(orders: LabelOrder[]): Promise<Buffer> {
  const doc = await pdfDocument({
    size: SIZE,
    margin: MARGIN,
    autoFirstPage: false,
    info: { Title: 'Shipping labels', Producer: 'codops' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  const width = SIZE[0] - 2 * MARGIN;
  for (const o of orders) {
    doc.addPage();
    doc.font(BOLD).fontSize(18).text(o.reference, { width });
    // A courier's tracking number may hold any character (a hand-typed one is printable ASCII): drawn right to left where it needs.
    writeText(doc.font(REGULAR).fontSize(9).fillColor('#444'), o.tracking_number ? `Tracking ${o.tracking_number}` : 'Not shipped yet', {
      width,
      maxLines: 1,
    });
    doc.moveDown(0.6).fillColor('#000');
    // Long fields are cut short (…): one label is one page, its amount and barcode always on it. The
    // address, what the courier needs most, takes the room there is, smaller when it must (addressLayout).
    // Names and addresses are often Arabic: writeText draws them right to left.
    writeText(doc.font(BOLD).fontSize(12), o.full_name, { width, maxLines: 2 });
    doc.font(REGULAR).fontSize(11).text(o.phone);
    writeText(doc, [o.city, o.area].filter(Boolean).join(' — '), { width, maxLines: 2 });
    const address = addressLayout(doc, o.address, width, Math.min(o.products.length, PRODUCT_LINES_KEPT));
    writeText(doc.fontSize(address.size), o.address, { width, maxLines: address.lines });
    doc.moveDown(0.6);
    doc
      .font(BOLD)
      .fontSize(14)
      .text(`To collect: ${money(o.cod_amount)}`, { width });
    doc.moveDown(0.4).font(REGULAR).fontSize(9);
    // As many lines as the room above the barcode holds (the last one saying how many are left out).
    const room = Math.max(1, Math.floor((BARCODE_TOP - 2 * MM - doc.y) / doc.currentLineHeight(true)));
    const shown = o.products.length <= room ? o.products.length : room - 1;
    for (const p of o.products.slice(0, shown)) writeText(doc, `${p.quantity} × ${p.sku} — ${p.name}`, { width, maxLines: 1 });
    if (shown < o.products.length) doc.text(`and ${o.products.length - shown} more`);
    // No barcode rather than one that scans as other text.
    const code = o.tracking_number ?? o.reference;
    if (BARCODABLE.test(code)) {
      doc.image(await barcodePng(code), MARGIN, BARCODE_TOP, { fit: [width, 30 * MM], align: 'center' });
    } else {
      doc.text('No barcode: the tracking number holds characters a barcode cannot carry.', MARGIN, SIZE[1] - MARGIN - 12 * MM, { width });
    }
  }
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}

import { PDF_FONTS, pdfDocument, writeText } from '../../files/pdf.js';
import { dayIn } from '../../lib/time-zone.js';
import type { InvoiceRow, Statement } from './queries.js';
import { PAYMENT_METHOD_LABELS } from './schemas.js';

const { regular: REGULAR, bold: BOLD } = PDF_FONTS;

const money = (n: number) => `${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} MAD`;

/** The columns of a statement line: the order's credit, then each fee (finance.md's kinds). */
const COLUMNS: [string, string][] = [
  ['delivered', 'Collected'],
  ['confirmation_fee', 'Confirm.'],
  ['fulfilment_fee', 'Fulfil.'],
  ['delivery_fee', 'Delivery'],
  ['return_fee', 'Return'],
  ['cod_fee', 'COD'],
];

/**
 * Sets the font size at which `text` fits `width` (at most `size`): pdfkit breaks a word longer than
 * its cell, so a million's total read `1,000,192.3` over `5` (finance audit); the figure is kept whole.
 */
function fitted(doc: PDFKit.PDFDocument, text: string, width: number, size: number): void {
  doc.fontSize(size);
  const wide = doc.widthOfString(text);
  if (wide > width) doc.fontSize(Math.floor(((size * width) / wide) * 10) / 10);
}

/**
 * A payout's PDF statement (finance.md): the account, the period since the previous payout, each
 * delivered and returned order with its amount and fees, the admins' adjustments of the period,
 * and the totals (the net counts the adjustments: it is what the period added to the balance).
 */
export async function statementPdf(inv: InvoiceRow, s: Statement, tz: string): Promise<Buffer> {
  const doc = await pdfDocument({ size: 'A4', margin: 40, info: { Title: `Statement ${inv.reference}`, Producer: 'codops' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve) => doc.on('end', () => resolve()));

  doc.font(BOLD).fontSize(18).text(`Payout statement ${inv.reference}`);
  doc.font(REGULAR).fontSize(10).moveDown(0.5);
  writeText(doc, `Account: ${inv.account_name}`, { width: 515, maxLines: 2 }); // an Arabic name in reading order
  doc.text(`Period: ${s.since ? dayIn(s.since, tz) : 'the beginning'} to ${dayIn(s.until, tz)}`);
  // Orders a canceled payout had covered when a later one was already requested: listed here, the next payout after the cancel.
  if (s.carried.length) doc.text(`With the orders of canceled ${s.carried.length === 1 ? 'payout' : 'payouts'} ${s.carried.join(', ')}`);
  doc.text(`Payout: ${money(Number(inv.amount))} (${PAYMENT_METHOD_LABELS[inv.data.payment_method]}), status ${inv.status}`);
  doc.moveDown();

  const x0 = 40;
  const widths = [72, 62, 62, 50, 50, 50, 50, 50, 64]; // one per header cell: 510 of the page's 515 points
  const header = ['Order', 'Status', ...COLUMNS.map(([, l]) => l), 'Net'];
  // Each page of orders starts with the columns' names.
  const row = (cells: string[], bold = false): void => {
    const y = doc.y;
    doc.font(bold ? BOLD : REGULAR).fontSize(8);
    let x = x0;
    cells.forEach((c, i) => {
      fitted(doc, c, widths[i] - 4, 8);
      doc.text(c, x, y, { width: widths[i] - 4, align: i < 2 ? 'left' : 'right', lineBreak: false });
      doc.fontSize(8);
      x += widths[i];
    });
    doc.x = x0;
    doc.y = y + 14;
    if (doc.y > doc.page.height - 60) {
      doc.addPage();
      row(header, true);
    }
  };
  row(header, true);
  const totals: Record<string, number> = {};
  let net = 0;
  for (const o of s.orders) {
    for (const [k, v] of Object.entries(o.kinds)) totals[k] = (totals[k] ?? 0) + v;
    net += o.net;
    row([
      o.reference,
      'delivered' in o.kinds ? 'delivered' : 'returned',
      ...COLUMNS.map(([k]) => (o.kinds[k] ? money(o.kinds[k]).replace(' MAD', '') : '')),
      money(o.net).replace(' MAD', ''),
    ]);
  }
  if (s.orders.length === 0) doc.font(REGULAR).fontSize(9).text('No delivered or returned order in this period.');
  row(
    [
      'Totals',
      `${s.orders.length} order${s.orders.length === 1 ? '' : 's'}`,
      ...COLUMNS.map(([k]) => money(totals[k] ?? 0).replace(' MAD', '')),
      money(net).replace(' MAD', ''),
    ],
    true,
  );
  let adjusted = 0;
  if (s.adjustments.length > 0) {
    doc.moveDown();
    doc.font(BOLD).fontSize(10).text('Adjustments', x0);
    for (const a of s.adjustments) {
      adjusted += a.amount;
      const y = doc.y;
      doc.font(REGULAR).fontSize(8);
      doc.text(dayIn(a.at, tz), x0, y, { width: 68, lineBreak: false });
      const amount = money(a.amount).replace(' MAD', '');
      fitted(doc, amount, 60, 8);
      doc.text(amount, x0 + 436, y, { width: 60, align: 'right', lineBreak: false });
      doc.fontSize(8);
      doc.x = x0 + 72;
      doc.y = y;
      writeText(doc, a.comment, { width: 360, maxLines: 2 });
      doc.x = x0;
      doc.y = Math.max(doc.y, y + 14);
      if (doc.y > doc.page.height - 60) doc.addPage();
    }
  }
  doc.moveDown();
  doc
    .font(BOLD)
    .fontSize(10)
    .text(`Total collected: ${money(totals.delivered ?? 0)}`, x0);
  const fees = Math.round(((totals.delivered ?? 0) - net) * 100) / 100;
  doc.text(`Total fees: ${money(fees === 0 ? 0 : fees)}`);
  if (s.adjustments.length > 0) doc.text(`Adjustments: ${money(adjusted)}`);
  doc.text(`Net for the period: ${money(Math.round((net + adjusted) * 100) / 100 || 0)}`);
  doc.text(`${inv.status === 'paid' ? 'Amount paid out' : 'Amount requested'}: ${money(Number(inv.amount))}`);
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}

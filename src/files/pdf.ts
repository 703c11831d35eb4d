import { existsSync } from 'node:fs';

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

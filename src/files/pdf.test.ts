import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineCount, PDF_FONTS, pdfDocument, writeText } from './pdf.js';

/** The strings writeText hands pdfkit, which draws a CR as a missing glyph's box. */
async function drawn(text: string): Promise<string[]> {
  const doc = await pdfDocument({ size: 'A6', margin: 20 });
  doc.font(PDF_FONTS.regular).fontSize(10);
  const seen: string[] = [];
  const draw = doc.text.bind(doc);
  doc.text = ((t: string, ...rest: unknown[]) => (
    seen.push(String(t)),
    (draw as (...a: unknown[]) => unknown)(t, ...rest)
  )) as typeof doc.text;
  writeText(doc, text, { width: 260, maxLines: 4 });
  doc.end();
  return seen;
}

// Found by an outside check: an address typed on two lines in the form's textarea (sent as CRLF)
// printed a box at the end of its first line, and in Arabic its lines ran together.
test("a textarea's lines are printed as lines, with no CR drawn, Latin and Arabic alike", async () => {
  for (const text of ['Bloc C n 5\r\nDerb Sultan', 'زنقة 12\r\nحي']) {
    const strings = await drawn(text);
    assert.ok(strings.length > 0);
    assert.ok(!strings.some((s) => s.includes('\r')), JSON.stringify(strings));
  }
  const doc = await pdfDocument({ size: 'A6', margin: 20 });
  doc.font(PDF_FONTS.regular).fontSize(10);
  assert.equal(lineCount(doc, 'زنقة 12\r\nحي', 260), 2, 'two lines of Arabic');
  assert.equal(lineCount(doc, 'زنقة 12 حي', 260), 1);
  assert.equal(lineCount(doc, 'Bloc C n 5\r\nDerb Sultan', 260), 2);
  // Drawn line by line: the Arabic text's second line below its first.
  const arabic = await drawn('زنقة 12\r\nحي');
  assert.ok(arabic.some((s) => s.includes('حي')) && !arabic.some((s) => s.includes('حي') && s.includes('12')), JSON.stringify(arabic));
  doc.end();
});

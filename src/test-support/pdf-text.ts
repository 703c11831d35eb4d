import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Text of a PDF through Debian's pdftotext (its `-layout` unless told: Arabic reads in order without it). */
export function pdfText(pdf: Buffer, opts: { layout?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'codops-pdf-'));
  try {
    writeFileSync(join(dir, 's.pdf'), pdf);
    return execFileSync('pdftotext', [...(opts.layout === false ? [] : ['-layout']), join(dir, 's.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

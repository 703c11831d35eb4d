import { once } from 'node:events';
import { crc32, createDeflateRaw } from 'node:zlib';

/** XLSX files written by hand, for the tests that need files no writer would make (bombs among them). */

export interface Entry {
  name: string;
  /** The entry's content, in pieces (a bomb is built a piece at a time). */
  pieces: Iterable<Buffer>;
}

/** A ZIP archive of deflated entries, written by hand (the tests need files no writer would make). */
export async function zipOf(...entries: Entry[]): Promise<Buffer> {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, pieces } of entries) {
    const z = createDeflateRaw({ level: 9 });
    const out: Buffer[] = [];
    z.on('data', (c: Buffer) => out.push(c));
    let crc = 0;
    let size = 0;
    for (const p of pieces) {
      crc = crc32(p, crc);
      size += p.length;
      if (!z.write(p)) await once(z, 'drain');
    }
    z.end();
    await once(z, 'end');
    const data = Buffer.concat(out);
    const file = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(file.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(file.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, file, data);
    centrals.push(central, file);
    offset += local.length + file.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export const MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
export const text = (s: string) => [Buffer.from(s)];
/** `count` characters of one letter, a megabyte at a time. */
export function* letters(count: number): Generator<Buffer> {
  const mb = Buffer.alloc(1 << 20, 'a');
  for (let left = count; left > 0; left -= mb.length) yield left >= mb.length ? mb : mb.subarray(0, left);
}
export const sharedStrings = (...items: Iterable<Buffer>[]): Entry => ({
  name: 'xl/sharedStrings.xml',
  pieces: [
    Buffer.from(`<?xml version="1.0"?><sst ${MAIN}>`),
    ...items.flatMap((i) => [Buffer.from('<si><t>'), ...i, Buffer.from('</t></si>')]),
    Buffer.from('</sst>'),
  ],
});
export const sheet = (...rows: Iterable<Buffer>[]): Entry => ({
  name: 'xl/worksheets/sheet1.xml',
  pieces: [
    Buffer.from(`<?xml version="1.0"?><worksheet ${MAIN}><sheetData>`),
    ...rows.flatMap((r) => [...r]),
    Buffer.from('</sheetData></worksheet>'),
  ],
});
export const inline = (ref: string, pieces: Iterable<Buffer>) => [
  Buffer.from(`<c r="${ref}" t="inlineStr"><is><t>`),
  ...pieces,
  Buffer.from('</t></is></c>'),
];

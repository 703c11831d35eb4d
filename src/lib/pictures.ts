// Pictures users upload (profile pictures, product images): recognised by their bytes, stored under
// DATA_DIR/uploads/<folder>/ with names we make, so no path from the database reaches the disk as is.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

export const PICTURE_TYPES = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
} as const;
export type PictureKind = keyof typeof PICTURE_TYPES;

/** What the bytes are, whatever the browser claimed: PNG, JPEG or WebP by their magic numbers. */
export function sniffPicture(data: Buffer): PictureKind | undefined {
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

interface PictureStore {
  /** Writes a new file for `ownerId` and answers its path relative to uploads/ (`<folder>/<file>`). */
  save(dataDir: string, ownerId: string, data: Buffer, kind: PictureKind): Promise<string>;
  read(dataDir: string, stored: string): Promise<{ data: Buffer; type: string } | undefined>;
  remove(dataDir: string, stored: string | null | undefined): Promise<void>;
}

export function pictureStore(folder: string): PictureStore {
  const dirOf = (dataDir: string) => join(dataDir, 'uploads', folder);
  /** Only file names we wrote are ever read or removed. */
  const fileOf = (dataDir: string, stored: string): string | undefined => {
    const name = basename(stored);
    return /^[A-Za-z0-9]+-[a-f0-9]{16}\.(png|jpeg|webp)$/.test(name) ? join(dirOf(dataDir), name) : undefined;
  };
  return {
    async save(dataDir, ownerId, data, kind) {
      const dir = dirOf(dataDir);
      await mkdir(dir, { recursive: true });
      const file = `${ownerId}-${randomBytes(8).toString('hex')}.${kind}`;
      await writeFile(join(dir, file), data, { mode: 0o640 });
      return `${folder}/${file}`;
    },
    async read(dataDir, stored) {
      const file = fileOf(dataDir, stored);
      if (!file) return undefined;
      try {
        const data = await readFile(file);
        const kind = sniffPicture(data);
        return kind ? { data, type: PICTURE_TYPES[kind] } : undefined;
      } catch {
        return undefined;
      }
    },
    async remove(dataDir, stored) {
      const file = stored ? fileOf(dataDir, stored) : undefined;
      if (file) await unlink(file).catch(() => undefined);
    },
  };
}

// Pictures users upload (profile pictures, product images): recognised by their bytes, kept in the
// file store under <folder>/ with names we make, so no path from the database reaches a store as is.
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { FileStore, StoredFile } from '../files/store.js';

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

export interface PictureStore {
  /** Writes a new file for `ownerId` and answers its key (`<folder>/<file>`), kept in the database. */
  save(files: FileStore, ownerId: string, data: Buffer, kind: PictureKind): Promise<string>;
  read(files: FileStore, stored: string): Promise<StoredFile | undefined>;
  remove(files: FileStore, stored: string | null | undefined): Promise<void>;
}

export function pictureStore(folder: string): PictureStore {
  /** Only file names we wrote are ever read or removed. */
  const keyOf = (stored: string): string | undefined => {
    const name = basename(stored);
    return /^[A-Za-z0-9]+-[a-f0-9]{16}\.(png|jpeg|webp)$/.test(name) ? `${folder}/${name}` : undefined;
  };
  return {
    async save(files, ownerId, data, kind) {
      const key = `${folder}/${ownerId}-${randomBytes(8).toString('hex')}.${kind}`;
      await files.put(key, Readable.from([data]));
      return key;
    },
    async read(files, stored) {
      const key = keyOf(stored);
      return key ? files.get(key) : undefined;
    },
    async remove(files, stored) {
      const key = stored ? keyOf(stored) : undefined;
      if (key) await files.delete(key).catch(() => undefined);
    },
  };
}

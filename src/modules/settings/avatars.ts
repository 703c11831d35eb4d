import { randomBytes } from 'node:crypto';
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

export const MAX_PICTURE_BYTES = 1024 * 1024;

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

const dirOf = (dataDir: string) => join(dataDir, 'uploads', 'avatars');

/** Writes a new picture under DATA_DIR/uploads/avatars/ and answers its path relative to uploads/. */
export async function savePicture(dataDir: string, userId: string, data: Buffer, kind: PictureKind): Promise<string> {
  const dir = dirOf(dataDir);
  await mkdir(dir, { recursive: true });
  const file = `${userId}-${randomBytes(8).toString('hex')}.${kind}`;
  await writeFile(join(dir, file), data, { mode: 0o640 });
  return `avatars/${file}`;
}

/** Only file names we wrote are ever read or removed: no path from the database reaches the disk as is. */
function fileOf(dataDir: string, stored: string): string | undefined {
  const name = basename(stored);
  if (!/^[A-Za-z0-9]+-[a-f0-9]{16}\.(png|jpeg|webp)$/.test(name)) return undefined;
  return join(dirOf(dataDir), name);
}

export async function readPicture(dataDir: string, stored: string): Promise<{ data: Buffer; type: string } | undefined> {
  const file = fileOf(dataDir, stored);
  if (!file) return undefined;
  try {
    const data = await readFile(file);
    const kind = sniffPicture(data);
    return kind ? { data, type: PICTURE_TYPES[kind] } : undefined;
  } catch {
    return undefined;
  }
}

export async function deletePicture(dataDir: string, stored: string | null | undefined): Promise<void> {
  const file = stored ? fileOf(dataDir, stored) : undefined;
  if (file) await unlink(file).catch(() => undefined);
}

/** The picture's URL changes with the file, so browsers may cache each version. */
export const pictureUrl = (stored: string | null | undefined) =>
  stored ? `/settings/profile/picture?v=${encodeURIComponent(basename(stored).replace(/\..*$/, ''))}` : null;

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ErrorBag } from '../../http/validation.js';
import { PICTURE_TYPES, sniffPicture, type PictureKind } from '../settings/avatars.js';
import { Upload } from '../settings/uploads.js';

export const MAX_IMAGE_BYTES = 1024 * 1024;
export const IMAGE_TOO_BIG = `The image field must not be greater than ${MAX_IMAGE_BYTES / 1024} kilobytes.`;
export const IMAGE_WRONG_TYPE = 'The image field must be a file of type: png, jpeg, webp.';
export const IMAGE_REQUIRED = 'The image field is required.';
export const IMAGE_NOT_FILE = 'The image field must be a file.';

const dirOf = (dataDir: string) => join(dataDir, 'uploads', 'products');

/** Checks an uploaded image: a file of at most 1 MB, PNG, JPEG or WebP by its bytes (whatever the browser claimed). */
export function checkImage(value: unknown, bag: ErrorBag): { data: Buffer; kind: PictureKind } | undefined {
  if (value === undefined || value === null || value === '') {
    bag.add('image', IMAGE_REQUIRED);
    return undefined;
  }
  if (!(value instanceof Upload)) {
    bag.add('image', IMAGE_NOT_FILE);
    return undefined;
  }
  if (value.truncated || value.data.length > MAX_IMAGE_BYTES) {
    bag.add('image', IMAGE_TOO_BIG);
    return undefined;
  }
  const kind = sniffPicture(value.data);
  if (!kind) {
    bag.add('image', IMAGE_WRONG_TYPE);
    return undefined;
  }
  return { data: value.data, kind };
}

/** Writes an image under DATA_DIR/uploads/products/ and answers its path relative to uploads/. */
export async function saveImage(dataDir: string, productId: string, data: Buffer, kind: PictureKind): Promise<string> {
  const dir = dirOf(dataDir);
  await mkdir(dir, { recursive: true });
  const file = `${productId}-${randomBytes(8).toString('hex')}.${kind}`;
  await writeFile(join(dir, file), data, { mode: 0o640 });
  return `products/${file}`;
}

/** Only file names we wrote are ever read or removed: no path from the database reaches the disk as is. */
function fileOf(dataDir: string, stored: string): string | undefined {
  const name = basename(stored);
  if (!/^[A-Za-z0-9]+-[a-f0-9]{16}\.(png|jpeg|webp)$/.test(name)) return undefined;
  return join(dirOf(dataDir), name);
}

export async function readImage(dataDir: string, stored: string): Promise<{ data: Buffer; type: string } | undefined> {
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

export async function deleteImage(dataDir: string, stored: string | null | undefined): Promise<void> {
  const file = stored ? fileOf(dataDir, stored) : undefined;
  if (file) await unlink(file).catch(() => undefined);
}

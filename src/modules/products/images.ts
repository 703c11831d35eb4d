import type { ErrorBag } from '../../http/validation.js';
import { pictureStore, sniffPicture, type PictureKind } from '../../lib/pictures.js';
import { Upload } from '../settings/uploads.js';

export const MAX_IMAGE_BYTES = 1024 * 1024;
export const IMAGE_TOO_BIG = `The image field must not be greater than ${MAX_IMAGE_BYTES / 1024} kilobytes.`;
export const IMAGE_WRONG_TYPE = 'The image field must be a file of type: png, jpeg, webp.';
const IMAGE_REQUIRED = 'The image field is required.';
const IMAGE_NOT_FILE = 'The image field must be a file.';

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

/** Product images, in the file store under products/. */
const images = pictureStore('products');
export const saveImage = images.save;
export const readImage = images.read;
export const deleteImage = images.remove;

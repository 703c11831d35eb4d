import type { ErrorBag } from '../../http/validation.js';
import { pictureStore } from '../../lib/pictures.js';
import { checkPictureUpload, pictureMessages } from '../settings/uploads.js';

export const MAX_IMAGE_BYTES = 1024 * 1024;
const MESSAGES = pictureMessages('image', MAX_IMAGE_BYTES);
export const IMAGE_TOO_BIG = MESSAGES.tooBig;
export const IMAGE_WRONG_TYPE = MESSAGES.wrongType;

/** Checks an uploaded image: required, a file of at most 1 MB, PNG, JPEG or WebP by its bytes. */
export const checkImage = (value: unknown, bag: ErrorBag) =>
  checkPictureUpload(value, bag, 'image', { maxBytes: MAX_IMAGE_BYTES, required: true });

/** Product images, in the file store under products/. */
const images = pictureStore('products');
export const saveImage = images.save;
export const readImage = images.read;
export const deleteImage = images.remove;

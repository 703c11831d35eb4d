import { pictureStore } from '../../lib/pictures.js';

export { PICTURE_TYPES, sniffPicture, type PictureKind } from '../../lib/pictures.js';

export const MAX_PICTURE_BYTES = 1024 * 1024;

/** Profile pictures, in the file store under avatars/. */
const avatars = pictureStore('avatars');
export const savePicture = avatars.save;
export const readPicture = avatars.read;
export const deletePicture = avatars.remove;

import { basename } from 'node:path';

/** The picture's URL changes with the file, so browsers may cache each version. */
export const pictureUrl = (stored: string | null | undefined) =>
  stored ? `/settings/profile/picture?v=${encodeURIComponent(basename(stored).replace(/\..*$/, ''))}` : null;

import type { FastifyReply } from 'fastify';
import type { StoredFile } from '../files/store.js';
import { notFound } from '../http/errors.js';

/**
 * Answers a picture from the file store (a profile picture, a product image): private, cached for a
 * day, never sniffed or run as anything but an image; 404 when there is none.
 */
export function sendStoredPicture(reply: FastifyReply, picture: StoredFile | undefined) {
  if (!picture) throw notFound();
  return reply
    .type(picture.type)
    .header('cache-control', 'private, max-age=86400')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'")
    .header('content-length', picture.size)
    .send(picture.stream);
}

import { productPolicy } from './policy.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../http/errors.js';
import { ErrorBag } from '../../http/validation.js';
import { audit } from '../../web/audit.js';
import { done } from '../../web/respond.js';
import { multipartForms } from '../settings/uploads.js';
import { checkImage, deleteImage, MAX_IMAGE_BYTES, readImage, saveImage } from './images.js';
import { editsEverything } from './policy.js';
import { findProduct, productImagePath } from './queries.js';
import { setProductImage } from './service.js';

const showUrl = (id: string) => `/products/${id}/show`;

/**
 * A product's image: uploaded as a multipart form (`image`, ≤ 1 MB, PNG/JPEG/WebP by its bytes),
 * kept in the file store under products/, served only to those who may see the product.
 */
export async function productImagePages(web: FastifyInstance) {
  // Only this plugin's routes take multipart forms.
  await multipartForms(web, { maxFileBytes: MAX_IMAGE_BYTES });
  const { db, files } = web;

  const load = async (req: FastifyRequest) => {
    const row = await findProduct(db, req.user!, (req.params as { id: string }).id);
    if (!row) throw notFound();
    return row;
  };

  web.get('/products/:id/image', { config: { can: productPolicy.can('view') } }, async (req, reply) => {
    const path = await productImagePath(db, req.user!, (req.params as { id: string }).id);
    const image = path ? await readImage(files, path) : undefined;
    if (!image) throw notFound();
    return reply
      .type(image.type)
      .header('cache-control', 'private, max-age=86400')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'")
      .header('content-length', image.size)
      .send(image.stream);
  });

  const remove = async (req: FastifyRequest, reply: FastifyReply) => {
    const row = await load(req);
    const { rows } = await db.query<{ image_path: string | null }>('SELECT image_path FROM products WHERE id = $1', [row.data.id]);
    const old = rows[0]?.image_path ?? null;
    if (old) {
      await db.tx(async (q) => {
        await setProductImage(q, row.data.id, null);
        await audit(q, req.user!, 'products.remove_image', { type: 'product', id: row.data.id, accountId: row.data.account_id });
      });
      await deleteImage(files, old);
    }
    const after = (await findProduct(db, req.user!, row.data.id))!;
    return done(req, reply, { message: 'Image removed.', redirect: showUrl(row.data.id), data: after.data });
  };

  const upload = async (req: FastifyRequest, reply: FastifyReply) => {
    const row = await load(req);
    const raw = (req.body ?? {}) as Record<string, unknown>;
    const file = raw.image;
    req.body = {}; // a file never goes back into the session as old input
    const bag = new ErrorBag();
    const image = checkImage(file, bag);
    bag.throwIfAny();
    const { rows } = await db.query<{ image_path: string | null }>('SELECT image_path FROM products WHERE id = $1', [row.data.id]);
    const old = rows[0]?.image_path ?? null;
    const path = await saveImage(files, row.data.id, image!.data, image!.kind);
    try {
      await db.tx(async (q) => {
        await setProductImage(q, row.data.id, path);
        await audit(
          q,
          req.user!,
          'products.upload_image',
          { type: 'product', id: row.data.id, accountId: row.data.account_id },
          { bytes: image!.data.length, type: image!.kind },
        );
      });
    } catch (err) {
      await deleteImage(files, path);
      throw err;
    }
    await deleteImage(files, old);
    const after = (await findProduct(db, req.user!, row.data.id))!;
    return done(req, reply, { message: 'Image uploaded.', redirect: showUrl(row.data.id), data: after.data });
  };

  const write = { config: { can: editsEverything } };
  // HTML forms post; `_method=DELETE` removes the image.
  web.route({
    method: ['POST', 'PUT'],
    url: '/products/:id/image',
    ...write,
    handler: async (req, reply) => {
      const spoof = String((req.body as Record<string, unknown> | undefined)?._method ?? '').toUpperCase();
      return spoof === 'DELETE' ? remove(req, reply) : upload(req, reply);
    },
  });
  web.delete('/products/:id/image', write, remove);
}

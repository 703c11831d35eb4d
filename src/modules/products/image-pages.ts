import type { IdRoute } from '../../web/types.js';
import { productPolicy } from './policy.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../http/errors.js';
import { ErrorBag } from '../../http/validation.js';
import { audit } from '../../web/audit.js';
import { done } from '../../web/respond.js';
import { spoofedMethod } from '../../web/scope.js';
import { multipartForms } from '../settings/uploads.js';
import { sendStoredPicture } from '../../web/stored-picture.js';
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

  const load = async (req: FastifyRequest<IdRoute>) => {
    const row = await findProduct(db, req.user!, req.params.id);
    if (!row) throw notFound();
    return row;
  };

  web.get<IdRoute>('/products/:id/image', { config: { can: productPolicy.can('view') } }, async (req, reply) => {
    const path = await productImagePath(db, req.user!, req.params.id);
    return sendStoredPicture(reply, path ? await readImage(files, path) : undefined);
  });

  const remove = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
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

  const upload = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
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
  web.route<IdRoute>({
    method: ['POST', 'PUT'],
    url: '/products/:id/image',
    ...write,
    handler: async (req, reply) => {
      return spoofedMethod(req) === 'DELETE' ? remove(req, reply) : upload(req, reply);
    },
  });
  web.delete<IdRoute>('/products/:id/image', write, remove);
}

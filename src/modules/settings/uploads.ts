import type { FastifyInstance } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import type { Readable } from 'node:stream';
import { badForm, tooLarge, tooManyParts } from '../../http/errors.js';
import type { ErrorBag } from '../../http/validation.js';
import { sniffPicture, type PictureKind } from '../../lib/pictures.js';

/** A file from a multipart form, read into memory (never more than the limit). */
export class Upload {
  constructor(
    readonly filename: string,
    readonly mimetype: string,
    readonly data: Buffer,
    /** More bytes were sent than the limit allows; `data` holds only the first ones. */
    readonly truncated: boolean,
  ) {}
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Multipart forms for the routes of this plugin: fields land in `req.body` like a urlencoded form
 * (repeated names and `name[]` as arrays), files as `Upload`s, before the CSRF check reads `_token`.
 * A file over `maxFileBytes` is kept as truncated so the route can answer 422 on its field.
 */
export async function multipartForms(web: FastifyInstance, opts: { maxFileBytes: number; maxFields?: number }) {
  // `maxFields`: a form of checkboxes sends one field per ticked box (the remittance's orders).
  const fields = opts.maxFields ?? 50;
  await web.register(fastifyMultipart, {
    throwFileSizeLimit: false,
    limits: { fileSize: opts.maxFileBytes, files: 1, fields, fieldSize: 100_000, parts: fields + 10, fieldNameSize: 100, headerPairs: 100 },
  });
  web.addHook('preValidation', async (req) => {
    if (!req.isMultipart()) return;
    const body: Record<string, unknown> = Object.create(null);
    const add = (name: string, value: unknown) => {
      if (name === '__proto__' || name === 'constructor' || name === 'prototype') return;
      const prev = body[name];
      if (prev === undefined) body[name] = name.endsWith('[]') ? [value] : value;
      else body[name] = Array.isArray(prev) ? [...prev, value] : [prev, value];
    };
    try {
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          const data = await readAll(part.file);
          // A file input left empty still sends a nameless, empty part.
          if (part.filename === '' && data.length === 0) continue;
          add(part.fieldname, new Upload(part.filename, part.mimetype, data, part.file.truncated));
        } else {
          add(part.fieldname, part.value);
        }
      }
    } catch (err) {
      const { statusCode, code } = err as { statusCode?: number; code?: string };
      // A file sent twice, or more fields than the form has, is not a body too large (uploads audit).
      if (code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') throw tooManyParts();
      throw statusCode === 413 ? tooLarge() : badForm();
    }
    req.body = { ...body };
  });
}

/** Laravel's messages for an uploaded picture in `field`. */
export const pictureMessages = (field: string, maxBytes: number) => ({
  required: `The ${field} field is required.`,
  notFile: `The ${field} field must be a file.`,
  tooBig: `The ${field} field must not be greater than ${maxBytes / 1024} kilobytes.`,
  wrongType: `The ${field} field must be a file of type: png, jpeg, webp.`,
});

/**
 * Checks an uploaded picture in `field`: a file of at most `maxBytes`, PNG, JPEG or WebP by its
 * bytes (whatever the browser claimed). A missing one is an error only when `required`.
 */
export function checkPictureUpload(
  value: unknown,
  bag: ErrorBag,
  field: string,
  opts: { maxBytes: number; required: boolean },
): { data: Buffer; kind: PictureKind } | undefined {
  const messages = pictureMessages(field, opts.maxBytes);
  if (value === undefined || value === null || value === '') {
    if (opts.required) bag.add(field, messages.required);
    return undefined;
  }
  if (!(value instanceof Upload)) {
    bag.add(field, messages.notFile);
    return undefined;
  }
  if (value.truncated || value.data.length > opts.maxBytes) {
    bag.add(field, messages.tooBig);
    return undefined;
  }
  const kind = sniffPicture(value.data);
  if (!kind) {
    bag.add(field, messages.wrongType);
    return undefined;
  }
  return { data: value.data, kind };
}

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { newId } from '../lib/ids.js';
import { HOST, type Agent } from './session.js';

export interface UploadFile {
  name: string;
  type: string;
  data: Buffer;
}

/** A multipart form body: `_token`, the `extra` fields, and `file` as the part named `field`. */
export function multipart(token: string, field: string, file: UploadFile, extra: Record<string, string> = {}) {
  const boundary = `----codops${newId()}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries({ _token: token, ...extra })) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
    ),
  );
  parts.push(file.data, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Uploads `file` to a dashboard route as `a` (a logged-in session), asking for JSON. */
export async function uploadAs(
  app: FastifyInstance,
  a: Agent,
  url: string,
  file: UploadFile,
  extra: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  if (!a.token) await a.get('/leads');
  const { payload, contentType } = multipart(a.token, 'file', file, extra);
  return app.inject({
    method: 'POST',
    url,
    payload,
    headers: {
      host: HOST,
      'content-type': contentType,
      accept: 'application/json',
      cookie: `codops_session=${a.session}`,
      referer: `http://${HOST}/leads`,
    },
  });
}

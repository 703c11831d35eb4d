import { newId } from '../lib/ids.js';

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

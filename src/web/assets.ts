import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const PUBLIC = new URL('../../public/', import.meta.url);
const versions = new Map<string, string>();

/**
 * The URL of a file of public/ with its content's digest (`/assets/app.js?v=1a2b3c4d`): a browser
 * keeps an asset for its max-age (an hour), so after an upgrade it ran the old script against the
 * new pages until then. A changed file is a new URL. Read once per process.
 */
export function asset(name: string): string {
  let v = versions.get(name);
  if (v === undefined) {
    v = createHash('sha256')
      .update(readFileSync(new URL(name, PUBLIC)))
      .digest('hex')
      .slice(0, 10);
    versions.set(name, v);
  }
  return `/assets/${name}?v=${v}`;
}

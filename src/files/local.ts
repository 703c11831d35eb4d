import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkKey, typeOfKey, type FileStore } from './store.js';

/** The temporary name a file is written to before its rename, and its pattern: a crash leaves it behind. */
const partOf = (file: string) => `${file}.${randomBytes(6).toString('hex')}.part`;
const PART = /\.[0-9a-f]{12}\.part$/;

/** Files under one directory (DATA_DIR/uploads by default): written to a temporary name, then renamed. */
export function localFileStore(root: string): FileStore {
  const pathOf = (key: string) => join(root, checkKey(key));
  return {
    kind: 'local',
    async put(key, data: Readable) {
      const file = pathOf(key);
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const tmp = partOf(file);
      const out = createWriteStream(tmp, { mode: 0o600 });
      try {
        await pipeline(data, out);
        await rename(tmp, file);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
      return out.bytesWritten;
    },
    async get(key) {
      const file = pathOf(key);
      try {
        const { size, isFile } = await stat(file).then((s) => ({ size: s.size, isFile: s.isFile() }));
        if (!isFile) return undefined;
        return { stream: createReadStream(file), size, type: typeOfKey(key) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async delete(key) {
      await unlink(pathOf(key)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    },
    async sweep(before) {
      let names: string[];
      try {
        names = await readdir(root, { recursive: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
        throw err;
      }
      let swept = 0;
      for (const name of names.filter((n) => PART.test(n))) {
        const file = join(root, name);
        // A write in progress keeps moving its file's modification time.
        const written = await stat(file).then(
          (s) => s.mtime,
          () => undefined,
        );
        if (!written || written >= before) continue;
        await unlink(file).then(
          () => swept++,
          () => undefined,
        );
      }
      return swept;
    },
    async close() {},
  };
}

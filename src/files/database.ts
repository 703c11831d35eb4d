import { Readable } from 'node:stream';
import type { Database } from '../db/database.js';
import { newId } from '../lib/ids.js';
import { checkKey, typeOfKey, type FileStore } from './store.js';

const CHUNK = 256 * 1024;

/** Gathers a stream into pieces of `size` bytes (the last one shorter). */
async function* chunks(data: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const piece of data) {
    let buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as string);
    while (length + buf.length >= size) {
      const take = size - length;
      pending.push(buf.subarray(0, take));
      yield Buffer.concat(pending);
      buf = buf.subarray(take);
      pending = [];
      length = 0;
    }
    if (buf.length) {
      pending.push(buf);
      length += buf.length;
    }
  }
  if (length) yield Buffer.concat(pending);
}

/**
 * Files in the database (migration 0012), in chunks of 256 KiB written one statement each, outside a
 * transaction (a long upload must not hold the embedded database's one connection); the file gets
 * its key only when whole. Read back one chunk at a time.
 */
export function databaseFileStore(db: Database): FileStore {
  return {
    kind: 'database',
    async put(key, data) {
      checkKey(key);
      const id = newId();
      await db.query('INSERT INTO files (id) VALUES ($1)', [id]);
      let size = 0;
      try {
        let n = 0;
        for await (const chunk of chunks(data, CHUNK)) {
          await db.query('INSERT INTO file_chunks (file_id, n, data) VALUES ($1, $2, $3)', [id, n++, chunk]);
          size += chunk.length;
        }
        await db.tx(async (q) => {
          await q.query('DELETE FROM files WHERE key = $1', [key]);
          await q.query('UPDATE files SET key = $2, size = $3 WHERE id = $1', [id, key, size]);
        });
      } catch (err) {
        await db.query('DELETE FROM files WHERE id = $1', [id]).catch(() => undefined);
        throw err;
      }
      return size;
    },
    async get(key) {
      checkKey(key);
      const { rows } = await db.query<{ id: string; size: number; chunks: number }>(
        'SELECT f.id, f.size, (SELECT count(*) FROM file_chunks c WHERE c.file_id = f.id)::int AS chunks FROM files f WHERE f.key = $1',
        [key],
      );
      const file = rows[0];
      if (!file) return undefined;
      async function* read() {
        for (let n = 0; n < file.chunks; n++) {
          const r = await db.query<{ data: Uint8Array }>('SELECT data FROM file_chunks WHERE file_id = $1 AND n = $2', [file.id, n]);
          // Replaced or removed while being read: end short rather than mix two files.
          if (!r.rows[0]) throw new Error(`file ${key} changed while it was read`);
          yield Buffer.from(r.rows[0].data);
        }
      }
      return { stream: Readable.from(read()), size: Number(file.size), type: typeOfKey(key) };
    },
    async delete(key) {
      await db.query('DELETE FROM files WHERE key = $1', [checkKey(key)]);
    },
    async sweep(before) {
      // A file without its key is one whose write never finished (its chunks go with it).
      const { rowCount } = await db.query('DELETE FROM files WHERE key IS NULL AND created_at < $1', [before]);
      return rowCount;
    },
    async close() {},
  };
}

import type { Readable } from 'node:stream';

/** A file as read back: its bytes as a stream, its size and its type (from the key's extension). */
export interface StoredFile {
  stream: Readable;
  size: number;
  type: string;
}

/**
 * Every file codops keeps (pictures, proofs, labels, exports, imports), by key: `<folder>/<name>`.
 * Bytes stream in and out; no store holds a whole file in memory.
 */
export interface FileStore {
  readonly kind: 'local' | 'database' | 's3';
  /** Writes the stream under key (replacing any file there); resolves to the bytes written once it is whole. */
  put(key: string, data: Readable): Promise<number>;
  /** The file, or undefined when there is none. */
  get(key: string): Promise<StoredFile | undefined>;
  /** Removes the file; nothing happens when there is none. */
  delete(key: string): Promise<void>;
  /**
   * Removes what writes cut short by a crash left behind (a partial file last written before
   * `before`: nobody reads it, nothing else deletes it) and answers how many.
   */
  sweep(before: Date): Promise<number>;
  close(): Promise<void>;
}

/** Keys are made by codops; this shape keeps any other string (`..`, absolute paths) away from disks and buckets. */
const KEY = /^[a-z][a-z0-9-]*(\/[A-Za-z0-9][A-Za-z0-9._-]{0,200})+$/;

export function checkKey(key: string): string {
  if (!KEY.test(key) || key.split('/').some((p) => p === '.' || p === '..' || p.includes('..'))) {
    throw new Error(`not a file key: ${JSON.stringify(key)}`);
  }
  return key;
}

const TYPES: Record<string, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
};

export const typeOfKey = (key: string) => TYPES[key.slice(key.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';

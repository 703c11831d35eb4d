// Values crossing the database socket as JSON lines: dates and bytes keep their types.

export function encode(v: unknown): unknown {
  if (v instanceof Date) return { $date: v.toISOString() };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return v.map(encode);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

export function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$date === 'string' && Object.keys(o).length === 1) return new Date(o.$date);
    if (typeof o.$bytes === 'string' && Object.keys(o).length === 1) return Buffer.from(o.$bytes, 'base64');
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

export interface Request {
  id: number;
  op: 'query' | 'exec' | 'begin' | 'commit' | 'rollback' | 'backup' | 'url';
  text?: string;
  params?: unknown[];
}

export interface Reply {
  id: number;
  rows?: unknown[];
  rowCount?: number;
  /** A piece of a backup (base64); the last reply of a backup has `done`. */
  chunk?: string;
  done?: boolean;
  /** The server's address (`url`), once it listens. */
  url?: string;
  error?: { message: string; code?: string };
}

export const socketPath = (dataDir: string) => `${dataDir}/codops.sock`;

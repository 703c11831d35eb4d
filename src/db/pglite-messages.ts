import { inspect } from 'node:util';

/** What the main thread asks of the embedded database's thread (pglite-worker.ts), and its answers. */
export type Call = { id: number } & (
  | { op: 'query'; tx?: number; text: string; params?: unknown[]; name?: string }
  | { op: 'exec'; tx?: number; text: string }
  | { op: 'begin' }
  | { op: 'end'; tx: number; commit: boolean }
  | { op: 'listen'; channel: string }
  | { op: 'backup'; compression?: 'gzip' | 'none' }
  | { op: 'close' }
);

export type Reply =
  | { id: number; result: unknown }
  | { id: number; error: Record<string, unknown> }
  | { notify: string; payload: string }
  | { ready: true }
  | { ready: false; error: Record<string, unknown> };

/**
 * An error's own fields (code, detail, constraint…) for the other thread: structured cloning keeps
 * only an Error's message. PGlite's engine also throws values that are not Errors (Emscripten's
 * `ExitStatus` {name, message, status}); they keep their message, or are described whole.
 */
export function errorFields(err: unknown): Record<string, unknown> {
  if (typeof err !== 'object' || err === null) return { message: String(err) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  const { message, name } = err as { message?: unknown; name?: unknown };
  out.message = typeof message === 'string' && message ? message : inspect(err, { depth: 2, breakLength: Infinity });
  if (typeof name === 'string') out.name = name;
  return out;
}

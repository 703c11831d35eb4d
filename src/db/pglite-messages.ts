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

import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { acquireDataDirLock, waitForDataDirLock } from './data-dir-lock.js';
import { ownerOnlyDataDir } from './owner-only.js';
import { runTransaction, type Database, type Queryable, type QueryResult } from './database.js';
import type { Call, Reply } from './pglite-messages.js';

// Under tsx (tests, `npm run dev`) this file is TypeScript, and so is the worker it starts; tsx's
// `--import` hooks do not reach worker threads (privatenumber/tsx#354), so the worker registers them.
const typescript = import.meta.url.endsWith('.ts');
const WORKER = new URL(typescript ? './pglite-worker.ts' : './pglite-worker.js', import.meta.url);
const startWorker = (workerData: object) =>
  typescript
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER.href)}); })`,
        { eval: true, workerData },
      )
    : new Worker(WORKER, { workerData });

let compiled: Promise<WebAssembly.Module> | undefined;
/**
 * PGlite's WebAssembly, compiled once per process and handed to each thread: a test process opens
 * dozens of in-memory databases, and each thread compiled the same 9 MB again (about 1.5 s).
 */
const engineModule = () =>
  (compiled ??= readFile(new URL('./pglite.wasm', import.meta.resolve('@electric-sql/pglite'))).then((bytes) =>
    WebAssembly.compile(bytes),
  ));

type Ask = Call extends infer C ? (C extends Call ? Omit<C, 'id'> : never) : never;

/** An error of the engine as the callers know it: the message, and PostgreSQL's fields (code…). */
function rebuilt(fields: Record<string, unknown>): Error {
  const { message, ...rest } = fields;
  return Object.assign(new Error(String(message)), rest);
}

/**
 * The embedded database on a thread of its own (pglite-worker.ts runs pglite.ts there): the engine's
 * WebAssembly no longer shares the server's one JavaScript thread, so with several clients the two
 * use both cores, as the server and a PostgreSQL server do. The same `Database`: transactions hold the
 * engine as on one connection (other queries wait), errors keep PostgreSQL's fields.
 */
export async function openPgliteThread(
  dataDir: string | undefined,
  opts: { template?: string; starting?: boolean; longRunning?: boolean } = {},
): Promise<Database> {
  let release = () => undefined as void;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // The server waits for a command that took the directory while it was booting (up to 30 s).
    release = opts.starting
      ? await waitForDataDirLock(dataDir, { starting: true })
      : acquireDataDirLock(dataDir, { longRunning: opts.longRunning });
  }
  const worker = startWorker({ dataDir, template: opts.template, wasmModule: await engineModule() });
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Map<string, ((payload: string) => void)[]>();
  let nextId = 1;
  let stopped: Error | undefined;
  // The thread keeps the process alive only while an answer is awaited.
  const settle = () => (waiting.size ? worker.ref() : worker.unref());

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (r: Reply) => {
      if ('ready' in r) return r.ready ? resolve() : reject(rebuilt(r.error));
      if ('notify' in r) {
        for (const fn of listeners.get(r.notify) ?? []) fn(r.payload);
        return;
      }
      const w = waiting.get(r.id);
      if (!w) return;
      waiting.delete(r.id);
      settle();
      if ('error' in r) w.reject(rebuilt(r.error));
      else w.resolve(r.result);
    });
    const fail = (err: Error) => {
      stopped ??= err;
      reject(err);
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
    };
    worker.on('error', (err) => fail(new Error(`The embedded database stopped: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`The embedded database stopped (thread exit ${code}).`)));
  });
  try {
    await ready;
    if (dataDir) ownerOnlyDataDir(dataDir); // after PGlite wrote a new database's first files
  } catch (err) {
    await worker.terminate();
    release();
    throw err;
  }
  worker.unref();

  const call = <T>(ask: Ask): Promise<T> => {
    if (stopped) return Promise.reject(stopped);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      settle();
      worker.postMessage({ ...ask, id });
    });
  };
  const on = (tx?: number): Queryable => ({
    query: <T>(text: string, params?: unknown[], opts?: { name?: string }) =>
      call<QueryResult<T>>({ op: 'query', tx, text, params, name: opts?.name }),
    exec: (text: string) => call<void>({ op: 'exec', tx, text }),
  });

  const database: Database = {
    kind: 'pglite',
    ...on(),
    async tx(fn, opts) {
      const tx = await call<number>({ op: 'begin' });
      return runTransaction({ ...on(tx), database }, (commit) => call<void>({ op: 'end', tx, commit }), fn, opts);
    },
    async listen(channel, onMessage) {
      const fns = listeners.get(channel);
      if (fns) return void fns.push(onMessage);
      listeners.set(channel, [onMessage]);
      await call({ op: 'listen', channel });
    },
    async backup(compression) {
      return new Blob([await call<ArrayBuffer>({ op: 'backup', compression })]);
    },
    async close() {
      try {
        if (!stopped) await call({ op: 'close' });
      } finally {
        stopped ??= new Error('The embedded database is closed.');
        await worker.terminate();
        release();
      }
    },
  };
  return database;
}

// The embedded database's own thread (started by pglite-thread.ts): runs PGlite and answers the
// main thread's messages, so the engine's work and the server's (HTTP, JSON, validation) use two cores.
import { parentPort, workerData } from 'node:worker_threads';
import type { Database, Queryable } from './database.js';
import { openPglite } from './pglite.js';
import { errorFields, type Call, type Reply } from './pglite-messages.js';

const port = parentPort!;

interface OpenTx {
  q: Queryable;
  end(commit: boolean): void;
  done: Promise<unknown>;
}

const ROLLBACK = Symbol('rollback');

function begin(db: Database, txs: Map<number, OpenTx>, id: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let end!: (commit: boolean) => void;
    const decided = new Promise<boolean>((r) => (end = r));
    let started = false;
    const done = db.tx(async (q) => {
      started = true;
      txs.set(id, { q, end, done });
      resolve(id);
      if (!(await decided)) throw ROLLBACK;
    });
    done.catch((err) => {
      if (!started) reject(err);
    });
  });
}

async function serve(db: Database) {
  const txs = new Map<number, OpenTx>();
  let nextTx = 1;
  const on = (tx: number | undefined): Queryable => {
    if (tx === undefined) return db;
    const t = txs.get(tx);
    if (!t) throw new Error('The transaction is no longer open.');
    return t.q;
  };
  const handle = async (m: Call): Promise<unknown> => {
    switch (m.op) {
      case 'query':
        return on(m.tx).query(m.text, m.params, m.name ? { name: m.name } : undefined);
      case 'exec':
        return on(m.tx).exec(m.text);
      case 'begin':
        return begin(db, txs, nextTx++);
      case 'end': {
        const t = txs.get(m.tx);
        if (!t) throw new Error('The transaction is no longer open.');
        txs.delete(m.tx);
        t.end(m.commit);
        try {
          await t.done;
        } catch (err) {
          if (err !== ROLLBACK) throw err;
        }
        return undefined;
      }
      case 'listen':
        return db.listen(m.channel, (payload) => port.postMessage({ notify: m.channel, payload } satisfies Reply));
      case 'backup':
        return (await db.backup!(m.compression)).arrayBuffer();
      case 'close':
        return db.close();
    }
  };
  port.on('message', (m: Call) => {
    handle(m).then(
      (result) => port.postMessage({ id: m.id, result } satisfies Reply, result instanceof ArrayBuffer ? [result] : []),
      (err) => port.postMessage({ id: m.id, error: errorFields(err) } satisfies Reply),
    );
  });
}

try {
  const { dataDir, template, wasmModule } = workerData as { dataDir?: string; template?: string; wasmModule: WebAssembly.Module };
  const db = await openPglite(dataDir, { lock: false, wasmModule, template });
  await serve(db);
  port.postMessage({ ready: true } satisfies Reply);
} catch (err) {
  port.postMessage({ ready: false, error: errorFields(err) } satisfies Reply);
}

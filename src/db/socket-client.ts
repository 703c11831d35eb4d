import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { runTransaction, type Database, type Queryable, type QueryResult } from './database.js';
import { decode, encode, socketPath, type Reply, type Request } from './wire.js';

class Connection {
  private next = 1;
  private waiting = new Map<number, { resolve(r: Reply): void; reject(e: Error): void; chunks?: Buffer[] }>();
  constructor(private readonly socket: Socket) {
    const lines = createInterface({ input: socket, crlfDelay: Infinity });
    lines.on('line', (line) => {
      const r = JSON.parse(line) as Reply;
      const w = this.waiting.get(r.id);
      if (!w) return;
      if (r.chunk !== undefined) {
        (w.chunks ??= []).push(Buffer.from(r.chunk, 'base64'));
        return;
      }
      this.waiting.delete(r.id);
      if (r.error) w.reject(Object.assign(new Error(r.error.message), r.error.code ? { code: r.error.code } : {}));
      else w.resolve(r.done ? { ...r, chunk: Buffer.concat(w.chunks ?? []).toString('base64') } : r);
    });
    socket.on('close', () => {
      for (const w of this.waiting.values()) w.reject(new Error('the codops server closed the connection'));
      this.waiting.clear();
    });
  }
  send(req: Omit<Request, 'id'>): Promise<Reply> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.socket.write(JSON.stringify({ ...req, id }) + '\n');
    });
  }
  close() {
    this.socket.end();
  }
}

/** Whether a server holding dataDir answers on its socket. */
export const hasDatabaseSocket = (dataDir: string) => existsSync(socketPath(dataDir));

/**
 * The running server's embedded database, reached over its socket (src/db/socket-server.ts): the
 * same Database to every command, so `codops …` says the same as it would alone. A transaction
 * uses a connection of its own.
 */
export async function connectDatabaseSocket(dataDir: string): Promise<Database> {
  const open = () =>
    new Promise<Connection>((resolve, reject) => {
      const s = connect(socketPath(dataDir));
      s.once('connect', () => resolve(new Connection(s)));
      s.once('error', reject);
    });
  const main = await open();
  const over = (c: Connection): Queryable => ({
    async query<T>(text: string, params?: unknown[]): Promise<QueryResult<T>> {
      const r = await c.send({ op: 'query', text, params: encode(params ?? []) as unknown[] });
      return { rows: decode(r.rows) as T[], rowCount: r.rowCount ?? 0 };
    },
    async exec(text: string) {
      await c.send({ op: 'exec', text });
    },
  });
  const base = over(main);
  const database: Database = {
    kind: 'pglite',
    throughServer: true,
    query: base.query,
    exec: base.exec,
    async tx(fn, opts) {
      const c = await open();
      try {
        await c.send({ op: 'begin' });
        // A commit that fails closes the connection below, and the server rolls back what it held.
        return await runTransaction({ ...over(c), database }, (commit) => c.send({ op: commit ? 'commit' : 'rollback' }), fn, opts);
      } finally {
        c.close();
      }
    },
    async listen() {
      // Also said to a server started with WORKERS=0 (README: "WORKERS=0 npm start" then `codops worker`),
      // which runs no job: the message once told that user the server ran them itself.
      throw new Error(
        'The server running on this DATA_DIR holds its embedded database, so only that server runs its background jobs (when started with WORKERS above 0): stop it to run codops worker on its database, or run workers beside it on PostgreSQL (DATABASE_URL).',
      );
    },
    async backup() {
      const r = await main.send({ op: 'backup' });
      return new Blob([Buffer.from(r.chunk ?? '', 'base64')]);
    },
    async serverUrl() {
      return (await main.send({ op: 'url' })).url;
    },
    async close() {
      main.close();
    },
  };
  return database;
}

import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { ConfigError } from '../config.js';
import type { Database, Queryable } from './database.js';
import { decode, encode, socketPath, type Reply, type Request } from './wire.js';

const BACKUP_CHUNK = 1024 * 1024;
/** The longest socket path the system takes (sun_path, less its NUL): a longer one was cut short silently. */
const SOCKET_PATH_MAX = process.platform === 'linux' ? 107 : 103;

/**
 * The embedded database is opened by one process only, the server. So that `codops` commands still
 * work while it runs, the server answers SQL over a Unix socket in DATA_DIR that only its owner may
 * open (mode 0600): JSON lines, one request at a time per connection, transactions held open for
 * the connection between `begin` and `commit`/`rollback` (rolled back if it drops), and `backup`.
 */
export async function serveDatabaseSocket(
  db: Database,
  dataDir: string,
  url: () => string | undefined = () => undefined,
): Promise<{ close(): Promise<void> }> {
  const path = socketPath(dataDir);
  // Node made the socket at the cut name, beside DATA_DIR, and the boot died on a stack trace.
  if (Buffer.byteLength(path) > SOCKET_PATH_MAX) {
    const most = SOCKET_PATH_MAX - Buffer.byteLength(socketPath(''));
    throw new ConfigError(`Invalid DATA_DIR: ${dataDir} is longer than the ${most} bytes its socket allows (give a shorter path).`);
  }
  try {
    unlinkSync(path); // stale: this process holds the data directory's lock
  } catch {
    /* none */
  }
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A command that dies while its answer is being written (Ctrl-C on a backup) makes that write
    // fail with EPIPE: without a listener the socket's 'error' event would end the server itself.
    socket.on('error', () => socket.destroy());
    void handle(db, socket, url).catch(() => socket.destroy());
  });
  const umask = process.umask(0o177); // the socket is born owner-only, no window before a chmod
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  return {
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      try {
        unlinkSync(path);
      } catch {
        /* gone */
      }
    },
  };
}

async function handle(db: Database, socket: Socket, url: () => string | undefined) {
  const send = (r: Reply) => {
    if (!socket.destroyed) socket.write(JSON.stringify(r) + '\n'); // its command may be gone (see 'error' above)
  };
  const fail = (id: number, err: unknown) =>
    send({ id, error: { message: (err as Error).message ?? String(err), code: (err as { code?: string }).code } });

  // An open transaction: its Queryable, and how to end it. A connection that drops rolls it back,
  // also when its `begin` was still waiting for another transaction to end (a command interrupted
  // there): that one opens after the drop and is rolled back at once, or it would hold the database.
  let tx: { q: Queryable; end(commit: boolean): Promise<void> } | undefined;
  let closed = false;
  const rollBack = () => {
    const open = tx;
    tx = undefined;
    return open?.end(false).catch(() => undefined);
  };
  socket.on('close', () => {
    closed = true;
    void rollBack();
  });
  try {
    await serve();
  } finally {
    await rollBack();
  }

  async function serve() {
    for await (const line of createInterface({ input: socket, crlfDelay: Infinity })) {
      if (!line) continue;
      const req = JSON.parse(line) as Request;
      try {
        const q: Queryable = tx?.q ?? db;
        switch (req.op) {
          case 'query': {
            const r = await q.query(req.text!, decode(req.params ?? []) as unknown[]);
            send({ id: req.id, rows: encode(r.rows) as unknown[], rowCount: r.rowCount });
            break;
          }
          case 'exec':
            await q.exec(req.text!);
            send({ id: req.id });
            break;
          case 'begin':
            if (tx) throw new Error('a transaction is already open');
            tx = await begin(db);
            if (closed) await rollBack();
            else send({ id: req.id });
            break;
          case 'commit':
          case 'rollback': {
            const open = tx;
            tx = undefined;
            if (!open) throw new Error('no transaction is open');
            await open.end(req.op === 'commit');
            send({ id: req.id });
            break;
          }
          case 'backup': {
            if (!db.backup) throw new Error('backups over the socket are for the embedded database');
            const blob = Buffer.from(await (await db.backup()).arrayBuffer());
            for (let i = 0; i < blob.length; i += BACKUP_CHUNK)
              send({ id: req.id, chunk: blob.subarray(i, i + BACKUP_CHUNK).toString('base64') });
            send({ id: req.id, done: true });
            break;
          }
          case 'url':
            send({ id: req.id, url: url() });
            break;
          default:
            throw new Error(`unknown request ${String(req.op)}`);
        }
      } catch (err) {
        fail(req.id, err);
      }
    }
  }
}

/** Opens db.tx and keeps it open until end() says commit or roll back. */
function begin(db: Database): Promise<{ q: Queryable; end(commit: boolean): Promise<void> }> {
  return new Promise((resolveOpen, rejectOpen) => {
    let finish!: (commit: boolean) => void;
    const decided = new Promise<boolean>((r) => (finish = r));
    const ROLLBACK = new Error('rollback');
    const done = db
      .tx(async (q) => {
        resolveOpen({
          q,
          async end(commit) {
            finish(commit);
            await done;
          },
        });
        if (!(await decided)) throw ROLLBACK;
      })
      .catch((err) => {
        if (err !== ROLLBACK) throw err;
      });
    done.catch(rejectOpen);
  });
}

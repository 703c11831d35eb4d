import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openPglite } from './pglite.js';
import { connectDatabaseSocket } from './socket-client.js';
import { serveDatabaseSocket } from './socket-server.js';
import { socketPath } from './wire.js';
import { ConfigError } from '../config.js';

/** A raw client of the server's socket: JSON lines out, the answers' ids in. */
async function client(dir: string) {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect(socketPath(dir), () => resolve(s)).once('error', reject);
  });
  const answered = new Set<number>();
  createInterface({ input: socket }).on('line', (line) => answered.add((JSON.parse(line) as { id: number }).id));
  let id = 0;
  return {
    socket,
    send(op: string, extra: Record<string, unknown> = {}) {
      socket.write(JSON.stringify({ id: ++id, op, ...extra }) + '\n');
      return id;
    },
    async answer(n: number) {
      for (let i = 0; i < 500 && !answered.has(n); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(answered.has(n), `answer ${n}`);
    },
  };
}

const within = <T>(what: string, p: Promise<T>, ms = 5_000) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms))]);

// Found by the CLI audit: `codops account:create` interrupted (Ctrl-C) while its transaction waited
// behind another one left that transaction to open after the drop, never ended: every request
// of the server hung from then on.
test('a command dropped while its transaction waits for another does not leave the database held', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'codops-socket-'));
  const db = await openPglite(undefined);
  const served = await serveDatabaseSocket(db, dir);
  try {
    const holder = await client(dir);
    await holder.answer(holder.send('begin'));
    const waiter = await client(dir);
    waiter.send('begin'); // waits behind the holder's transaction
    await new Promise((r) => setTimeout(r, 100));
    waiter.socket.destroy(); // the command is interrupted
    await new Promise((r) => setTimeout(r, 100));
    await holder.answer(holder.send('commit'));
    const { rows } = await within('the database after the drop', db.query<{ one: number }>('SELECT 1 AS one'));
    assert.deepEqual(rows, [{ one: 1 }]);
    const next = await client(dir);
    await next.answer(next.send('begin'));
    await next.answer(next.send('rollback'));
    next.socket.destroy();
    holder.socket.destroy();
  } finally {
    await served.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Found by the crash audit: a command killed while the server wrote it a large answer (a backup)
// made that write fail with EPIPE, and the socket's unheard 'error' event ended the server.
test('a command that dies while its answer is being written costs its connection only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'codops-socket-'));
  const db = await openPglite(undefined);
  const served = await serveDatabaseSocket(db, dir);
  try {
    // A separate process killed as its answer arrives: the kernel closes its end as a crash would.
    const script = `const c = require('node:net').connect(process.argv[1], () => c.write(process.argv[2] + '\\n'));
      c.on('data', () => {});
      c.once('data', () => setTimeout(() => process.kill(process.pid, 'SIGKILL'), Number(process.argv[3])));`;
    for (const [round, after] of [0, 2, 5, 10, 20, 30].entries()) {
      const request =
        round % 2
          ? { id: 1, op: 'backup' }
          : { id: 1, op: 'query', text: `SELECT repeat('x', 1000) FROM generate_series(1, 20000)`, params: [] };
      const child = spawn(process.execPath, ['-e', script, socketPath(dir), JSON.stringify(request), String(after)], { stdio: 'ignore' });
      await new Promise((resolve) => child.once('exit', resolve));
      await new Promise((r) => setTimeout(r, 50));
    }
    const next = await client(dir);
    await next.answer(next.send('query', { text: 'SELECT 1 AS one', params: [] }));
    next.socket.destroy();
  } finally {
    await served.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// README audit: after the README's `WORKERS=0 npm start` on the embedded database, `codops worker`
// was refused with "The server running on this DATA_DIR runs the background jobs itself (WORKERS)",
// untrue of a server that runs none: the refusal now says what holds for any WORKERS.
test('a worker reaching the server through its socket is told why it cannot run, true whatever WORKERS is', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'codops-socket-'));
  const db = await openPglite(undefined);
  const served = await serveDatabaseSocket(db, dir);
  try {
    const through = await connectDatabaseSocket(dir);
    await assert.rejects(
      through.listen('jobs', () => undefined),
      (err: Error) => {
        assert.doesNotMatch(err.message, /runs the background jobs itself/);
        assert.match(
          err.message,
          /^The server running on this DATA_DIR holds its embedded database, so only that server runs its background jobs \(when started with WORKERS above 0\): stop it to run codops worker/,
        );
        return true;
      },
    );
    await through.close();
  } finally {
    await served.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// CLI audit: a DATA_DIR past the socket's length made the server die with a stack trace (chmod
// ENOENT), leaving a socket at the cut name beside the directory.
test('a DATA_DIR too long for its socket is refused naming it, and nothing is made', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'codops-socket-'));
  const dir = join(parent, 'd'.repeat(120));
  mkdirSync(dir);
  const db = await openPglite(undefined);
  try {
    await assert.rejects(
      serveDatabaseSocket(db, dir),
      (err: Error) =>
        err instanceof ConfigError &&
        /^Invalid DATA_DIR: .* is longer than the 95 bytes its socket allows \(give a shorter path\)\.$/.test(err.message),
    );
    assert.deepEqual(readdirSync(parent), ['d'.repeat(120)]);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    await db.close();
    rmSync(parent, { recursive: true, force: true });
  }
});

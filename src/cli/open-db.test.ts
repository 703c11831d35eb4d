import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../config.js';
import { bootId, DataDirLockedError, waitForDataDirLock } from '../db/data-dir-lock.js';
import { openDatabase } from '../db/open.js';
import { serveDatabaseSocket } from '../db/socket-server.js';
import { openForCommand } from './open-db.js';

// A command run while the server was still starting (the lock taken, no socket yet) was told the
// directory was in use by another codops process.
test('a command waits for a starting server to serve its socket; said when it does not come; other owners refused at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'codops-starting-'));
  const lock = join(dir, 'codops.lock');
  const config = loadConfig({ DATA_DIR: dir, APP_KEY: 'test-key-test-key-test-key-test-key-0000' }, { persistKey: false });
  const owner = process.ppid; // alive, and not this process
  try {
    writeFileSync(lock, `${owner}\n${bootId()}\nstarting\n`);
    const said: string[] = [];
    await assert.rejects(
      openForCommand(config, { waitMs: 1_000, say: (line) => said.push(line) }),
      (err: Error) =>
        err instanceof DataDirLockedError &&
        err.message === `The codops server holding the data directory ${dir} (pid ${owner}) is still starting: try again in a few seconds.`,
    );

    // A new server on a busy 2-core machine took longer than the 15 s a command waited: it waits a
    // minute, and says once that it does.
    assert.deepEqual(said, [`Waiting for the codops server (pid ${owner}) to start: up to 1 s…`]);
    said.length = 0;
    const pending = openForCommand(config, { say: (line) => said.push(line) });
    await sleep(500);
    assert.deepEqual(said, [`Waiting for the codops server (pid ${owner}) to start: up to 60 s…`]);
    const served = await openDatabase({ databaseUrl: undefined, dataDir: dir }, { memory: true });
    const socket = await serveDatabaseSocket(served, dir);
    try {
      const db = await pending;
      assert.equal(db.throughServer, true);
      assert.deepEqual((await db.query('SELECT 1 AS n')).rows, [{ n: 1 }]);
      await db.close();
    } finally {
      await socket.close();
      await served.close();
    }

    writeFileSync(lock, `${owner}\n${bootId()}\n`);
    const at = Date.now();
    await assert.rejects(openForCommand(config), /^Error: The data directory .+ is in use by another codops process \(pid \d+\)\./);
    assert.ok(Date.now() - at < 2_000, 'at once');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Found by the ops audit: a server started beside `codops worker` (on the embedded database) waited
// 30 s for it, as for a short command, and was then refused.
test("codops worker's lock says it is long-running: a server started beside it is refused at once; a command's lock is waited for", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'codops-worker-lock-'));
  const lock = join(dir, 'codops.lock');
  const config = loadConfig({ DATA_DIR: dir, APP_KEY: 'test-key-test-key-test-key-test-key-0000' }, { persistKey: false });
  try {
    for (const [longRunning, note] of [
      [true, 'worker'],
      [false, 'command'],
    ] as const) {
      const db = await openForCommand(config, { longRunning });
      try {
        const mine = `${process.pid}\n${bootId()}\n${note}\n`;
        assert.equal(readFileSync(lock, 'utf8'), mine);
        // As another live process would hold it (this process's own lock is not in its way).
        writeFileSync(lock, mine.replace(String(process.pid), String(process.ppid)));
        const started = Date.now();
        await assert.rejects(
          waitForDataDirLock(dir, { starting: true, waitMs: 2_000 }),
          (err: Error) => err instanceof DataDirLockedError && /is in use by another codops process/.test(err.message),
        );
        const waited = Date.now() - started;
        if (longRunning) assert.ok(waited < 1_000, `refused at once (${waited} ms)`);
        else assert.ok(waited >= 1_900, `waited for the command (${waited} ms)`);
        writeFileSync(lock, mine);
      } finally {
        await db.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

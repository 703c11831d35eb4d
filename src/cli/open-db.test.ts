import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../config.js';
import { bootId, DataDirLockedError } from '../db/data-dir-lock.js';
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
    await assert.rejects(
      openForCommand(config, 300),
      (err: Error) =>
        err instanceof DataDirLockedError &&
        err.message === `The codops server holding the data directory ${dir} (pid ${owner}) is still starting: try again in a few seconds.`,
    );

    const pending = openForCommand(config);
    await sleep(500);
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

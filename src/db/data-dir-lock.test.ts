import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDataDirLock, bootId, DataDirLockedError } from './data-dir-lock.js';

/** A data directory whose lock file already holds `content`, as another process left it. */
function lockedDir(content: string) {
  const dir = mkdtempSync(join(tmpdir(), 'codops-lock-'));
  writeFileSync(join(dir, 'codops.lock'), content);
  return dir;
}

const ownerOf = (dir: string) => readFileSync(join(dir, 'codops.lock'), 'utf8').split('\n')[0];

test('a live process of this boot keeps the data directory; one written before a restart, or by a dead process, is taken over', () => {
  const live = process.ppid; // alive, and not this process
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  const cases: [string, string, boolean][] = [
    ['a live owner, this boot', `${live}\n${bootId()}\n`, false],
    ['a live owner, no boot id (a lock of an older version)', String(live), false],
    // After a power cut or a reboot the pid may be any other process's: the server never started.
    ['the pid of a live process, written before the machine restarted', `${live}\nanother-boot-id\n`, true],
    ['a dead owner', `${dead}\n${bootId()}\n`, true],
  ];
  for (const [name, content, takenOver] of cases) {
    const dir = lockedDir(content);
    try {
      if (takenOver) {
        const release = acquireDataDirLock(dir);
        assert.equal(ownerOf(dir), String(process.pid), name);
        release();
      } else {
        assert.throws(() => acquireDataDirLock(dir), DataDirLockedError, name);
        assert.equal(readFileSync(join(dir, 'codops.lock'), 'utf8'), content, `${name}: the lock is left alone`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

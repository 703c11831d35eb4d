import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { acquireDataDirLock, bootId, dataDirServed, DataDirLockedError, waitForDataDirLock } from './data-dir-lock.js';

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

/**
 * A process that takes the lock of a directory when told `take <dir> <instant>` (spinning until that
 * instant, so that all take it at once), prints `won` or `lost`, and releases it when told `release`.
 */
const TAKER = `
const { createInterface } = require('node:readline');
import(${JSON.stringify(new URL('./data-dir-lock.ts', import.meta.url).pathname)}).then(({ acquireDataDirLock, DataDirLockedError }) => {
  let release;
  process.stdout.write('ready\\n');
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, dir, at] = line.split(' ');
    if (command === 'take') {
      while (performance.timeOrigin + performance.now() < Number(at));
      try {
        release = acquireDataDirLock(dir);
        process.stdout.write('won\\n');
      } catch (err) {
        process.stdout.write((err instanceof DataDirLockedError ? 'lost' : 'error: ' + err.message) + '\\n');
      }
    } else {
      release?.();
      release = undefined;
      process.stdout.write('released\\n');
    }
  });
});
`;

function taker() {
  const proc = spawn(process.execPath, ['--import', 'tsx', '-e', TAKER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let wake = () => undefined as void;
  createInterface({ input: proc.stdout }).on('line', (l) => {
    lines.push(l);
    wake();
  });
  const next = async () => {
    while (lines.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return lines.shift()!;
  };
  return { proc, next, say: (line: string) => proc.stdin.write(`${line}\n`) };
}

// Found by the concurrency audit: each removed the stale lock and created its own, and the second's
// removal took the first's new lock, so both opened the database (2 winners in about 4 rounds of 10).
test('processes taking over one stale lock at the same instant: exactly one gets it', async () => {
  const takers = Array.from({ length: 4 }, taker);
  try {
    for (const t of takers) assert.equal(await t.next(), 'ready');
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    for (let round = 0; round < 40; round++) {
      const dir = lockedDir(`${dead}\n${bootId()}\n`);
      try {
        const at = Date.now() + 30;
        for (const t of takers) t.say(`take ${dir} ${at}`);
        const said = await Promise.all(takers.map((t) => t.next()));
        assert.equal(said.filter((s) => s === 'won').length, 1, `round ${round}: ${said.join(', ')}`);
        assert.deepEqual(
          said.filter((s) => s !== 'won' && s !== 'lost'),
          [],
          `round ${round}`,
        );
        const winner = takers[said.indexOf('won')];
        assert.equal(ownerOf(dir), String(winner.proc.pid), 'the lock names the winner');
        assert.deepEqual(readdirSync(dir), ['codops.lock'], 'no claim or temporary file is left');
        for (const t of takers) t.say('release');
        for (const t of takers) assert.equal(await t.next(), 'released');
        assert.deepEqual(readdirSync(dir), [], 'released');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    for (const t of takers) t.proc.kill();
  }
});

test('a takeover claimed by a live process is left to it; one whose claimer died is claimed again', () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  const stale = `${dead}\n${bootId()}\n`;
  const claim = `codops.lock.${createHash('sha256').update(stale).digest('hex').slice(0, 16)}.takeover`;
  const cases: [string, number, boolean][] = [
    ['a live claimer', process.ppid, false],
    ['a claimer that died mid-takeover', dead, true],
  ];
  for (const [name, claimer, takenOver] of cases) {
    const dir = lockedDir(stale);
    writeFileSync(join(dir, claim), `${claimer}\n${bootId()}\n`);
    try {
      if (takenOver) {
        const release = acquireDataDirLock(dir);
        assert.equal(ownerOf(dir), String(process.pid), name);
        assert.deepEqual(readdirSync(dir), ['codops.lock'], `${name}: the dead claim is removed`);
        release();
      } else {
        assert.throws(() => acquireDataDirLock(dir), new RegExp(`in use by another codops process \\(pid ${claimer}\\)`), name);
        assert.equal(readFileSync(join(dir, 'codops.lock'), 'utf8'), stale, `${name}: the lock is left to it`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

/**
 * A process that takes over the stale lock of the directory argv[1] and is killed (SIGKILL) holding
 * its claim: right after creating it (argv[2] 'claimed'), or as it removes it ('unclaiming').
 */
const KILLED = `
const fs = require('node:fs');
const [dir, when] = process.argv.slice(1);
const kill = () => process.kill(process.pid, 'SIGKILL');
const { linkSync, unlinkSync } = fs;
fs.linkSync = (from, to) => (linkSync(from, to), when === 'claimed' && String(to).endsWith('.takeover') && kill());
fs.unlinkSync = (file) => (when === 'unclaiming' && String(file).endsWith('.takeover') && kill(), unlinkSync(file));
require('node:module').syncBuiltinESMExports();
import(${JSON.stringify(new URL('./data-dir-lock.ts', import.meta.url).pathname)}).then((m) => m.acquireDataDirLock(dir));
`;

// Found by the locks audit: a claim stayed for good once its creator was killed holding it.
test('a process killed holding its takeover claim: the next start takes the directory and removes the claim', () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  for (const when of ['claimed', 'unclaiming']) {
    const dir = lockedDir(`${dead}\n${bootId()}\n`);
    try {
      const killed = spawnSync(process.execPath, ['--import', 'tsx', '-e', KILLED, dir, when], { encoding: 'utf8' });
      assert.equal(killed.signal, 'SIGKILL', killed.stderr);
      assert.equal(readdirSync(dir).filter((n) => n.endsWith('.takeover')).length, 1, `${when}: the killed process left its claim`);
      const release = acquireDataDirLock(dir);
      assert.equal(ownerOf(dir), String(process.pid), when);
      assert.deepEqual(readdirSync(dir), ['codops.lock'], `${when}: the claim is removed`);
      release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a claim older than a takeover lasts is stale even when its pid is a live process now (reused)', () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  const stale = `${dead}\n${bootId()}\n`;
  const claim = `codops.lock.${createHash('sha256').update(stale).digest('hex').slice(0, 16)}.takeover`;
  const dir = lockedDir(stale);
  // It refused every start with 'in use by another codops process (pid <that process>)'.
  writeFileSync(join(dir, claim), `${process.ppid}\n${bootId()}\n${Date.now() - 60_000}\n`);
  try {
    const release = acquireDataDirLock(dir);
    assert.equal(ownerOf(dir), String(process.pid));
    assert.deepEqual(readdirSync(dir), ['codops.lock'], 'the claim is removed');
    release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a starting server's lock says so until its socket answers, and is released either way", () => {
  const dir = mkdtempSync(join(tmpdir(), 'codops-lock-'));
  const lock = join(dir, 'codops.lock');
  try {
    const release = acquireDataDirLock(dir, { starting: true });
    assert.equal(readFileSync(lock, 'utf8'), `${process.pid}\n${bootId()}\nstarting\n`);
    dataDirServed(dir);
    assert.equal(readFileSync(lock, 'utf8'), `${process.pid}\n${bootId()}\n`);
    assert.deepEqual(readdirSync(dir), ['codops.lock'], 'no temporary file is left');
    release();
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Found by the ops audit: a command run while the server was booting took the directory first, and
// the server exited saying it was in use while the command went on.
test('a starting server waits for a command holding the directory to finish; a server holding it is refused at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'codops-lock-'));
  const lock = join(dir, 'codops.lock');
  const command = taker();
  try {
    assert.equal(await command.next(), 'ready');
    command.say(`take ${dir} 0`);
    assert.equal(await command.next(), 'won');
    assert.equal(readFileSync(lock, 'utf8'), `${command.proc.pid}\n${bootId()}\ncommand\n`, "a command's lock says so");
    const at = Date.now();
    setTimeout(() => command.say('release'), 1_000);
    const release = await waitForDataDirLock(dir, { starting: true });
    assert.ok(Date.now() - at >= 900, 'taken once the command let go');
    assert.equal(await command.next(), 'released');
    assert.equal(readFileSync(lock, 'utf8'), `${process.pid}\n${bootId()}\nstarting\n`);
    release();

    // A command that keeps it past the wait: refused, naming it.
    command.say(`take ${dir} 0`);
    assert.equal(await command.next(), 'won');
    await assert.rejects(
      waitForDataDirLock(dir, { starting: true, waitMs: 300 }),
      (err: Error) =>
        err instanceof DataDirLockedError &&
        err.message.startsWith(`The data directory ${dir} is in use by another codops process (pid ${command.proc.pid}).`),
    );
    command.say('release');
    assert.equal(await command.next(), 'released');

    // A running server (its served lock has no note), another starting one, or `codops worker`
    // (long-running; it was waited for the 30 s, then refused): not waited for.
    for (const note of ['', 'starting\n', 'worker\n']) {
      writeFileSync(lock, `${process.ppid}\n${bootId()}\n${note}`);
      const tried = Date.now();
      await assert.rejects(waitForDataDirLock(dir, { starting: true }), DataDirLockedError);
      assert.ok(Date.now() - tried < 1_000, `at once (${JSON.stringify(note)})`);
    }
  } finally {
    command.proc.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

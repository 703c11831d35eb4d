import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { unwritableDataDir } from '../config.js';
// Written whole or not at all: a lock seen empty has no pid, looked stale, and was taken from its live creator.
import { createWith } from '../lib/create-file.js';

export class DataDirLockedError extends Error {
  /** The owner's pid, and whether it is a server still starting (its socket not served yet) or a short command. */
  constructor(
    message: string,
    readonly owner?: { pid: number; starting: boolean; command?: boolean },
  ) {
    super(message);
  }
}

/** The third line of a starting server's lock, until it serves commands on its socket. */
const STARTING = 'starting';
/** The third line of any other opener's lock (a command): it lets go in seconds, so a starting server waits for it. */
const COMMAND = 'command';
/** The third line of `codops worker`'s lock: it holds the directory until stopped, so a starting server is refused at once. */
const WORKER = 'worker';

/** This boot of the machine (Linux; '' elsewhere): a lock written in another boot has no owner left. */
export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** What a lock (or claim) file holds; undefined when it is gone. */
function contentOf(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** The pid, boot id and note a lock file holds (a lock of an older version holds the pid alone). */
function lockOwner(content: string): { pid: string; boot: string | undefined; note: string | undefined } {
  const [pid, boot, note] = content.split('\n').map((l) => l.trim());
  return { pid, boot: boot || undefined, note: note || undefined };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return code(err) === 'EPERM';
  }
}

/** The pid of the process that wrote `content` when it is another live process of this boot, else undefined (stale). */
function liveOwner(content: string, boot: string): number | undefined {
  const { pid, boot: ownerBoot } = lockOwner(content);
  const owner = Number(pid);
  const thisBoot = !ownerBoot || !boot || ownerBoot === boot;
  return thisBoot && Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner) ? owner : undefined;
}

const digest = (content: string) => createHash('sha256').update(content).digest('hex').slice(0, 16);

function inUse(dataDir: string, pid: number, note?: string) {
  return new DataDirLockedError(
    `The data directory ${dataDir} is in use by another codops process (pid ${pid}). ` +
      'Stop that process, or set DATA_DIR to another directory or DATABASE_URL to a PostgreSQL server.',
    { pid, starting: note === STARTING, command: note === COMMAND },
  );
}

/** Removes `file`; false when it was gone already. */
function removeIfThere(file: string): boolean {
  try {
    unlinkSync(file);
    return true;
  } catch (err) {
    if (code(err) === 'ENOENT') return false;
    throw err;
  }
}

/**
 * A claim is held for the microseconds of a read and an unlink. One older than this was left by a
 * process killed meanwhile, even when its pid names a live process now (reused since): that claim
 * had made every later start refuse, naming that process.
 */
const CLAIM_MS = 10_000;

/** The live process holding a claim (or a temporary file) written as `content`; undefined when it is stale. */
function claimer(content: string, boot: string): number | undefined {
  const at = Number(content.split('\n')[2]); // claims of older versions hold no time: their pid alone tells
  return at > 0 && Date.now() - at > CLAIM_MS ? undefined : liveOwner(content, boot);
}

function busy(dataDir: string) {
  return new DataDirLockedError(
    `Could not lock the data directory ${dataDir}: its lock kept changing while other codops processes started. Start again.`,
  );
}

/**
 * Removes the lock file, read as `stale` (its owner gone), unless it changed meanwhile. Removing it
 * straight away let two processes that found one stale lock at once both start: the second removed
 * the lock the first had just created (the concurrency audit). Only the process that creates the
 * claim `codops.lock.<digest of stale>.takeover` may remove that lock, and it reads it again first;
 * a claim whose creator died before removing it (or older than CLAIM_MS) is claimed the same way
 * under a longer name. Throws when a live process holds the claim: that process is taking the directory over.
 */
function removeStale(dataDir: string, file: string, stale: string, mine: string, boot: string) {
  let claim = `${file}.${digest(stale)}.takeover`;
  for (let tries = 0; !createWith(claim, `${mine}${Date.now()}\n`); tries++) {
    const holder = contentOf(claim);
    if (holder === undefined) {
      if (tries > 100) throw busy(dataDir);
      continue; // its creator is done: claim it now
    }
    const pid = claimer(holder, boot);
    if (pid !== undefined) throw inUse(dataDir, pid);
    claim = `${claim}.${digest(holder)}`;
  }
  try {
    // Still the stale lock, and its pid still not a live process's (a new process may have that pid now).
    const now = contentOf(file);
    if (now === stale && liveOwner(now, boot) === undefined) removeIfThere(file);
  } finally {
    removeIfThere(claim); // gone when this process was paused past CLAIM_MS and the winner swept it
  }
}

/** A takeover's claims and temporary files (codops.lock.<hex>.takeover…, codops.lock.<hex>.tmp). */
const LEFTOVER = /^codops\.lock\.[0-9a-f]+\.(takeover|tmp)/;

/**
 * Whether a claim or temporary file was left by a dead process or long ago. A temporary file may be
 * read half-written (an empty one looked stale, and was removed under its live writer's feet):
 * only a whole one (`pid\nboot\n…`) is judged by its pid, any by its age.
 */
function leftBehind(path: string, boot: string): boolean {
  const content = contentOf(path);
  if (content === undefined) return false;
  if (/^\d+\n[^\n]*\n/.test(content) && claimer(content, boot) === undefined) return true;
  return Date.now() - statSync(path).mtimeMs > CLAIM_MS;
}

/**
 * Run by the lock's new owner: removes the claims and temporary files that processes killed in the
 * middle of a takeover left behind (they stayed for good). Safe once the lock is this process's: a
 * claim is only ever for a lock that is gone now, and whoever reads the lock again sees this one.
 */
function sweepLeftovers(dataDir: string, boot: string) {
  let names: string[] = [];
  try {
    names = readdirSync(dataDir).filter((n) => LEFTOVER.test(n));
  } catch {
    // what cannot be read stays: it stops no start
  }
  for (const name of names) {
    try {
      if (leftBehind(join(dataDir, name), boot)) removeIfThere(join(dataDir, name));
    } catch {
      // likewise
    }
  }
}

/**
 * PGlite's files may be opened by one process only: a second one would corrupt them.
 * The lock is a file created exclusively, holding the owner's pid and the machine's boot id; a lock
 * whose owner died is taken over (by one process, however many try at once: removeStale), and so is
 * one written before the machine restarted (its pid may now be any other process's: the lock named
 * it "another codops process" and the server never started).
 */
export function acquireDataDirLock(dataDir: string, opts: { starting?: boolean; longRunning?: boolean } = {}): () => void {
  const file = join(dataDir, 'codops.lock');
  const boot = bootId();
  const mine = `${process.pid}\n${boot}\n`;
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (createWith(file, `${mine}${opts.starting ? STARTING : opts.longRunning ? WORKER : COMMAND}\n`)) {
        sweepLeftovers(dataDir, boot);
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          process.off('exit', release);
          try {
            if (contentOf(file)?.startsWith(mine)) unlinkSync(file); // also once started (dataDirServed)
          } catch {
            /* already gone */
          }
        };
        process.once('exit', release);
        return release;
      }
      const seen = contentOf(file);
      if (seen === undefined) continue; // removed meanwhile: try again
      const owner = liveOwner(seen, boot);
      if (owner !== undefined) throw inUse(dataDir, owner, lockOwner(seen).note);
      removeStale(dataDir, file, seen, mine, boot);
    }
  } catch (err) {
    if (err instanceof DataDirLockedError) throw err;
    throw unwritableDataDir(file, err);
  }
  throw busy(dataDir);
}

/**
 * How long a starting server waits for a command holding its data directory. A command takes a few
 * seconds; the first, making and migrating a new database, 8 s on 2 idle cores and 25 s on busy ones.
 * `codops worker` holds it for good: its lock says `worker`, and a server started beside it is
 * refused at once (it was refused after this wait).
 */
const COMMAND_WAIT_MS = 30_000;

/**
 * The server's acquireDataDirLock: a command holding the directory (run while the server was booting,
 * before its lock) is waited for, up to `waitMs`; the server exited saying the directory was in use
 * while the command went on. Any other live owner (a server) is refused at once, as before.
 */
export async function waitForDataDirLock(dataDir: string, opts: { starting?: boolean; waitMs?: number } = {}): Promise<() => void> {
  const until = Date.now() + (opts.waitMs ?? COMMAND_WAIT_MS);
  for (;;) {
    try {
      return acquireDataDirLock(dataDir, opts);
    } catch (err) {
      if (!(err instanceof DataDirLockedError) || !err.owner?.command || Date.now() >= until) throw err;
      await sleep(100);
    }
  }
}

/**
 * Run by a server once its socket answers commands: its lock stops saying `starting`. A command
 * meeting a starting server's lock waits for that socket (cli/open-db.ts); any other owner without
 * one is refused at once. Replaced whole (rename), so a reader never finds the lock missing or cut.
 */
export function dataDirServed(dataDir: string): void {
  const file = join(dataDir, 'codops.lock');
  const content = contentOf(file);
  const mine = `${process.pid}\n${bootId()}\n`;
  if (content !== `${mine}${STARTING}\n`) return;
  const temp = `${file}.${digest(content)}.tmp`;
  writeFileSync(temp, mine);
  renameSync(temp, file);
}

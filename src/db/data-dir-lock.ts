import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { unwritableDataDir } from '../config.js';

export class DataDirLockedError extends Error {}

/** This boot of the machine (Linux; '' elsewhere): a lock written in another boot has no owner left. */
export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** The pid and boot id a lock file holds (a lock of an older version holds the pid alone). */
function lockOwner(file: string): { pid: string; boot: string | undefined } {
  const [pid, boot] = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim());
  return { pid, boot: boot || undefined };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite's files may be opened by one process only: a second one would corrupt them.
 * The lock is a file created exclusively, holding the owner's pid and the machine's boot id; a lock
 * whose owner died is taken over, and so is one written before the machine restarted (its pid may
 * now be any other process's: the lock named it "another codops process" and the server never started).
 */
export function acquireDataDirLock(dataDir: string): () => void {
  const file = join(dataDir, 'codops.lock');
  const boot = bootId();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n${boot}\n`);
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        try {
          if (lockOwner(file).pid === String(process.pid)) unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritableDataDir(file, err);
      const { pid, boot: ownerBoot } = lockOwner(file);
      const owner = Number(pid);
      const thisBoot = !ownerBoot || !boot || ownerBoot === boot;
      if (thisBoot && Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new DataDirLockedError(
          `The data directory ${dataDir} is in use by another codops process (pid ${owner}). ` +
            'Stop that process, or set DATA_DIR to another directory or DATABASE_URL to a PostgreSQL server.',
        );
      }
      unlinkSync(file); // stale: its owner is gone
    }
  }
  throw new DataDirLockedError(`Could not lock the data directory ${dataDir}.`);
}

import { chmodSync, lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config.js';

/** What codops keeps in DATA_DIR: only these are walked (DATA_DIR may be a folder holding other things). */
const KEPT = ['pgdata', 'mail', 'uploads', 'app.key', 'codops.lock', 'codops.sock'];

const GROUP_OTHER = 0o077;

function statOf(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** A file another user owns (copied in as root) cannot be closed: said as DATA_DIR's fault, as PostgreSQL would refuse it. */
function close(path: string, mode: number): void {
  try {
    chmodSync(path, mode & 0o7700);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(`Invalid DATA_DIR: ${path} cannot be made readable by its owner only (${code}).`);
  }
}

/** Takes group and other bits off `path`, and off everything under it when it is a folder (symlinks left as they are). */
function closeTree(path: string): void {
  const stat = statOf(path);
  if (!stat || stat.isSymbolicLink()) return;
  if (stat.mode & GROUP_OTHER) close(path, stat.mode);
  if (stat.isDirectory()) for (const name of readdirSync(path)) closeTree(join(path, name));
}

/**
 * Makes DATA_DIR owner-only, as real PostgreSQL requires of its data directory. New files are
 * (umask 077: config.ts ownerOnlyFiles), but PGlite writes its first database's files 0666 whatever
 * the umask, and earlier versions of codops left DATA_DIR 0755 and everything in it open to every
 * local user. Cheap when nothing is open: three stats (DATA_DIR, pgdata, pgdata/PG_VERSION); else,
 * once, what codops keeps there loses group and other bits (chmod -R go-rwx). A shared folder with the
 * sticky bit (DATA_DIR=/tmp) keeps its own mode; what codops keeps in it is closed all the same.
 * Answers whether anything was open.
 */
export function ownerOnlyDataDir(dataDir: string): boolean {
  const pgdata = join(dataDir, 'pgdata');
  const top = statOf(dataDir);
  const shared = Boolean(top && top.mode & 0o1000);
  const open = (path: string) => ((statOf(path)?.mode ?? 0) & GROUP_OTHER) !== 0;
  if (!(open(pgdata) || open(join(pgdata, 'PG_VERSION')) || (!shared && open(dataDir)))) return false;
  if (top && !shared && top.mode & GROUP_OTHER) close(dataDir, top.mode);
  for (const name of KEPT) closeTree(join(dataDir, name));
  return true;
}

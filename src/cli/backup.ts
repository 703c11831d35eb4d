import type { Command } from 'commander';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { ensureDataDir, loadConfig, type Config } from '../config.js';
import { acquireDataDirLock } from '../db/data-dir-lock.js';
import { ownerOnlyDataDir } from '../db/owner-only.js';
import { openForCommand } from './open-db.js';

/** A refusal the user can act on (printed as one line by main.ts). */
type Refuse = (message: string) => Error;

const print = (json: boolean, obj: Record<string, unknown>, line: string) =>
  process.stdout.write(json ? JSON.stringify(obj) + '\n' : line + '\n');

/**
 * `codops backup FILE` and `codops restore FILE`, for the embedded database: a gzipped tar of its
 * files (PGlite's own dump), taken between two transactions — through the running server when it
 * holds DATA_DIR. On PostgreSQL, pg_dump and pg_restore do this job.
 */
export function backupCommands(cli: Command, refuse: Refuse) {
  cli
    .command('backup <file>')
    .description('write a consistent copy of the embedded database to FILE (works while the server runs)')
    .option('--json', 'print JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      const config = loadConfig({ ...process.env }, { persistKey: false });
      if (config.databaseUrl) throw refuse('DATABASE_URL is set: back up PostgreSQL with pg_dump (see the README).');
      const target = resolve(file);
      if (existsSync(target) && statSync(target).isDirectory()) throw refuse(`${target} is a folder: give the backup a file name.`);
      if (!existsSync(dirname(target)) || !statSync(dirname(target)).isDirectory()) {
        throw refuse(`No folder ${dirname(target)}: create it first.`);
      }
      // Opening it would make an empty database there (a mistyped DATA_DIR), and back that up.
      if (!existsSync(join(config.dataDir, 'pgdata', 'PG_VERSION'))) {
        throw refuse(`No database in DATA_DIR (${config.dataDir}): nothing to back up.`);
      }
      const db = await openForCommand(config);
      let bytes: Buffer;
      try {
        bytes = Buffer.from(await (await db.backup!()).arrayBuffer());
      } finally {
        await db.close();
      }
      const tmp = `${target}.part`;
      try {
        writeFileSync(tmp, bytes, { mode: 0o600 });
        renameSync(tmp, target);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw refuse(`Could not write ${target}: ${(err as Error).message}`);
      }
      print(Boolean(o.json), { id: target, file: target, bytes: bytes.length }, `Backup written: ${target} (${bytes.length} bytes).`);
    });

  cli
    .command('restore <file>')
    .description('restore a backup into a DATA_DIR that holds no database (the server must not be running on it)')
    .option('--json', 'print JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      const config = loadConfig({ ...process.env }, { persistKey: false });
      if (config.databaseUrl) throw refuse('DATABASE_URL is set: restore PostgreSQL with pg_restore or psql (see the README).');
      const source = resolve(file);
      if (!existsSync(source)) throw refuse(`No backup at ${source}.`);
      if (statSync(source).isDirectory()) throw refuse(`${source} is a folder, not a backup.`);
      const bytes = readFileSync(source);
      // Checked whole before PGlite reads it: a damaged archive would fail inside PGlite's loader.
      const notBackup = `${source} is not a codops backup (the gzipped file \`codops backup\` writes)`;
      try {
        gunzipSync(bytes);
      } catch (err) {
        throw refuse(`${notBackup}, or it is cut short: ${(err as Error).message}.`);
      }
      const pgdata = join(config.dataDir, 'pgdata');
      if (existsSync(pgdata) && !statSync(pgdata).isDirectory()) {
        throw refuse(`${pgdata} is a file, not a database folder: move it away, or restore into another DATA_DIR.`);
      }
      // Only the database must be new: the app key it was made under may be put back first (the README).
      if (existsSync(pgdata) && readdirSync(pgdata).length > 0) {
        throw refuse(`${config.dataDir} already holds a database: restore into an empty DATA_DIR.`);
      }
      const created = !existsSync(config.dataDir);
      ensureDataDir(config.dataDir);
      const release = acquireDataDirLock(config.dataDir);
      // Unpacked beside pgdata, then renamed: a restore cut short (Ctrl-C) left a half-written pgdata that
      // no process could open and that a second restore refused as a database.
      const staging = join(config.dataDir, 'pgdata.restoring');
      let restored = false;
      // What a failed or interrupted restore leaves: the directory as it was, or not there at all.
      const undo = () => {
        if (restored) return;
        rmSync(staging, { recursive: true, force: true });
        release();
        if (created) rmSync(config.dataDir, { recursive: true, force: true });
      };
      try {
        const migrations = await undoneIfInterrupted(undo, async () => {
          rmSync(staging, { recursive: true, force: true }); // an earlier restore's, killed outright
          const db = new PGlite(staging, { loadDataDir: new Blob([bytes]) });
          let n: number;
          try {
            await db.waitReady;
            n = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')).rows[0].n;
          } catch (err) {
            throw refuse(`${notBackup}: ${(err as Error).message}.`);
          } finally {
            await db.close().catch(() => undefined);
          }
          renameSync(staging, pgdata);
          restored = true;
          ownerOnlyDataDir(config.dataDir); // PGlite unpacked its files 0666
          return n;
        });
        const note = restoreNote(config);
        print(
          Boolean(o.json),
          { id: config.dataDir, dataDir: config.dataDir, migrations, note },
          [`Restored ${source} into ${config.dataDir}.`, ...note].join('\n'),
        );
      } finally {
        undo();
        release();
      }
    });
}

/**
 * What a restore did not bring back (the backup is PGlite's dump of DATA_DIR/pgdata, nothing else):
 * said after every restore, as the server started without them runs, just without sessions, secrets
 * or files.
 */
export function restoreNote(config: Pick<Config, 'files' | 's3Url'>): string[] {
  const files = config.s3Url
    ? 'the files (uploads, exports) stay in the S3_URL bucket: nothing to restore for them.'
    : config.files === 'database'
      ? 'the files (uploads, exports) are in the database with FILES=database: restored with it.'
      : 'the files (uploads, exports) are not in the backup: restore DATA_DIR/uploads from its own copy.';
  return [
    'The backup holds the database (every record, user, session and queued job) and nothing else of DATA_DIR. Before starting the server:',
    "- the app key: start it with the APP_KEY it had when the backup was made (or put that DATA_DIR/app.key back): under another key its sessions and reset links are void and the shipping companies' API keys and webhook secrets cannot be read (with neither, the server makes a new key);",
    `- ${files}`,
  ];
}

/**
 * Runs `write`; a SIGINT or SIGTERM meanwhile runs `undo` and ends the process (exit 130 or 143):
 * killed outright, a restore left its staging copy and the lock (and a DATA_DIR it made) behind.
 */
async function undoneIfInterrupted<T>(undo: () => void, write: () => Promise<T>): Promise<T> {
  const stop = (signal: NodeJS.Signals) => {
    undo();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await write();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

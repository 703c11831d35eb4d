import type { Command } from 'commander';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { loadConfig } from '../config.js';
import { acquireDataDirLock } from '../db/data-dir-lock.js';
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
      const db = await openForCommand(config);
      let bytes: Buffer;
      try {
        bytes = Buffer.from(await (await db.backup!()).arrayBuffer());
      } finally {
        await db.close();
      }
      const tmp = `${target}.part`;
      writeFileSync(tmp, bytes, { mode: 0o600 });
      renameSync(tmp, target);
      print(Boolean(o.json), { file: target, bytes: bytes.length }, `Backup written: ${target} (${bytes.length} bytes).`);
    });

  cli
    .command('restore <file>')
    .description('restore a backup into an empty DATA_DIR (the server must not be running on it)')
    .option('--json', 'print JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      const config = loadConfig({ ...process.env }, { persistKey: false });
      if (config.databaseUrl) throw refuse('DATABASE_URL is set: restore PostgreSQL with pg_restore or psql (see the README).');
      const source = resolve(file);
      if (!existsSync(source)) throw refuse(`No backup at ${source}.`);
      const pgdata = join(config.dataDir, 'pgdata');
      if (existsSync(pgdata) && readdirSync(pgdata).length > 0) {
        throw refuse(`${config.dataDir} already holds a database: restore into an empty DATA_DIR.`);
      }
      mkdirSync(config.dataDir, { recursive: true });
      const release = acquireDataDirLock(config.dataDir);
      try {
        const db = new PGlite(pgdata, { loadDataDir: new Blob([readFileSync(source)]) });
        try {
          await db.waitReady;
          const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
          print(Boolean(o.json), { dataDir: config.dataDir, migrations: rows[0].n }, `Restored ${source} into ${config.dataDir}.`);
        } finally {
          await db.close();
        }
      } catch (err) {
        rmSync(pgdata, { recursive: true, force: true }); // leave the directory empty, as it was
        throw err;
      } finally {
        release();
      }
    });
}

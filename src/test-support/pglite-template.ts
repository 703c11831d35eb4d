import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, MIGRATIONS_DIR, migrationFiles } from '../db/migrate.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { openDatabase } from '../db/open.js';

const PREFIX = 'codops-pglite-template-';
/** The template's installation id, replaced in each copy. */
const TEMPLATE_ID = 'template';

/** What the migrated schema depends on (a stale file would still be brought up to date by migrate()). */
function fingerprint(): string {
  const h = createHash('sha256').update(`format ${TEMPLATE_ID}`);
  for (const name of migrationFiles()) h.update(name).update(readFileSync(join(MIGRATIONS_DIR, name)));
  h.update(readFileSync(new URL('../package.json', import.meta.resolve('@electric-sql/pglite'))));
  return h.digest('hex').slice(0, 16);
}

let made: Promise<string> | undefined;

/**
 * A file holding an embedded database with every migration applied, shared by the test processes
 * of a run (and the next runs, until a migration changes): an in-memory database started from it
 * opens in under a second, where starting empty and migrating took about 5 s, once per test app.
 * The first process that needs it makes it; files of other migrations older than a day are removed.
 */
export function pgliteTemplate(): Promise<string> {
  made ??= (async () => {
    const file = join(tmpdir(), `${PREFIX}${fingerprint()}.tar`);
    if (existsSync(file)) return file;
    const db = await openDatabase({ databaseUrl: undefined, dataDir: '' }, { memory: true });
    try {
      await migrate(db);
      await db.query(`UPDATE instance SET id = '${TEMPLATE_ID}'`);
      const tar = Buffer.from(await (await db.backup!('none')).arrayBuffer());
      const partial = `${file}.${process.pid}`;
      writeFileSync(partial, tar);
      renameSync(partial, file); // whole or absent for the other processes
    } finally {
      await db.close();
    }
    for (const other of readdirSync(tmpdir())) {
      const path = join(tmpdir(), other);
      try {
        if (other.startsWith(PREFIX) && path !== file && statSync(path).mtimeMs < Date.now() - 86_400_000) unlinkSync(path);
      } catch {
        /* removed by another process */
      }
    }
    return file;
  })();
  return made;
}

/**
 * A migrated database for a test or the server process it starts: PostgreSQL as it is; an embedded
 * one (in memory, or in a data directory) started from the template when it is new. A copy of the
 * template gets an installation id of its own, as migration 0002 gives each database.
 */
export async function openMigrated(config: Pick<Config, 'databaseUrl' | 'dataDir'>, opts: { memory?: boolean } = {}): Promise<Database> {
  const template = config.databaseUrl ? undefined : await pgliteTemplate();
  const db = await openDatabase(config, { ...opts, template });
  try {
    await migrate(db);
    if (template) await db.query(`UPDATE instance SET id = gen_random_uuid()::text WHERE id = '${TEMPLATE_ID}'`);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

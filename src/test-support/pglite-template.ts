import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, MIGRATIONS_DIR, migrationFiles } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';

const PREFIX = 'codops-pglite-template-';

/** What the migrated schema depends on (a stale file would still be brought up to date by migrate()). */
function fingerprint(): string {
  const h = createHash('sha256');
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
    try {
      statSync(file);
      return file;
    } catch {
      /* not made yet */
    }
    const db = await openDatabase({ databaseUrl: undefined, dataDir: '' }, { memory: true });
    try {
      await migrate(db);
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

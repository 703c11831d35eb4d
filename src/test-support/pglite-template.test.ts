import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationFiles } from '../db/migrate.js';
import type { Database } from '../db/database.js';
import { openMigrated } from './pglite-template.js';

const embedded = { databaseUrl: undefined, dataDir: '' };
const instanceOf = async (db: Database) => (await db.query<{ id: string }>('SELECT id FROM instance')).rows[0].id;

test(
  'databases started from the template are migrated, each with an installation id of its own',
  { skip: Boolean(process.env.DATABASE_URL) },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'codops-template-test-'));
    const [a, b] = [await openMigrated(embedded, { memory: true }), await openMigrated({ ...embedded, dataDir: dir })];
    try {
      for (const db of [a, b]) {
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
        assert.equal(rows[0].n, migrationFiles().length);
      }
      const ids = [await instanceOf(a), await instanceOf(b)];
      assert.notEqual(ids[0], ids[1]);
      assert.ok(!ids.includes('template'));
      await b.close();
      // A data directory that exists is opened as it is: its id stays.
      const again = await openMigrated({ ...embedded, dataDir: dir });
      assert.equal(await instanceOf(again), ids[1]);
      await again.close();
    } finally {
      await a.close();
      await b.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

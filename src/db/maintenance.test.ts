import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lead, tenant, withTestApp, usingPostgres } from '../test-support/harness.js';
import { startMaintenance, tablesDue } from './maintenance.js';
import { openPglite } from './pglite.js';

const quiet = { warn: (obj: object, msg: string) => assert.fail(`${msg}: ${JSON.stringify(obj)}`) };

test('on PGlite, the maintenance task gives fresh tables statistics and vacuums them, with no manual step', { skip: usingPostgres }, () =>
  withTestApp(async (t) => {
    const a = await tenant(t.db);
    for (let i = 0; i < 4; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/web/1.0/leads',
        headers: a.auth,
        payload: { leads: Array.from({ length: 250 }, (_, j) => lead(i * 1000 + j)) },
      });
      assert.equal(res.statusCode, 201, res.body);
    }
    await t.db.query(`UPDATE leads SET status = 'no_reply' WHERE account_id = $1 AND reference <= 'LD-00400'`, [a.accountId]);
    const stats = async () =>
      (
        await t.db.query<{ reltuples: number; columns: number }>(
          `SELECT c.reltuples::int AS reltuples, (SELECT count(*)::int FROM pg_stats WHERE tablename = 'leads') AS columns
             FROM pg_class c WHERE c.relname = 'leads'`,
        )
      ).rows[0];
    assert.equal((await stats()).columns, 0, 'no statistics before');
    await t.db.query('SELECT pg_stat_force_next_flush()');
    assert.ok((await tablesDue(t.db)).some((d) => d.table === 'public.leads' && d.analyze && d.vacuum));

    const m = startMaintenance(t.db, quiet, 60_000);
    await m.stop(); // waits for the first pass, which starts at once
    const after = await stats();
    assert.equal(after.reltuples, 1000);
    assert.ok(after.columns > 5, `pg_stats has the columns of leads (${after.columns})`);
    const { rows } = await t.db.query<{ dead: number; analyzed: boolean }>(
      `SELECT n_dead_tup::int AS dead, last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'leads'`,
    );
    assert.deepEqual(rows[0], { dead: 0, analyzed: true });
    assert.ok(!(await tablesDue(t.db)).some((d) => d.table === 'public.leads'), 'nothing left to do for leads');
  }),
);

test('the maintenance task folds the status counts on either database', () =>
  withTestApp(async (t) => {
    const a = await tenant(t.db);
    for (let i = 0; i < 3; i++) {
      await t.app.inject({ method: 'POST', url: '/api/web/1.0/leads', headers: a.auth, payload: { leads: [lead(i)] } });
    }
    const rows = async () =>
      (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM status_counts WHERE account_id = $1', [a.accountId])).rows[0].n;
    assert.equal(await rows(), 3);
    const m = startMaintenance(t.db, quiet, 60_000);
    await m.stop();
    assert.equal(await rows(), 1);
  }));

test(
  'a PGlite reopened on rows written before (its change counters lost) gets statistics and a VACUUM on the first pass',
  { skip: usingPostgres },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'codops-maintenance-'));
    try {
      let db = await openPglite(dir);
      await db.exec(`CREATE TABLE big (id int PRIMARY KEY, name text)`);
      await db.query(`INSERT INTO big SELECT g, 'n' || g FROM generate_series(1, 5000) g`);
      await db.query(`ANALYZE big`);
      await db.query(`INSERT INTO big SELECT g, 'n' || g FROM generate_series(5001, 20000) g`);
      await db.close();
      db = await openPglite(dir);
      try {
        const tuples = async () =>
          (await db.query<{ n: number }>(`SELECT reltuples::int AS n FROM pg_class WHERE relname = 'big'`)).rows[0].n;
        assert.equal(await tuples(), 5000, 'statistics of before the last writes');
        await db.exec(`CREATE TABLE status_counts (subject text, account_id text, status text, n bigint)`);
        const visible = async () =>
          (await db.query<{ all: boolean }>(`SELECT relallvisible = relpages AND relpages > 0 AS all FROM pg_class WHERE relname = 'big'`))
            .rows[0].all;
        assert.equal(await visible(), false, 'never vacuumed: index-only scans would read the heap');
        const m = startMaintenance(db, quiet, 60_000);
        await m.stop();
        assert.equal(await tuples(), 20000);
        assert.equal(await visible(), true, 'vacuumed on the first pass: every page all-visible');
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { usingPostgres } from '../test-support/harness.js';
import { until } from '../test-support/until.js';
import { openPostgres } from './postgres.js';

test(
  'connections PostgreSQL closes are opened again: queries go on, LISTEN resumes and says it missed',
  { skip: !usingPostgres },
  async () => {
    const url = process.env.DATABASE_URL!;
    const db = await openPostgres(url, 2);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const channel = `codops_test_${Math.random().toString(36).slice(2)}`;
      const heard: string[] = [];
      await db.listen(channel, (payload) => heard.push(payload));
      await admin.query(`NOTIFY "${channel}", 'before'`);
      await until('the first NOTIFY', () => heard.includes('before'), 10_000);

      // The pool's idle connection and the listening one, as a restart or an administrator would end them.
      const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const ended = await admin.query<{ pid: number }>(
        `SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = $1 OR query = $2`,
        [rows[0].pid, `LISTEN "${channel}"`],
      );
      assert.equal(ended.rowCount, 2);

      await until('the call that says NOTIFYs may have been missed', () => heard.includes(''), 10_000);
      assert.deepEqual((await db.query<{ n: number }>('SELECT 1 AS n')).rows, [{ n: 1 }]);
      assert.equal(await db.tx(async (q) => (await q.query<{ n: number }>('SELECT 2 AS n')).rows[0].n), 2);
      await admin.query(`NOTIFY "${channel}", 'after'`);
      await until('a NOTIFY on the new connection', () => heard.includes('after'), 10_000);
      assert.deepEqual(heard, ['before', '', 'after']);
    } finally {
      await admin.end();
      await db.close();
    }
  },
);

test(
  'a small named statement is planned for index look-ups, and leaves the settings of its connection as they were',
  { skip: !usingPostgres },
  async () => {
    const db = await openPostgres(process.env.DATABASE_URL!, 1);
    const table = `small_plan_${Math.random().toString(36).slice(2)}`;
    try {
      // One row and fresh statistics: a plan made for it alone would read the table.
      await db.exec(`CREATE TABLE ${table} (id int PRIMARY KEY, v text); INSERT INTO ${table} VALUES (1, 'one'); ANALYZE ${table}`);
      const defaults = await db.query<Record<string, string>>(
        `SELECT current_setting('enable_seqscan') AS seqscan, current_setting('jit') AS jit, current_setting('plan_cache_mode') AS mode`,
      );
      const seen = await db.tx(async (q) => {
        // This backend's counts not yet reported (the index build's scan is among them): compared before and after.
        const scans = async () =>
          (
            await q.query<{ seq: number; idx: number }>(
              `SELECT seq_scan AS seq, idx_scan AS idx FROM pg_stat_xact_user_tables WHERE relname = $1`,
              [table],
            )
          ).rows[0];
        const before = await scans();
        const found = await q.query<{ v: string }>(`SELECT v FROM ${table} WHERE id = ANY($1::int[])`, [[1]], { name: `${table}_find` });
        assert.deepEqual(found.rows, [{ v: 'one' }]);
        const after = await scans();
        const settings = await q.query<Record<string, string>>(
          `SELECT current_setting('enable_seqscan') AS seqscan, current_setting('jit') AS jit, current_setting('plan_cache_mode') AS mode`,
        );
        return { scans: { seq: after.seq - before.seq, idx: after.idx - before.idx }, settings: settings.rows[0] };
      });
      assert.deepEqual(seen.scans, { seq: 0, idx: 1 }, 'the look-up went through the index');
      assert.deepEqual(seen.settings, defaults.rows[0]);
    } finally {
      await db.exec(`DROP TABLE IF EXISTS ${table}`);
      await db.close();
    }
  },
);

test('sessions are in UTC even on a database set to another zone', { skip: !usingPostgres }, async () => {
  const url = new URL(process.env.DATABASE_URL!);
  const name = `codops_tz_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.query(`ALTER DATABASE ${name} SET TimeZone = 'America/Los_Angeles'`);
    url.pathname = `/${name}`;
    const db = await openPostgres(url.toString(), 1);
    try {
      const { rows } = await db.query<{ zone: string; day: string }>(
        `SELECT current_setting('TimeZone') AS zone,
                to_char(timestamptz '2030-03-09 12:00:00Z' + make_interval(days => 1), 'YYYY-MM-DD HH24:MI') AS day`,
      );
      assert.deepEqual(rows[0], { zone: 'UTC', day: '2030-03-10 12:00' });
    } finally {
      await db.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
});

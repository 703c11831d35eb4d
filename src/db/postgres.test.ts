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

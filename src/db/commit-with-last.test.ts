import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from '../test-support/until.js';
import { AFTER_LAST, type Database } from './database.js';
import { openPgliteThread } from './pglite-thread.js';
import { openPostgres } from './postgres.js';

const open = (): Promise<Database> => (process.env.DATABASE_URL ? openPostgres(process.env.DATABASE_URL, 2) : openPgliteThread(undefined));

// A transaction opened with `commitWithLast` ends at its statement flagged `last` (on PostgreSQL the
// COMMIT leaves with it); without the option the flag changes nothing.
test('a statement flagged last ends a transaction opened to allow it, and nothing may follow it', async () => {
  const db = await open();
  const table = `last_${Math.random().toString(36).slice(2, 10)}`;
  const ids = async () => (await db.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`)).rows.map((r) => r.id);
  try {
    await db.exec(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
    const insert = (q: Parameters<Parameters<Database['tx']>[0]>[0], id: number, last = true) =>
      q.query(`INSERT INTO ${table} (id) SELECT unnest($1::int[])`, [[id]], { name: `${table}-insert`, last });

    // Ended by the flagged statement: its rows are kept and the transaction's answer is fn's.
    assert.equal(
      await db.tx(
        async (q) => {
          await q.query(`INSERT INTO ${table} (id) VALUES (1)`);
          await insert(q, 2);
          // Committed already: another connection sees both rows before fn has returned.
          const seen = until('the commit', async () => (await ids()).length === 2, 5_000);
          assert.equal(await Promise.race([seen, sleep(6_000).then(() => 'not committed')]), true);
          return 'done';
        },
        { commitWithLast: true },
      ),
      'done',
    );
    assert.deepEqual(await ids(), [1, 2]);

    // A statement after it is refused; what the flagged one wrote is committed.
    await assert.rejects(
      db.tx(
        async (q) => {
          await insert(q, 3);
          await q.query(`INSERT INTO ${table} (id) VALUES (4)`);
        },
        { commitWithLast: true },
      ),
      { message: AFTER_LAST },
    );
    assert.deepEqual(await ids(), [1, 2, 3]);

    // A flagged statement that fails rolls the whole transaction back, and the connection serves on.
    await assert.rejects(
      db.tx(
        async (q) => {
          await q.query(`INSERT INTO ${table} (id) VALUES (5)`);
          await insert(q, 1);
        },
        { commitWithLast: true },
      ),
      /duplicate key/,
    );
    assert.deepEqual(await ids(), [1, 2, 3]);
    // The unnamed path carries the COMMIT too.
    await db.tx((q) => q.query(`INSERT INTO ${table} (id) VALUES (6)`, [], { last: true }), { commitWithLast: true });
    assert.deepEqual(await ids(), [1, 2, 3, 6]);

    // Without the option the flag changes nothing: later statements run, and a throw undoes them all.
    await assert.rejects(
      db.tx(async (q) => {
        await insert(q, 7);
        await q.query(`INSERT INTO ${table} (id) VALUES (8)`);
        throw new Error('undo');
      }),
      { message: 'undo' },
    );
    await db.tx(async (q) => {
      await insert(q, 9);
      await q.query(`INSERT INTO ${table} (id) VALUES (10)`);
    });
    assert.deepEqual(await ids(), [1, 2, 3, 6, 9, 10]);

    // The plan settings a named statement with arrays runs under do not outlive its transaction.
    const settings = `SELECT current_setting('plan_cache_mode') AS mode, current_setting('enable_seqscan') AS seqscan`;
    for (let i = 0; i < 4; i++) {
      await db.tx((q) => insert(q, 20 + i), { commitWithLast: true });
      assert.deepEqual((await db.query(settings)).rows, [{ mode: 'auto', seqscan: 'on' }]);
    }
  } finally {
    await db.exec(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await db.close();
  }
});

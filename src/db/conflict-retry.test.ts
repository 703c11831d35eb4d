// A transaction opened with `retryConflicts` (TxOptions) runs again when PostgreSQL aborts it as a
// deadlock or a serialization failure, instead of failing the request (docs/decisions.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { CONFLICT_ATTEMPTS, PG, pgCode, retryConflicts, type Queryable } from './database.js';
import { sharedTestApp, usingPostgres, type TestApp } from '../test-support/harness.js';
import { until } from '../test-support/until.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

const aborted = (code: string) => Object.assign(new Error(`aborted (${code})`), { code, severity: 'ERROR' });

test('a conflict runs the transaction again, up to CONFLICT_ATTEMPTS times; any other error is thrown at once', async () => {
  let runs = 0;
  assert.equal(
    await retryConflicts(async () => {
      if (++runs < 3) throw aborted(runs === 1 ? PG.deadlock : PG.serializationFailure);
      return 'done';
    }),
    'done',
  );
  assert.equal(runs, 3);

  runs = 0;
  await assert.rejects(
    retryConflicts(async () => {
      runs++;
      throw aborted(PG.deadlock);
    }),
    (err) => pgCode(err) === PG.deadlock,
  );
  assert.equal(runs, CONFLICT_ATTEMPTS);

  runs = 0;
  await assert.rejects(
    retryConflicts(async () => {
      runs++;
      throw aborted(PG.uniqueViolation);
    }),
    (err) => pgCode(err) === PG.uniqueViolation,
  );
  assert.equal(runs, 1);
});

/**
 * Two rows, X and Y: the transaction under test locks X then Y; a raw connection holds Y and, once
 * the transaction waits for it, asks for X. The transaction waited first, so its deadlock check runs
 * first and PostgreSQL aborts it (40P01); the raw connection then gets X and commits.
 */
async function deadlockOnce(retry: boolean) {
  await t.db.exec(`CREATE TABLE IF NOT EXISTS conflict_retry_rows (id int PRIMARY KEY, n int NOT NULL);
                   INSERT INTO conflict_retry_rows VALUES (1, 0), (2, 0) ON CONFLICT (id) DO UPDATE SET n = 0`);
  const other = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await other.connect();
  try {
    await other.query('BEGIN');
    await other.query('SELECT 1 FROM conflict_retry_rows WHERE id = 2 FOR UPDATE');
    let runs = 0;
    let otherDone: Promise<unknown> | undefined;
    const work = async (q: Queryable) => {
      runs++;
      await q.query('UPDATE conflict_retry_rows SET n = n + 1 WHERE id = 1');
      const y = q.query('UPDATE conflict_retry_rows SET n = n + 1 WHERE id = 2');
      if (runs === 1) {
        await until('the transaction to wait for Y', async () => {
          const { rows } = await t.db.query(
            `SELECT 1 FROM pg_stat_activity
              WHERE wait_event_type = 'Lock' AND query = 'UPDATE conflict_retry_rows SET n = n + 1 WHERE id = 2'`,
          );
          return rows.length > 0;
        });
        otherDone = other.query('UPDATE conflict_retry_rows SET n = n + 10 WHERE id = 1').then(() => other.query('COMMIT'));
      }
      await y;
      return runs;
    };
    const result = t.db.tx(work, { retryConflicts: retry });
    const outcome = await result.then(
      (runs) => ({ runs }),
      (err: unknown) => ({ err }),
    );
    await otherDone;
    const { rows } = await t.db.query<{ id: number; n: number }>('SELECT id, n FROM conflict_retry_rows ORDER BY id');
    return { outcome, runs, rows: rows.map((r) => [r.id, r.n]) };
  } finally {
    await other.end();
    await t.db.exec('DROP TABLE IF EXISTS conflict_retry_rows');
  }
}

test(
  'PostgreSQL: a transaction aborted as a deadlock runs again with retryConflicts and commits once; without it the 40P01 is thrown',
  { skip: !usingPostgres },
  async () => {
    const without = await deadlockOnce(false);
    assert.equal(pgCode((without.outcome as { err: unknown }).err), PG.deadlock);
    assert.equal(without.runs, 1);
    assert.deepEqual(without.rows, [
      [1, 10],
      [2, 0],
    ]);

    const retried = await deadlockOnce(true);
    assert.deepEqual(retried.outcome, { runs: 2 });
    // The first run's writes were rolled back; the second's came after the raw connection's commit.
    assert.deepEqual(retried.rows, [
      [1, 11],
      [2, 1],
    ]);
  },
);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pgCode, PG } from './database.js';
import { openPglite } from './pglite.js';

// Named statements take their own path on PGlite (parsed once, then bound and executed): they must
// answer exactly what query() answers for the same text.
test('on PGlite, a named statement answers what the same query answers, in and out of transactions', async () => {
  const db = await openPglite(undefined);
  try {
    await db.exec(`CREATE TABLE t (id int PRIMARY KEY, tags text[], at timestamptz, doc jsonb, big int8, ok boolean, note text)`);
    const insert = `INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7), ($8, $9, $10, $11, $12, $13, $14)`;
    const at = new Date('2026-01-02T03:04:05.678Z');
    const rows = [1, ['a', 'b c'], at, { k: [1, 'x'] }, 2 ** 40, true, 'é "q"', 2, [], null, null, 3, undefined, null];
    const r = await db.tx((q) => q.query(insert, rows, { name: 'test-insert' }));
    assert.equal(r.rowCount, 2);

    const select = `SELECT id, tags, at, doc, big, ok, note FROM t WHERE id = ANY($1::int[]) AND ($2::timestamptz IS NULL OR at = $2) ORDER BY id`;
    for (const params of [
      [[1, 2], null],
      [[1], at],
      [[], null],
    ]) {
      const plain = await db.query(select, params);
      const named = await db.query(select, params, { name: 'test-select' });
      const inTx = await db.tx((q) => q.query(select, params, { name: 'test-select' }));
      assert.deepEqual(named, plain);
      assert.deepEqual(inTx, plain);
    }
    const [one] = (
      await db.query<{ tags: string[]; at: Date; doc: unknown; big: number; ok: boolean }>(select, [[1], null], { name: 'test-select' })
    ).rows;
    assert.deepEqual(one, { id: 1, tags: ['a', 'b c'], at, doc: { k: [1, 'x'] }, big: 2 ** 40, ok: true, note: 'é "q"' } as unknown);

    const update = `UPDATE t SET note = $2 WHERE id = $1`;
    assert.equal((await db.query(update, [2, 'n'], { name: 'test-update' })).rowCount, (await db.query(update, [2, 'n'])).rowCount);

    // An error inside a transaction rolls it back whole; the statement stays usable afterwards.
    await assert.rejects(
      db.tx(async (q) => {
        await q.query(update, [1, 'changed'], { name: 'test-update' });
        await q.query(insert, [1, ...rows.slice(1, 7), 9, ...rows.slice(8)], { name: 'test-insert' });
      }),
      (err) => pgCode(err) === PG.uniqueViolation,
    );
    assert.equal((await db.query<{ note: string }>(`SELECT note FROM t WHERE id = 1`)).rows[0].note, 'é "q"');
    assert.equal((await db.query(update, [1, 'again'], { name: 'test-update' })).rowCount, 1);

    await assert.rejects(db.query('SELECT 1', [], { name: 'test-update' }), /already used by another query/);
  } finally {
    await db.close();
  }
});

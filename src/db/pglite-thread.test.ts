import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgCode, PG } from './database.js';
import { errorFields } from './pglite-messages.js';
import { openPgliteThread } from './pglite-thread.js';

// The embedded database on its own thread must behave as it does on the server's thread: values,
// errors with PostgreSQL's fields, transactions that hold the engine, LISTEN, backups.
test('PGlite on its own thread answers values, errors and transactions as on one connection', async () => {
  const db = await openPgliteThread(undefined);
  try {
    await db.exec(`CREATE TABLE t (id int PRIMARY KEY, at timestamptz, doc jsonb, big int8, bin bytea, note text)`);
    const at = new Date('2026-01-02T03:04:05.678Z');
    await db.query(`INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6)`, [1, at, { k: [1] }, 2 ** 40, Buffer.from('ab'), 'é']);
    const { rows } = await db.query(`SELECT id, at, doc, big, bin, note FROM t`, [], { name: 'thread-select' });
    assert.deepEqual(
      { ...rows[0], bin: Buffer.from(rows[0].bin as Uint8Array).toString() },
      {
        id: 1,
        at,
        doc: { k: [1] },
        big: 2 ** 40,
        bin: 'ab',
        note: 'é',
      },
    );

    const dup = await db.query(`INSERT INTO t (id) VALUES (1)`).catch((err: unknown) => err);
    assert.equal(pgCode(dup), PG.uniqueViolation);
    assert.equal((dup as { constraint?: string }).constraint, 't_pkey');
    assert.ok(dup instanceof Error && /duplicate key/.test(dup.message));

    // A transaction holds the engine: a query from outside waits for its end, then sees its rows.
    let outsideDone = false;
    const inserted = db.tx(async (q) => {
      await q.query(`INSERT INTO t (id) VALUES (2)`);
      const outside = db.query<{ n: number }>(`SELECT count(*)::int AS n FROM t`).then((r) => ((outsideDone = true), r.rows[0].n));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(outsideDone, false, 'waits for the open transaction');
      await q.query(`INSERT INTO t (id) VALUES (3)`);
      return { outside };
    });
    // The outside query is answered after the commit (awaiting it inside would never end).
    assert.equal(await (await inserted).outside, 3);

    // A throw inside rolls back whole, and the error is the caller's own.
    class Mine extends Error {}
    await assert.rejects(
      db.tx(async (q) => {
        await q.query(`INSERT INTO t (id) VALUES (4)`);
        throw new Mine('stop');
      }),
      Mine,
    );
    await assert.rejects(
      db.tx((q) => q.query(`INSERT INTO t (id) VALUES (5), (1)`)),
      (err) => pgCode(err) === PG.uniqueViolation,
    );
    assert.deepEqual((await db.query(`SELECT id FROM t ORDER BY id`)).rows, [{ id: 1 }, { id: 2 }, { id: 3 }]);

    const heard: string[] = [];
    await db.listen('ping', (p) => heard.push(p));
    await db.query(`SELECT pg_notify('ping', 'hello')`);
    for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(heard, ['hello']);
  } finally {
    await db.close();
  }
  await assert.rejects(db.query('SELECT 1'), /closed/);
});

test('PGlite on its own thread: the data directory is locked on the main thread, and a backup restores', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'codops-thread-'));
  const copy = mkdtempSync(join(tmpdir(), 'codops-thread-copy-'));
  try {
    const db = await openPgliteThread(dir);
    try {
      assert.equal(readFileSync(join(dir, 'codops.lock'), 'utf8').split('\n')[0], String(process.pid));
      await db.exec(`CREATE TABLE kept (n int); INSERT INTO kept VALUES (42);`);
      const dump = await db.backup!();
      assert.ok(dump.size > 1000);
      const { PGlite } = await import('@electric-sql/pglite');
      const restored = new PGlite(join(copy, 'pgdata'), { loadDataDir: dump });
      try {
        assert.deepEqual((await restored.query(`SELECT n FROM kept`)).rows, [{ n: 42 }]);
      } finally {
        await restored.close();
      }
    } finally {
      await db.close();
    }
    assert.equal(existsSync(join(dir, 'codops.lock')), false, 'released with the thread');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(copy, { recursive: true, force: true });
  }
});

test('an engine failure that is not an Error keeps its message on the way to the main thread', () => {
  // Emscripten's ExitStatus, as PGlite throws it when the engine exits: not an Error.
  class ExitStatus {
    name = 'ExitStatus';
    message: string;
    constructor(public status: number) {
      this.message = `Program terminated with exit(${status})`;
    }
  }
  assert.deepEqual(errorFields(new ExitStatus(1)), { name: 'ExitStatus', message: 'Program terminated with exit(1)', status: 1 });
  assert.equal(errorFields({ code: 7 }).message, '{ code: 7 }');
  assert.equal(errorFields('unwind').message, 'unwind');
  const err = Object.assign(new Error('duplicate key'), { code: '23505', detail: { nested: true } });
  assert.deepEqual(errorFields(err), { message: 'duplicate key', name: 'Error', code: '23505' });
});

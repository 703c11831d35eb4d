import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Database } from '../../db/database.js';
import { foldStatusCounts } from '../../db/maintenance.js';
import { lead, order, tenant, usingPostgres, withTestApp } from '../../test-support/harness.js';

/** What the triggers keep for the test's accounts (other tests may share the database), summed as readers do. */
async function kept(db: Database, accounts: string[]) {
  const { rows } = await db.query<{ k: string }>(
    `SELECT subject || ' ' || account_id || ' ' || status || ' ' || sum(n) AS k FROM status_counts
      WHERE account_id = ANY($1::text[]) GROUP BY subject, account_id, status HAVING sum(n) <> 0 ORDER BY 1`,
    [accounts],
  );
  return rows.map((r) => r.k);
}
/** What counting their rows says: the two must agree. */
async function counted(db: Database, accounts: string[]) {
  const { rows } = await db.query<{ k: string }>(
    `SELECT k FROM (
       SELECT 'leads ' || account_id || ' ' || status || ' ' || count(*) AS k FROM leads
        WHERE deleted_at IS NULL AND account_id = ANY($1::text[]) GROUP BY account_id, status
       UNION ALL
       SELECT 'orders ' || account_id || ' ' || status || ' ' || count(*) FROM orders
        WHERE deleted_at IS NULL AND account_id = ANY($1::text[]) GROUP BY account_id, status) c
     ORDER BY 1`,
    [accounts],
  );
  return rows.map((r) => r.k);
}

test('status_counts stay equal to the live leads and orders per account and status', () =>
  withTestApp(async (t) => {
    const a = await tenant(t.db);
    const b = await tenant(t.db);
    const both = [a.accountId, b.accountId];
    const api = (auth: { authorization: string }, method: 'POST' | 'PATCH' | 'DELETE', url: string, payload: unknown) =>
      t.app.inject({ method, url: `/api/web/1.0${url}`, headers: auth, payload: payload as object });

    assert.equal((await api(a.auth, 'POST', '/leads', { leads: [lead(1), lead(2), lead(3), lead(4), lead(5)] })).statusCode, 201);
    assert.equal((await api(b.auth, 'POST', '/leads', { leads: [lead(6), lead(7), lead(8)] })).statusCode, 201);
    assert.deepEqual(await kept(t.db, both), await counted(t.db, both));

    const patched = await api(a.auth, 'PATCH', '/leads', {
      leads: [
        { reference: 'LD-00001', status: 'confirmed' },
        { reference: 'LD-00002', status: 'confirmed' },
        { reference: 'LD-00003', status: 'canceled' },
        { reference: 'LD-00004', status: 'no_reply' },
        { reference: 'LD-00005', full_name: 'Renamed Only' },
      ],
    });
    assert.equal(patched.statusCode, 200, patched.body);
    await api(a.auth, 'PATCH', '/leads/LD-00004', { status: 'no_reply' });
    await api(b.auth, 'DELETE', '/leads/LD-00002', undefined);
    await api(b.auth, 'DELETE', '/leads', { references: ['LD-00001', 'LD-00003'] });
    assert.deepEqual(await kept(t.db, both), await counted(t.db, both));

    await api(a.auth, 'POST', '/orders', { orders: [order(1), order(2)] });
    await api(a.auth, 'PATCH', '/orders/ORD-00001', { status: 'canceled' });
    await api(a.auth, 'PATCH', '/orders', {
      orders: [
        { reference: 'ORD-00002', status: 'canceled' },
        { reference: 'ORD-00003', status: 'canceled' },
      ],
    });
    await api(a.auth, 'PATCH', '/orders/ORD-00002', { status: 'new' });
    await api(a.auth, 'DELETE', '/orders/ORD-00003', undefined);
    await t.db.query(`DELETE FROM lead_histories WHERE account_id = $1`, [b.accountId]);
    await t.db.query(`DELETE FROM lead_lines WHERE lead_id IN (SELECT id FROM leads WHERE account_id = $1)`, [b.accountId]);
    await t.db.query(`DELETE FROM leads WHERE account_id = $1`, [b.accountId]); // a hard delete too
    assert.deepEqual(await kept(t.db, both), await counted(t.db, both));
    assert.ok((await kept(t.db, both)).some((k) => k === `leads ${a.accountId} confirmed 2`));
    assert.ok((await kept(t.db, both)).some((k) => k === `orders ${a.accountId} canceled 1`));
  }));

test('status_counts stay exact under a random concurrent mix of creates, status changes and deletes, folded meanwhile', () =>
  withTestApp(async (t) => {
    const a = await tenant(t.db);
    const b = await tenant(t.db);
    const both = [a.accountId, b.accountId];
    const refs: Record<string, string[]> = { [a.accountId]: [], [b.accountId]: [] };
    const statuses = ['confirmed', 'canceled', 'no_reply', 'wrong', 'new'];
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const call = (who: typeof a, method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
      t.app.inject({ method, url: `/api/web/1.0${url}`, headers: who.auth, payload });
    const op = async (i: number) => {
      const who = random(2) ? a : b;
      const mine = refs[who.accountId];
      const kind = mine.length < 3 ? 0 : random(4);
      if (kind === 0) {
        const res = await call(who, 'POST', '/leads', { leads: Array.from({ length: 1 + random(5) }, (_, j) => lead(i * 10 + j)) });
        assert.equal(res.statusCode, 201, res.body);
        mine.push(...(res.json() as { data: { references: string[] } }).data.references);
      } else if (kind === 1) {
        await call(who, 'PATCH', `/leads/${mine[random(mine.length)]}`, { status: statuses[random(statuses.length)] });
      } else if (kind === 2) {
        const items = [mine[random(mine.length)], mine[random(mine.length)]].map((reference) => ({
          reference,
          status: statuses[random(statuses.length)],
        }));
        await call(who, 'PATCH', '/leads', { leads: items });
      } else {
        await call(who, 'DELETE', `/leads/${mine[random(mine.length)]}`);
      }
    };
    for (let wave = 0; wave < 6; wave++) {
      await Promise.all([...Array.from({ length: 8 }, (_, i) => op(wave * 8 + i)), foldStatusCounts(t.db)]);
    }
    assert.deepEqual(await kept(t.db, both), await counted(t.db, both));
    await foldStatusCounts(t.db);
    assert.deepEqual(await kept(t.db, both), await counted(t.db, both));
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM status_counts WHERE account_id = ANY($1::text[]) GROUP BY subject, account_id, status HAVING count(*) > 1`,
      [both],
    );
    assert.deepEqual(rows, [], 'one row per key once folded');
  }));

// PostgreSQL only: the embedded database runs one statement at a time, so a held lock would stall the test itself.
test(
  "creates, status changes and deletes of one account's leads and orders take no lock on the account's row",
  { skip: !usingPostgres },
  () =>
    withTestApp(async (t) => {
      const a = await tenant(t.db);
      const call = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
        t.app.inject({ method, url: `/api/web/1.0${url}`, headers: a.auth, payload });
      assert.equal((await call('POST', '/leads', { leads: [lead(1), lead(2)] })).statusCode, 201);
      assert.equal((await call('POST', '/orders', { orders: [order(1), order(2)] })).statusCode, 201);
      // A lock that conflicts with the foreign-key check's FOR KEY SHARE: each delta row of status_counts
      // took that lock on the account while it had a foreign key (migration 0026), so every concurrent
      // writer of the account shared one row lock.
      let writes: Promise<Awaited<ReturnType<typeof call>>[]> | undefined;
      const waited = await t.db.tx(async (q) => {
        await q.query('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [a.accountId]);
        writes = Promise.all([
          call('POST', '/leads', { leads: [lead(3)] }),
          call('PATCH', '/leads/LD-00001', { status: 'confirmed' }),
          call('DELETE', '/leads/LD-00002'),
          call('POST', '/orders', { orders: [order(3)] }),
          call('PATCH', '/orders/ORD-00001', { status: 'canceled' }),
        ]);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 5000)));
        const result = await Promise.race([writes.then(() => false), late]);
        clearTimeout(timer);
        return result;
      });
      const answers = await writes!; // answered by now, or once the lock above was released
      assert.equal(waited, false, "the writes waited for the account's row");
      assert.deepEqual(
        answers.map((r) => r.statusCode),
        [201, 200, 200, 201, 200],
        answers.map((r) => r.body).join(' '),
      );
      assert.deepEqual(await kept(t.db, [a.accountId]), await counted(t.db, [a.accountId]));
    }),
);

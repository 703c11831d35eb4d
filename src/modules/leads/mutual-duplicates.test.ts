// Two leads marked duplicates of each other by two requests sent at once (docs/decisions.md, "A lead
// marked `duplicate` by hand"): each request locks its lead, then reads the other FOR SHARE, so
// PostgreSQL aborts one as a deadlock. That one runs again (TxOptions.retryConflicts) and gets the 422
// it would have got a moment later: never a 500, never two leads duplicates of each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, tenant, sharedTestApp, usingPostgres, type Tenant, type TestApp } from '../../test-support/harness.js';
import { login } from '../../test-support/session.js';
import { until } from '../../test-support/until.js';

let t: TestApp;
sharedTestApp((app) => (t = app), { API_RATE_LIMIT_PER_MINUTE: '100000' });

const API = '/api/web/1.0';
const PAIRS = 20;
/** Pairs raced at a time (a deadlock is found after PostgreSQL's deadlock_timeout, 1 s). */
const AT_ONCE = 5;
const skip = !usingPostgres && 'PGlite runs one transaction at a time: nothing to race';

/** `n` pairs of fresh open leads of `a`. */
async function pairs(a: Tenant, n: number, from: number): Promise<[string, string][]> {
  const leads = Array.from({ length: 2 * n }, (_, i) => lead(from + i));
  const res = await t.app.inject({ method: 'POST', url: `${API}/leads`, headers: a.auth, payload: { leads } });
  assert.equal(res.statusCode, 201, res.body);
  const refs = (res.json() as { data: { references: string[] } }).data.references;
  return Array.from({ length: n }, (_, i) => [refs[2 * i], refs[2 * i + 1]]);
}

/** The deadlocks PostgreSQL broke in this database (its statistics, sent within a second or so). */
const deadlocks = async () =>
  (await t.db.query<{ n: number }>('SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0].n;

interface Answer {
  status: number;
  body: unknown;
}

/**
 * Races `mark(x, y)` and `mark(y, x)` for every pair, AT_ONCE pairs at a time, and checks each pair:
 * one 200, one 422 whose body is `refused`, and in the database the lead of the 200 a duplicate of the
 * other, which stays new with only its creation in its history.
 */
async function race(
  a: Tenant,
  all: [string, string][],
  mark: (lead: string, of: string) => Promise<Answer>,
  refused: { message: string; errors: Record<string, string[]> },
) {
  for (let i = 0; i < all.length; i += AT_ONCE) {
    await Promise.all(
      all.slice(i, i + AT_ONCE).map(async ([x, y]) => {
        const answers = await Promise.all([mark(x, y), mark(y, x)]);
        for (const r of answers) assert.notEqual(r.status, 500, JSON.stringify(r.body));
        const ok = answers.findIndex((r) => r.status === 200);
        assert.deepEqual(answers.map((r) => r.status).sort(), [200, 422], JSON.stringify(answers));
        assert.deepEqual(answers[1 - ok].body, refused);
        const [marked, original] = ok === 0 ? [x, y] : [y, x];
        const { rows } = await t.db.query<{ reference: string; status: string; duplicate_of: string | null; moves: number }>(
          `SELECT l.reference, l.status, l.duplicate_of,
                  (SELECT count(*)::int FROM lead_histories h WHERE h.lead_id = l.id AND h.old_status IS NOT NULL) AS moves
             FROM leads l WHERE l.account_id = $1 AND l.reference = ANY($2::text[]) ORDER BY l.reference = $3 DESC`,
          [a.accountId, [x, y], marked],
        );
        assert.deepEqual(
          rows.map((r) => [r.reference, r.status, r.duplicate_of, r.moves]),
          [
            [marked, 'duplicate', original, 1],
            [original, 'new', null, 0],
          ],
        );
      }),
    );
  }
}

test(
  'PATCH /leads/{reference}: two leads marked duplicates of each other at once give one 200 and one 422, never a 500',
  { skip },
  async () => {
    const a = await tenant(t.db);
    const before = await deadlocks();
    await race(
      a,
      await pairs(a, PAIRS, 1),
      async (x, y) => {
        const r = await t.app.inject({
          method: 'PATCH',
          url: `${API}/leads/${x}`,
          headers: a.auth,
          payload: { status: 'duplicate', duplicate_of: y },
        });
        return { status: r.statusCode, body: r.json() };
      },
      { message: 'The given data was invalid.', errors: { duplicate_of: ['The selected duplicate of is invalid.'] } },
    );
    // The race was run, not sidestepped: PostgreSQL counted the deadlocks it broke.
    await until('PostgreSQL to count the deadlocks', async () => (await deadlocks()) > before, 10_000);
  },
);

test('PATCH /leads (bulk) and with an Idempotency-Key: the same race, the same answers', { skip }, async () => {
  const a = await tenant(t.db);
  let key = 0;
  await race(
    a,
    await pairs(a, PAIRS, 100),
    async (x, y) => {
      const r = await t.app.inject({
        method: 'PATCH',
        url: `${API}/leads`,
        headers: { ...a.auth, 'idempotency-key': `mutual-${++key}` },
        payload: { leads: [{ reference: x, status: 'duplicate', duplicate_of: y }] },
      });
      return { status: r.statusCode, body: r.json() };
    },
    { message: 'The given data was invalid.', errors: { 'leads.0.duplicate_of': ['The selected leads.0.duplicate_of is invalid.'] } },
  );
});

test("the dashboard's PATCH /leads/{id}/status: the same race, the same answers", { skip }, async () => {
  const a = await tenant(t.db);
  const seller = await login(t.app, a.email);
  await seller.get('/leads');
  const all = await pairs(a, PAIRS, 200);
  const { rows } = await t.db.query<{ id: string; reference: string }>('SELECT id, reference FROM leads WHERE account_id = $1', [
    a.accountId,
  ]);
  const idOf = new Map(rows.map((r) => [r.reference, r.id]));
  await race(
    a,
    all,
    async (x, y) => {
      const r = await seller.json('PATCH', `/leads/${idOf.get(x)}/status`, { status: 'duplicate', duplicate_of: y });
      return { status: r.statusCode, body: r.statusCode === 200 ? undefined : r.json() };
    },
    { message: 'The given data was invalid.', errors: { duplicate_of: ['The selected duplicate of is invalid.'] } },
  );
});

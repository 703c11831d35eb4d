import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, tenant, sharedTestApp, type Tenant, type TestApp } from '../../test-support/harness.js';
import type { Actor } from '../../core/actor.js';
import type { Database } from '../../db/database.js';
import { HttpError } from '../../http/errors.js';
import { intakeLeads as intakeAtOnce } from './intake.js';

// Concurrent small creates of one account and actor share a statement (intake.ts). A create that
// finds its key idle runs at once; those arriving meanwhile go together in the next transaction,
// seen here as the leads' `xmin`: one transaction id per statement.

let t: TestApp;
sharedTestApp((app) => (t = app));

const API = '/api/web/1.0';
const intakeLeads = (db: Database, actor: Actor, accountId: string, body: unknown) => intakeAtOnce(db, actor, accountId, body, 2);

const actorOf = (a: Tenant): Actor => ({
  kind: 'token',
  userId: a.userId,
  tokenId: a.tokenId,
  label: 'API token "Test shop"',
  role: 'seller',
  accountId: a.accountId,
  impersonatorId: null,
});

const leads = (from: number, n: number, over: Record<string, unknown> = {}) => ({
  leads: Array.from({ length: n }, (_, i) => lead(from + i, over)),
});

/** Each lead of the account: its reference, name, status, duplicate_of, transaction, lines and first history. */
async function written(a: Tenant) {
  const { rows } = await t.db.query<{
    reference: string;
    full_name: string;
    status: string;
    duplicate_of: string | null;
    tx: string;
    lines: number;
    token_id: string | null;
    user_id: string | null;
  }>(
    `SELECT l.reference, l.full_name, l.status, l.duplicate_of, l.xmin::text AS tx,
            (SELECT count(*)::int FROM lead_lines ll WHERE ll.lead_id = l.id) AS lines,
            h.token_id::text, h.user_id
       FROM leads l JOIN lead_histories h ON h.lead_id = l.id AND h.old_status IS NULL
      WHERE l.account_id = $1 ORDER BY l.reference`,
    [a.accountId],
  );
  return new Map(rows.map((r) => [r.reference, r]));
}

test('small creates arriving while one is written share the next statement, each answered its own references in order', async () => {
  const a = await tenant(t.db);
  const sizes = [1, 2, 10, 3, 1];
  const sent = sizes.map((n, i) => leads(i * 100, n));
  const answers = await Promise.all(sent.map((body) => intakeLeads(t.db, actorOf(a), a.accountId, body)));

  assert.deepEqual(
    answers.map((refs) => refs.length),
    sizes,
  );
  // Drawn in the order the requests came: LD-00001 for the first, then 2, 3, … without a gap.
  assert.deepEqual(
    answers.flat(),
    Array.from({ length: 17 }, (_, i) => `LD-${String(i + 1).padStart(5, '0')}`),
  );
  const rows = await written(a);
  answers.forEach((refs, i) =>
    refs.forEach((ref, j) => {
      const row = rows.get(ref)!;
      assert.equal(row.full_name, sent[i].leads[j].full_name, `${ref} holds the lead sent as request ${i}, item ${j}`);
      assert.equal(row.status, 'new');
      assert.equal(row.lines, 1);
      assert.equal(row.token_id, String(a.tokenId));
      assert.equal(row.user_id, a.userId);
    }),
  );
  const txOf = (i: number) => new Set(answers[i].map((ref) => rows.get(ref)!.tx));
  assert.equal(txOf(0).size, 1);
  const shared = new Set(answers.slice(1).flatMap((refs) => refs.map((ref) => rows.get(ref)!.tx)));
  assert.equal(shared.size, 1, 'the four requests that waited were written in one transaction');
  assert.notDeepEqual([...txOf(0)], [...shared], 'the first went alone');
});

test('a statement takes at most 40 leads; other accounts and tokens are not mixed in; a repeat across requests is a duplicate', async () => {
  const a = await tenant(t.db);
  const b = await tenant(t.db);
  const same = { phone: '0612999999' };
  // The account's seller in the dashboard: another actor of the same account.
  const seller: Actor = { ...actorOf(a), kind: 'user', tokenId: null, label: 'Test seller' };
  const calls = [
    intakeLeads(t.db, actorOf(a), a.accountId, leads(0, 1)),
    intakeLeads(t.db, actorOf(a), a.accountId, leads(100, 10)),
    intakeLeads(t.db, actorOf(b), b.accountId, leads(200, 1)),
    intakeLeads(t.db, actorOf(a), a.accountId, leads(300, 10, same)),
    intakeLeads(t.db, actorOf(a), a.accountId, leads(400, 10)),
    intakeLeads(t.db, actorOf(a), a.accountId, leads(500, 10, same)),
    intakeLeads(t.db, actorOf(a), a.accountId, leads(600, 1)),
    intakeLeads(t.db, seller, a.accountId, leads(700, 1)),
  ];
  const answers = await Promise.all(calls);
  const rows = await written(a);
  const txs = (i: number) => [...new Set(answers[i].map((ref) => rows.get(ref)!.tx))];
  // a's first goes alone; the next four of a weigh 41 leads: 40 go together, the last waits for the next.
  assert.equal(new Set([txs(0), txs(1), txs(6), txs(7)].flat()).size, 4, "the seller's create is not in the token's statement");
  assert.deepEqual([txs(3), txs(4), txs(5)], [txs(1), txs(1), txs(1)]);
  assert.notEqual((await written(b)).get(answers[2][0])!.tx, txs(1)[0], "b's create is not in a's statement");
  assert.deepEqual(answers[2], ['LD-00001']);
  // Request 3's first lead is new; every later lead with its phone and SKU repeats it, in its own
  // request and in request 5, as if the requests had come one after the other.
  const first = answers[3][0];
  assert.equal(rows.get(first)!.status, 'new');
  for (const ref of [...answers[3].slice(1), ...answers[5]]) {
    assert.equal(rows.get(ref)!.status, 'duplicate', ref);
    assert.equal(rows.get(ref)!.duplicate_of, first, ref);
  }
});

test('a refused create among waiting ones gets its own 422, the others are written, and no reference is lost', async () => {
  const a = await tenant(t.db);
  const calls = [
    intakeLeads(t.db, actorOf(a), a.accountId, leads(0, 1)),
    intakeLeads(t.db, actorOf(a), a.accountId, leads(100, 2)),
    intakeLeads(t.db, actorOf(a), a.accountId, { leads: [lead(200), lead(201, { products: [{ sku: 'NOPE', quantity: 1, price: 5 }] })] }),
    intakeLeads(t.db, actorOf(a), a.accountId, leads(300, 1)),
    intakeLeads(t.db, actorOf(a), a.accountId, { leads: [{ ...lead(400), phone: undefined }] }),
  ];
  const settled = await Promise.allSettled(calls);
  const refused = (i: number) => {
    const r = settled[i];
    assert.equal(r.status, 'rejected');
    assert.ok(r.reason instanceof HttpError);
    return { status: r.reason.statusCode, errors: r.reason.errors };
  };
  assert.deepEqual(refused(2), {
    status: 422,
    errors: { 'leads.1.products.0.sku': ['The selected leads.1.products.0.sku is invalid.'] },
  });
  assert.deepEqual(refused(4), { status: 422, errors: { 'leads.0.phone': ['The leads.0.phone field is required.'] } });
  const refs = settled.map((r) => (r.status === 'fulfilled' ? r.value : null));
  assert.deepEqual(refs, [['LD-00001'], ['LD-00002', 'LD-00003'], null, ['LD-00004'], null]);
  const rows = await written(a);
  assert.deepEqual(
    [...rows.values()].map((r) => r.full_name),
    ['Customer 0', 'Customer 100', 'Customer 101', 'Customer 300'],
  );
});

test('concurrent POST /leads answer 201 with their own references, unique over the account', async () => {
  const a = await tenant(t.db);
  const post = (i: number) => t.app.inject({ method: 'POST', url: `${API}/leads`, headers: a.auth, payload: leads(i * 10, 1 + (i % 3)) });
  const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => post(i)));
  const rows = await written(a);
  const all: string[] = [];
  responses.forEach((res, i) => {
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json() as { message: string; data: { references: string[] } };
    assert.equal(body.message, 'Leads created successfully.');
    assert.equal(body.data.references.length, 1 + (i % 3));
    body.data.references.forEach((ref, j) => assert.equal(rows.get(ref)!.full_name, `Customer ${i * 10 + j}`));
    all.push(...body.data.references);
  });
  assert.equal(new Set(all).size, all.length);
  assert.equal(rows.size, all.length);
});

test('bulk creates take turns: at most BULK_CREATES_AT_ONCE are in the database at once, each written whole', async () => {
  const a = await tenant(t.db);
  // The same database, its transactions counted while they run.
  let running = 0;
  let most = 0;
  const counted = new Proxy(t.db, {
    get(db, prop) {
      if (prop === 'tx')
        return (...args: Parameters<Database['tx']>) => {
          most = Math.max(most, ++running);
          return db.tx(...args).finally(() => running--);
        };
      const v = Reflect.get(db, prop) as unknown;
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(db) : v;
    },
  });
  const atOnce = 3;
  const sent = Array.from({ length: 2 * atOnce + 1 }, (_, i) => leads(i * 100, 11));
  const answers = await Promise.all(sent.map((body) => intakeAtOnce(counted, actorOf(a), a.accountId, body, atOnce)));
  assert.equal(most, atOnce, `${sent.length} bulk creates, at most ${atOnce} transactions at once`);
  const rows = await written(a);
  assert.equal(rows.size, 11 * sent.length);
  answers.forEach((refs, i) => {
    assert.equal(refs.length, 11);
    assert.equal(new Set(refs.map((ref) => rows.get(ref)!.tx)).size, 1, `request ${i} in one transaction`);
    refs.forEach((ref, j) => assert.equal(rows.get(ref)!.full_name, `Customer ${i * 100 + j}`));
  });
});

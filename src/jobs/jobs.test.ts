import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from '../test-support/until.js';
import { ConfigError, loadConfig } from '../config.js';
import { testApp, usingPostgres, type TestApp } from '../test-support/harness.js';
import { person, type Person } from '../test-support/people.js';
import { login } from '../test-support/session.js';
import { enqueue } from './enqueue.js';
import { defineJob, FinalJobError, jobKinds, leaseSecondsOf, type JobContext, type JobKind } from './registry.js';
import { jobStats } from './stats.js';
import { JobWorker } from './worker.js';

// Test-only kinds, named for this file: workers of other test files sharing a PostgreSQL database
// never know them, and this file's workers run only them.
const EFFECTS = 'test_inproc_job_effects';
const calls = new Map<string, number[]>(); // job id → the times its handler started

function started(ctx: JobContext) {
  const list = calls.get(ctx.id) ?? [];
  list.push(Date.now());
  calls.set(ctx.id, list);
  return list.length;
}

const touch = defineJob<{ note?: string }>({
  kind: 'test.inproc.touch',
  retry: { limit: 0, delaySeconds: 1 },
  async handler(ctx) {
    started(ctx);
    await ctx.db.query(`INSERT INTO ${EFFECTS} (job_id, step) VALUES ($1, 0)`, [ctx.id]);
    return { note: ctx.payload.note ?? null };
  },
});

const flaky = defineJob<{ failures: number }>({
  kind: 'test.inproc.flaky',
  retry: { limit: 2, delaySeconds: 1 },
  async handler(ctx) {
    const n = started(ctx);
    if (n <= ctx.payload.failures) throw new Error(`Attempt ${n} failed.`);
    return { attempt: n };
  },
});

const refused = defineJob({
  kind: 'test.inproc.refused',
  retry: { limit: 3, delaySeconds: 1 },
  async handler(ctx) {
    started(ctx);
    throw new FinalJobError('The courier refused the parcel (HTTP 422).');
  },
});

const items = defineJob<{ rows: number }>({
  kind: 'test.inproc.items',
  lane: 'urgent',
  retry: { limit: 0, delaySeconds: 1 },
  async handler(ctx) {
    await ctx.report({ total: ctx.payload.rows });
    await ctx.db.tx((q) =>
      ctx.report(
        {
          done: ctx.payload.rows - 2,
          failed: 2,
          errors: [
            { reference: 'ORD-00007', message: 'The courier answered HTTP 503.' },
            { row: 4, column: 'phone', message: 'The phone field is required.' },
          ],
        },
        q,
      ),
    );
    return { url: '/exports/x/download', rows: ctx.payload.rows };
  },
});

const steps = defineJob<{ steps: number; stepMs: number }>({
  kind: 'test.inproc.steps',
  retry: { limit: 0, delaySeconds: 1 },
  leaseSeconds: 3,
  // Short on PGlite too, so that a run of this kind renews its lease there as well.
  embeddedLeaseSeconds: 3,
  async handler(ctx) {
    started(ctx);
    let next = (ctx.progress.checkpoint as { next?: number } | null)?.next ?? 0;
    for (; next < ctx.payload.steps; next++) {
      ctx.signal.throwIfAborted();
      const step = next;
      await ctx.db.tx(async (q) => {
        await q.query(`INSERT INTO ${EFFECTS} (job_id, step) VALUES ($1, $2)`, [ctx.id, step]);
        await ctx.report({ done: 1, checkpoint: { next: step + 1 } }, q);
      });
      await sleep(ctx.payload.stepMs);
    }
    return { steps: ctx.payload.steps };
  },
});

const abandonedWith: unknown[] = [];
const leftover = defineJob<{ fileKey: string }>({
  kind: 'test.inproc.leftover',
  retry: { limit: 0, delaySeconds: 1 },
  handler: () => Promise.resolve({}),
  abandoned: async (payload) => {
    abandonedWith.push(payload);
  },
});

/** One transaction of 2.5 s: is the lease renewed while it runs (on another connection)? */
const longTx = defineJob<Record<string, never>>({
  kind: 'test.inproc.long-tx',
  retry: { limit: 0, delaySeconds: 1 },
  leaseSeconds: 3, // on the embedded database the registry's 600 s (EMBEDDED_LEASE_SECONDS)
  async handler(ctx) {
    const leaseAt = async () =>
      (await ctx.db.query<{ at: string }>('SELECT started_on::text AS at FROM pgboss.job WHERE id = $1', [ctx.id])).rows[0].at;
    const before = await leaseAt();
    await ctx.db.tx((q) => q.query('SELECT pg_sleep(2.5)'));
    return { renewed: (await leaseAt()) !== before };
  },
});

const KINDS = [touch, flaky, refused, items, steps, leftover, longTx].map((k) => k.kind);

let t: TestApp;
let seller: Person;

before(async () => {
  t = await testApp();
  await t.db.exec(`CREATE TABLE IF NOT EXISTS ${EFFECTS} (job_id uuid NOT NULL, step integer NOT NULL)`);
  seller = await person(t.db, 'seller');
});
after(() => t.close());

async function withWorker<T>(fn: (w: JobWorker) => Promise<T>, slots = 2): Promise<T> {
  const w = await new JobWorker(t.db, { slots, pollMs: 100, kinds: KINDS, graceMs: 5_000 }).start();
  try {
    return await fn(w);
  } finally {
    await w.stop();
  }
}

async function record(id: string) {
  const { rows } = await t.db.query<{ status: string; attempts: number; result: unknown; last_error: string | null }>(
    'SELECT status, attempts, result, last_error FROM jobs WHERE id = $1',
    [id],
  );
  return rows[0];
}

const finished = (id: string) =>
  until(
    `job ${id} to finish`,
    async () => {
      const r = await record(id);
      return r && (r.status === 'done' || r.status === 'failed') && r;
    },
    15_000,
  );

const effects = async (id: string) =>
  (await t.db.query<{ step: number }>(`SELECT step FROM ${EFFECTS} WHERE job_id = $1 ORDER BY step`, [id])).rows.map((r) => r.step);

describe('jobs: enqueued in the transaction of the change', () => {
  test('a rolled-back change enqueues nothing; a committed one runs once', async () => {
    let lost = '';
    await assert.rejects(
      t.db.tx(async (q) => {
        lost = await enqueue(q, touch.kind, { note: 'rolled back' }, { userId: seller.id });
        throw new Error('the change failed');
      }),
      /the change failed/,
    );
    const kept = await t.db.tx((q) => enqueue(q, touch.kind, { note: 'committed' }, { userId: seller.id }));
    await withWorker(async () => {
      const done = await finished(kept);
      assert.deepEqual(done.result, { note: 'committed' });
      await sleep(300); // time for anything else to (wrongly) run
    });
    assert.equal(await record(lost), undefined, 'no record of the rolled-back job');
    const { rows } = await t.db.query('SELECT 1 FROM pgboss.job WHERE id = $1', [lost]);
    assert.equal(rows.length, 0, 'no pg-boss job either');
    assert.equal(calls.get(lost), undefined, 'never ran');
    assert.deepEqual(await effects(kept), [0]);
    assert.equal(calls.get(kept)!.length, 1);
  });

  // PostgreSQL only: the embedded database runs one transaction at a time.
  test(
    'the first jobs of new kinds enqueued at the same moment are all kept (their queues were a deadlock, a 500)',
    { skip: !usingPostgres },
    async () => {
      // Kinds no database has seen: each one's first job makes its pg-boss queue.
      const run = randomUUID().slice(0, 8);
      for (let round = 0; round < 5; round++) {
        const kinds = [0, 1].map(
          (i) => defineJob({ kind: `test.inproc.first_${run}_${round}_${i}`, handler: () => Promise.resolve({}) }).kind,
        );
        const ids = await Promise.all([...kinds, ...kinds, ...kinds].map((kind) => t.db.tx((q) => enqueue(q, kind, {}))));
        const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM pgboss.job WHERE id = ANY($1::uuid[])', [ids]);
        assert.equal(rows[0].n, 6);
      }
    },
  );
});

describe('jobs: retries', () => {
  test('a job that fails twice then succeeds is retried with exponential backoff', async () => {
    const id = await t.db.tx((q) => enqueue(q, flaky.kind, { failures: 2 }));
    await withWorker(async () => {
      const r = await finished(id);
      assert.equal(r.status, 'done');
      assert.deepEqual(r.result, { attempt: 3 });
      assert.equal(r.attempts, 3);
      assert.equal(r.last_error, null);
    });
    const [a, b, c] = calls.get(id)!;
    // pg-boss's backoff with a 1 s delay: the first retry after 1–2 s, the second after 2–4 s.
    assert.ok(b - a >= 950, `first retry after ${b - a} ms`);
    assert.ok(c - b >= 1950, `second retry after ${c - b} ms`);
  });

  test('a job that keeps failing fails after its retries, with the reason shown', async () => {
    const id = await t.db.tx((q) => enqueue(q, flaky.kind, { failures: 9 }, { userId: seller.id }));
    await withWorker(async () => {
      const r = await finished(id);
      assert.equal(r.status, 'failed');
      assert.equal(r.attempts, 3, 'the first run and two retries');
    });
    const a = await login(t.app, seller.email);
    const data = (await a.json('GET', `/jobs/${id}`)).json().data;
    assert.equal(data.status, 'failed');
    assert.deepEqual(data.errors, [{ message: 'Attempt 3 failed.' }]);
    assert.match(data.finished_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('while a job waits for a retry, its page says why the last attempt failed; its JSON keeps the spec shape', async () => {
    const id = await t.db.tx((q) => enqueue(q, flaky.kind, { failures: 1 }, { userId: seller.id }));
    // What a failed attempt with retries left writes (failRun): queued again, the reason kept.
    await t.db.query(`UPDATE jobs SET last_error = 'The courier answered HTTP 500: boom.' WHERE id = $1 AND status = 'queued'`, [id]);
    const a = await login(t.app, seller.email);
    const page = (await a.get(`/jobs/${id}`)).body;
    assert.match(
      page,
      /<p class="job-progress-retry" data-job-retry="true">The last attempt failed: The courier answered HTTP 500: boom\. It will be tried again\.<\/p>/,
    );
    const data = (await a.json('GET', `/jobs/${id}`)).json().data;
    assert.deepEqual(Object.keys(data), ['id', 'kind', 'status', 'total', 'done', 'failed', 'errors', 'created_at', 'finished_at']);
    await withWorker(async () => assert.equal((await finished(id)).status, 'done'));
    assert.doesNotMatch((await a.get(`/jobs/${id}`)).body, /job-progress-retry/, 'gone once it is done');
  });

  test('a final error is not retried', async () => {
    const id = await t.db.tx((q) => enqueue(q, refused.kind, {}));
    await withWorker(async () => {
      const r = await finished(id);
      assert.equal(r.status, 'failed');
      assert.equal(r.last_error, 'The courier refused the parcel (HTTP 422).');
      await sleep(1500); // a retry would be due by now
    });
    assert.equal(calls.get(id)!.length, 1);
    const { rows } = await t.db.query<{ state: string }>('SELECT state::text FROM pgboss.job WHERE id = $1', [id]);
    assert.equal(rows[0].state, 'failed');
  });
});

describe('jobs: stopping a worker', () => {
  test('a graceful stop hands the job back at a step boundary; the next worker resumes it, each step once', async () => {
    const id = await t.db.tx((q) => enqueue(q, steps.kind, { steps: 8, stepMs: 100 }));
    const w = await new JobWorker(t.db, { slots: 1, pollMs: 100, kinds: KINDS }).start();
    await until('two steps', async () => (await effects(id)).length >= 2, 15_000);
    await w.stop();
    const handed = await record(id);
    assert.equal(handed.status, 'queued');
    const before = (await effects(id)).length;
    assert.ok(before < 8, `stopped after ${before} steps`);
    const { rows } = await t.db.query<{ state: string; retry_count: number }>(
      'SELECT state::text, retry_count FROM pgboss.job WHERE id = $1',
      [id],
    );
    assert.deepEqual(rows[0], { state: 'retry', retry_count: 0 }, 'handed back without using a retry (its limit is 0)');
    await withWorker(async () => {
      const r = await finished(id);
      assert.equal(r.status, 'done');
      assert.equal(r.attempts, 2);
    });
    assert.deepEqual(await effects(id), [0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('a worker that is the only one (the embedded database)', () => {
  // Found by the crash audit: after a kill -9 and a restart on PGlite, an import stayed "Running: 0 of
  // 5000" for its whole 600-s lease, though no other process could have been running it.
  test('takes back at once a job a dead process held; another worker waits for the lease', async () => {
    const id = await t.db.tx((q) => enqueue(q, flaky.kind, { failures: 0 }));
    await t.db.query(`UPDATE pgboss.job SET state = 'active', started_on = now(), expire_in = interval '600 seconds' WHERE id = $1`, [id]);
    await t.db.query(`UPDATE jobs SET status = 'running', run_token = gen_random_uuid() WHERE id = $1`, [id]);
    const shared = await new JobWorker(t.db, { slots: 1, pollMs: 100, kinds: KINDS, maintenanceSeconds: 1 }).start();
    await sleep(3_000);
    await shared.stop();
    assert.equal((await record(id)).status, 'running', 'with other workers possible, the lease is waited out');
    const sole = await new JobWorker(t.db, { slots: 1, pollMs: 100, kinds: KINDS, maintenanceSeconds: 1, soleProcess: true }).start();
    try {
      const r = await until(
        'the job taken back and done',
        async () => ((await record(id)).status === 'done' ? record(id) : undefined),
        20_000,
      );
      assert.equal(r.status, 'done');
      // Its next runs keep their lease (it had been set to 0: each later run lapsed within seconds).
      const { rows } = await t.db.query<{ lease: number }>(
        'SELECT extract(epoch FROM expire_in)::int AS lease FROM pgboss.job WHERE id = $1',
        [id],
      );
      assert.deepEqual(rows, [{ lease: 600 }]);
    } finally {
      await sole.stop();
    }
  });

  // Found by the crash audit: an import whose last run died kept its upload in the file store for good.
  test("a job failed for good by its dead run's lapse has its leftovers cleared, once", async () => {
    const id = await t.db.tx((q) => enqueue(q, leftover.kind, { fileKey: 'imports/left.csv' }));
    await t.db.query(`UPDATE pgboss.job SET state = 'active', started_on = now(), expire_in = interval '600 seconds' WHERE id = $1`, [id]);
    await t.db.query(`UPDATE jobs SET status = 'running', run_token = gen_random_uuid() WHERE id = $1`, [id]);
    const sole = await new JobWorker(t.db, { slots: 1, pollMs: 100, kinds: KINDS, maintenanceSeconds: 1, soleProcess: true }).start();
    try {
      const r = await until('the job failed', async () => ((await record(id)).status === 'failed' ? record(id) : undefined), 20_000);
      assert.equal(r.attempts, 0);
      await until('its leftovers cleared', async () => abandonedWith.length > 0 || undefined, 5_000);
      await sleep(2_500);
    } finally {
      await sole.stop();
    }
    assert.deepEqual(abandonedWith, [{ fileKey: 'imports/left.csv' }]);
  });
});

describe('a lease per database', () => {
  // An import's: 60 s on PostgreSQL, where renewals go beside its one long transaction; 600 s on the
  // embedded database, where that transaction holds the one connection (docs/decisions.md, Leases).
  test('PostgreSQL renews the short lease during a long transaction; the embedded database has the long one', async () => {
    const id = await t.db.tx((q) => enqueue(q, longTx.kind, {}));
    await withWorker(async () => {
      const r = await finished(id);
      assert.deepEqual({ status: r.status, attempts: r.attempts }, { status: 'done', attempts: 1 });
    });
    const { rows } = await t.db.query<{ lease: number; result: unknown }>(
      `SELECT extract(epoch FROM pb.expire_in)::int AS lease, j.result FROM pgboss.job pb JOIN jobs j ON j.id = pb.id WHERE pb.id = $1`,
      [id],
    );
    assert.deepEqual(rows, [{ lease: usingPostgres ? 3 : 600, result: { renewed: usingPostgres } }]);
  });

  // An import's write held back a push's renewals for 240 s on a loaded machine: its 30-s lease lapsed
  // and the push ran again. On the embedded database no other process could take a job over anyway.
  test("every kind of the product keeps its job ten minutes on the embedded database, whatever an import's write holds back", () => {
    const kinds = jobKinds().filter((k) => !k.kind.startsWith('test'));
    assert.ok(kinds.length >= 6, kinds.map((k) => k.kind).join());
    const short = kinds.filter((k) => leaseSecondsOf(k, 'pglite') < 600).map((k) => k.kind);
    assert.deepEqual(short, []);
    assert.ok(kinds.every((k) => leaseSecondsOf(k, 'postgres') <= 60));
  });

  test("a kind's lease on the embedded database is ten minutes unless it says otherwise, and never shorter than its own", () => {
    const plain = defineJob({ kind: 'test.inproc.lease-default', leaseSeconds: 30, handler: () => Promise.resolve({}) });
    const long = defineJob({ kind: 'test.inproc.lease-long', leaseSeconds: 900, handler: () => Promise.resolve({}) });
    const own = defineJob({ kind: 'test.inproc.lease-own', leaseSeconds: 3, embeddedLeaseSeconds: 4, handler: () => Promise.resolve({}) });
    const leases = (k: JobKind) => [leaseSecondsOf(k, 'pglite'), leaseSecondsOf(k, 'postgres'), leaseSecondsOf(k, undefined)];
    assert.deepEqual(leases(plain), [600, 30, 600]);
    assert.deepEqual(leases(long), [900, 900, 900]);
    assert.deepEqual(leases(own), [4, 3, 4]);
  });
});

describe('GET /jobs/{id}', () => {
  test('answers the spec shape to the user who started it and to admins; 404 to others', async () => {
    const id = await t.db.tx((q) => enqueue(q, items.kind, { rows: 10 }, { userId: seller.id }));
    const owner = await login(t.app, seller.email);
    const queued = await owner.json('GET', `/jobs/${id}`);
    assert.equal(queued.statusCode, 200);
    const q0 = queued.json().data;
    assert.deepEqual(Object.keys(q0), ['id', 'kind', 'status', 'total', 'done', 'failed', 'errors', 'created_at', 'finished_at']);
    assert.deepEqual(
      { ...q0, created_at: 'x' },
      {
        id,
        kind: items.kind,
        status: 'queued',
        total: 0,
        done: 0,
        failed: 0,
        errors: [],
        created_at: 'x',
        finished_at: null,
      },
    );
    const page = await owner.get(`/jobs/${id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<progress id="job-[^"]+" max="1"/);
    assert.match(page.body, /class="job-progress-final" aria-live="polite"/);
    assert.match(page.body, /Waiting to start\./);
    assert.match(page.body, new RegExp(`data-job="/jobs/${id}"`));
    assert.match(page.body, /Refresh to see the progress/);

    await withWorker(() => finished(id));
    const res = await owner.json('GET', `/jobs/${id}`);
    const data = res.json().data;
    assert.deepEqual(Object.keys(data), [
      'id',
      'kind',
      'status',
      'total',
      'done',
      'failed',
      'errors',
      'result',
      'created_at',
      'finished_at',
    ]);
    assert.deepEqual(
      { ...data, created_at: 'x', finished_at: 'y' },
      {
        id,
        kind: items.kind,
        status: 'done',
        total: 10,
        done: 8,
        failed: 2,
        errors: [
          { reference: 'ORD-00007', message: 'The courier answered HTTP 503.' },
          { row: 4, column: 'phone', message: 'The phone field is required.' },
        ],
        result: { url: '/exports/x/download', rows: 10 },
        created_at: 'x',
        finished_at: 'y',
      },
    );
    assert.match(data.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const done = await owner.get(`/jobs/${id}`);
    assert.match(done.body, /<progress id="job-[^"]+" max="10" value="10"/);
    assert.match(done.body, /Done: 10 of 10 processed, 2 failed\./);
    assert.match(done.body, /The job is done\./);
    assert.doesNotMatch(done.body, /Refresh to see the progress/);

    const admin = await login(t.app, (await person(t.db, 'admin')).email);
    assert.equal((await admin.json('GET', `/jobs/${id}`)).statusCode, 200);
    for (const role of ['seller', 'manager', 'delivery'] as const) {
      const other = await login(t.app, (await person(t.db, role)).email);
      const r = await other.json('GET', `/jobs/${id}`);
      assert.equal(r.statusCode, 404, role);
      assert.deepEqual(r.json(), { message: 'Resource not found.' });
    }
    assert.equal((await owner.json('GET', '/jobs/not-a-uuid')).statusCode, 404);
    assert.equal((await owner.json('GET', '/jobs/00000000-0000-4000-8000-000000000000')).statusCode, 404);
    const guest = await t.app.inject({ method: 'GET', url: `/jobs/${id}`, headers: { accept: 'application/json' } });
    assert.equal(guest.statusCode, 401);
  });
});

describe('jobs: stats', () => {
  test('queue depth and failures per kind', async () => {
    const ids = await t.db.tx(async (q) => [
      await enqueue(q, touch.kind, {}),
      await enqueue(q, touch.kind, {}),
      await enqueue(q, refused.kind, {}),
    ]);
    const stats = await jobStats(t.db);
    assert.ok(stats[touch.kind].queued >= 2, JSON.stringify(stats[touch.kind]));
    await withWorker(() => Promise.all(ids.map(finished)));
    const after = await jobStats(t.db);
    assert.equal(after[touch.kind].queued, 0);
    assert.ok(after[touch.kind].processed.done >= 2);
    assert.ok(after[refused.kind].failedLastDay >= 1);
    assert.ok(after[refused.kind].processed.failed >= 1);
  });
});

describe('jobs: configuration', () => {
  test("WORKERS is the server's job slots: 2 by default, 0 for none, validated at boot", () => {
    const load = (env: Record<string, string>) => loadConfig({ APP_KEY: 'k'.repeat(32), ...env }, { persistKey: false });
    assert.equal(load({}).workers, 2);
    assert.equal(load({ WORKERS: '0' }).workers, 0);
    assert.equal(load({ JOBS_MAINTENANCE_SECONDS: '5' }).jobsMaintenanceSeconds, 5);
    assert.throws(() => load({ WORKERS: '-1' }), new ConfigError('Invalid WORKERS: "-1" is not an integer between 0 and 64.'));
    assert.throws(
      () => load({ JOBS_MAINTENANCE_SECONDS: '0' }),
      /Invalid JOBS_MAINTENANCE_SECONDS: "0" is not an integer between 1 and 3600\./,
    );
  });
});

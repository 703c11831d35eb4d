import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../src/db/database.js';
import { enqueue } from '../src/jobs/enqueue.js';
import { usingPostgres } from '../src/test-support/harness.js';
import { createEffectsTable, EFFECTS_TABLE, JOB_KINDS_IMPORT } from './support/job-kinds.js';
import {
  ownDatabase,
  runCommand,
  spawnProcess,
  startServer,
  tempDataDir,
  withDatabase,
  type LongProcess,
} from './support/server-process.js';

// Workers killed here must not hold other files' jobs (see ownDatabase).
await ownDatabase();

const KIND = 'test.process.steps';
const IMPORTS = [JOB_KINDS_IMPORT];

function context() {
  const dataDir = tempDataDir();
  const env = { DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL, JOBS_MAINTENANCE_SECONDS: '1' };
  const db = <T>(fn: (db: Database) => Promise<T>) => withDatabase(dataDir, fn);
  const worker = (slots = 1) => spawnProcess(['src/cli/index.ts', 'worker', '--slots', String(slots)], env, IMPORTS);
  return { env, db, worker };
}

const enqueueSteps = (db: Database, steps: number, stepMs: number) => db.tx((q) => enqueue(q, KIND, { steps, stepMs }));

async function stop(p: LongProcess) {
  p.proc.kill('SIGTERM');
  assert.equal(await p.exited, 0, p.output());
}

async function effects(db: Database, id: string) {
  const { rows } = await db.query<{ step: number; pid: number }>(
    `SELECT step, pid FROM ${EFFECTS_TABLE} WHERE job_id = $1 ORDER BY step, at`,
    [id],
  );
  return rows;
}

async function record(db: Database, id: string) {
  const { rows } = await db.query<{ status: string; attempts: number; done: number; total: number }>(
    'SELECT status, attempts, done, total FROM jobs WHERE id = $1',
    [id],
  );
  return rows[0];
}

describe('jobs across processes', () => {
  test('codops worker refuses a bad --slots', async () => {
    const r = await runCommand(['src/cli/index.ts', 'worker', '--slots', '0'], { DATA_DIR: tempDataDir() });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'codops: The --slots option must be an integer between 1 and 64.\n');
  });

  test('a worker killed with SIGKILL mid-job: the job completes after a restart, each step exactly once', async () => {
    const { db, worker } = context();
    const id = await db(async (d) => {
      await createEffectsTable(d);
      return enqueueSteps(d, 12, 150);
    });
    const first = worker();
    await first.waitFor(new RegExp(`job ${id} step 4\\n`));
    first.proc.kill('SIGKILL');
    await first.exited;
    assert.doesNotMatch(first.output(), new RegExp(`job ${id} done`));

    const second = worker();
    await second.waitFor(new RegExp(`job ${id} done`), 90_000);
    await stop(second);
    await db(async (d) => {
      const rows = await effects(d, id);
      assert.deepEqual(
        rows.map((r) => r.step),
        [...Array(12).keys()],
        'every step once',
      );
      assert.ok(rows.some((r) => r.pid === first.proc.pid) && rows.some((r) => r.pid === second.proc.pid), 'both workers did steps');
      const r = await record(d, id);
      assert.deepEqual({ ...r, attempts: 0 }, { status: 'done', attempts: 0, done: 12, total: 12 });
      // 2 runs; one more when a loaded machine stalls a worker past its lease (the run is then fenced off).
      assert.ok(r.attempts >= 2, first.output() + second.output());
    });
  });

  test(
    '`codops worker` on the embedded database takes back at once a job a killed process left running, and removes its partial files',
    { skip: usingPostgres && 'embedded database only (on PostgreSQL other workers may hold the job)' },
    async () => {
      const { env, db, worker } = context();
      // An import's lease (600 s): without the take-back the job waits for it.
      const id = await db(async (d) => {
        await createEffectsTable(d);
        return d.tx((q) => enqueue(q, 'test.process.long-lease', { steps: 12, stepMs: 150 }));
      });
      const first = worker();
      try {
        await first.waitFor(new RegExp(`job ${id} step 3\\n`));
      } finally {
        first.proc.kill('SIGKILL');
        await first.exited;
      }
      // What a SIGKILL during an export leaves: the temporary name the file store writes to before its rename.
      const part = join(env.DATA_DIR, 'uploads', 'exports', 'e1.xlsx.0123456789ab.part');
      mkdirSync(dirname(part), { recursive: true });
      writeFileSync(part, 'PK half a file');

      const second = worker();
      try {
        await second.waitFor(/Worker started/);
        assert.ok(!existsSync(part), 'the partial file is gone');
        await second.waitFor(new RegExp(`job ${id} done`), 30_000);
      } finally {
        await stop(second);
      }
      await db(async (d) => {
        assert.deepEqual(
          (await effects(d, id)).map((r) => r.step),
          [...Array(12).keys()],
          'every step once',
        );
        assert.equal((await record(d, id)).status, 'done');
      });
    },
  );

  test('WORKERS=0: the server runs no job, `codops worker` does; by default the server runs them', async () => {
    const { env, db, worker } = context();
    const off = { ...env, WORKERS: '0' };
    if (usingPostgres) {
      const server = await startServer(off, IMPORTS);
      try {
        const ids = await db(async (d) => {
          await createEffectsTable(d);
          return Promise.all([enqueueSteps(d, 1, 0), enqueueSteps(d, 1, 0), enqueueSteps(d, 1, 0)]);
        });
        await sleep(2500);
        await db(async (d) => {
          for (const id of ids) assert.equal((await record(d, id)).status, 'queued', 'the server left it');
        });
        const w = worker(2);
        for (const id of ids) await w.waitFor(new RegExp(`job ${id} done`));
        await stop(w);
        await db(async (d) => {
          for (const id of ids)
            assert.deepEqual(
              (await effects(d, id)).map((e) => e.pid),
              [w.proc.pid],
              'run by the worker',
            );
        });
        assert.doesNotMatch(server.output(), /job .* step/);
      } finally {
        server.proc.kill('SIGTERM');
        await server.exited;
      }
    } else {
      // PGlite: one process at a time holds the data directory, so the server stops before the worker starts.
      const id = await db(async (d) => {
        await createEffectsTable(d);
        return enqueueSteps(d, 1, 0);
      });
      const server = await startServer(off, IMPORTS);
      await sleep(2500);
      server.proc.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.output());
      assert.doesNotMatch(server.output(), /job .* step/);
      await db(async (d) => assert.equal((await record(d, id)).status, 'queued', 'the server left it'));
      const w = worker();
      await w.waitFor(new RegExp(`job ${id} done`));
      await stop(w);
      await db(async (d) =>
        assert.deepEqual(
          (await effects(d, id)).map((e) => e.pid),
          [w.proc.pid],
        ),
      );
    }

    // The default: the server runs jobs itself.
    const id = await db((d) => enqueueSteps(d, 1, 0));
    const server = await startServer(env, IMPORTS);
    try {
      const deadline = Date.now() + 30_000;
      while (!server.output().includes(`job ${id} done`)) {
        assert.ok(Date.now() < deadline, `the server did not run the job: ${server.output()}`);
        await sleep(100);
      }
    } finally {
      server.proc.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.output());
    }
    await db(async (d) =>
      assert.deepEqual(
        (await effects(d, id)).map((e) => e.pid),
        [server.proc.pid],
      ),
    );
  });

  test('two workers on PostgreSQL never run one job twice', { skip: !usingPostgres && 'PostgreSQL only' }, async () => {
    const { db, worker } = context();
    await db(createEffectsTable);
    const workers = [worker(2), worker(2)];
    await Promise.all(workers.map((w) => w.waitFor(/Worker started/)));
    const ids = await db((d) =>
      d.tx(async (q) => Promise.all(Array.from({ length: 40 }, () => enqueue(q, KIND, { steps: 1, stepMs: 150 })))),
    );
    await db(async (d) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const { rows } = await d.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1::uuid[]) AND status = 'done'`,
          [ids],
        );
        if (rows[0].n === ids.length) break;
        assert.ok(Date.now() < deadline, `${rows[0].n} of ${ids.length} done`);
        await sleep(100);
      }
      const { rows } = await d.query<{ job_id: string; n: number; pids: number[] }>(
        `SELECT job_id, count(*)::int AS n, array_agg(pid) AS pids FROM ${EFFECTS_TABLE} WHERE job_id = ANY($1::uuid[]) GROUP BY job_id`,
        [ids],
      );
      assert.equal(rows.length, ids.length);
      assert.deepEqual(
        rows.filter((r) => r.n !== 1),
        [],
        'each job ran once',
      );
      const pids = new Set(rows.flatMap((r) => r.pids));
      assert.deepEqual([...pids].sort(), workers.map((w) => w.proc.pid).sort(), 'both workers took jobs');
    });
    await Promise.all(workers.map(stop));
  });
});

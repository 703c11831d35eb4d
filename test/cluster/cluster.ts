// npm run test:cluster (run by .ci/run on PostgreSQL): two codops processes on one PostgreSQL and
// Redis behind Debian's nginx, with deploy/nginx-proxy.conf. Not a *.test.ts: `npm test` skips it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../../src/db/open.js';
import type { Database } from '../../src/db/database.js';
import { enqueue } from '../../src/jobs/enqueue.js';
import { tenant } from '../../src/test-support/harness.js';
import { createUser } from '../../src/modules/users/service.js';
import { newId } from '../../src/lib/ids.js';
import { createEffectsTable, EFFECTS_TABLE, JOB_KINDS_IMPORT } from '../support/job-kinds.js';
import { freePort, ROOT, startServer, tempDataDir, type ServerProcess } from '../support/server-process.js';

const NGINX = process.env.NGINX_PATH || '/usr/sbin/nginx';
const RATE = 20;
const missing = !process.env.DATABASE_URL
  ? 'needs DATABASE_URL (PostgreSQL)'
  : !process.env.REDIS_URL
    ? 'needs REDIS_URL'
    : !existsSync(NGINX)
      ? `no nginx at ${NGINX}`
      : false;

/** Prints a check's outcome in the test output (the five checks the cluster promises). */
const report = (n: number, line: string) => process.stdout.write(`cluster check ${n}/5 passed: ${line}\n`);

async function startNginx(ports: number[]): Promise<{ url: string; proc: ChildProcess; log: string }> {
  const dir = tempDataDir();
  chmodSync(dir, 0o755); // nginx's workers (nobody, when started as root) write their temp files here
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream codops {
${ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=10s;`).join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / { include ${join(ROOT, 'deploy', 'nginx-proxy.conf')}; }
  }
}
`,
  );
  const proc = spawn(NGINX, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/up`)).ok) return { url, proc, log: join(dir, 'error.log') };
    } catch {
      /* not yet */
    }
    await sleep(100);
  }
  throw new Error('nginx did not start');
}

/** A browser's cookie jar for fetch, good for both instances (one site behind the proxy). */
function jar() {
  const cookies = new Map<string, string>();
  return {
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    keep(res: Response) {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair.indexOf('=');
        cookies.set(pair.slice(0, i), pair.slice(i + 1));
      }
      return res;
    },
  };
}

const tokenOf = (html: string) => /name="_token" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('two instances behind nginx on one PostgreSQL and Redis', { skip: missing }, () => {
  let db: Database;
  let a: ServerProcess;
  let b: ServerProcess;
  let proxy: { url: string; proc: ChildProcess; log: string };

  before(async () => {
    db = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: tempDataDir() });
    const env = {
      DATABASE_URL: process.env.DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL,
      APP_KEY: 'cluster-test-key-cluster-test-key-000',
      TRUST_PROXY: 'true',
      FILES: 'database',
      WORKERS: '1',
      JOBS_MAINTENANCE_SECONDS: '1',
      API_RATE_LIMIT_PER_MINUTE: String(RATE),
    };
    // Started together: both run the migrations, one at a time under the advisory lock.
    [a, b] = await Promise.all([
      startServer({ ...env, DATA_DIR: tempDataDir() }, [JOB_KINDS_IMPORT]),
      startServer({ ...env, DATA_DIR: tempDataDir() }, [JOB_KINDS_IMPORT]),
    ]);
    await createEffectsTable(db);
    proxy = await startNginx([a, b].map((s) => Number(new URL(s.url).port)));
  });
  after(async () => {
    for (const s of [a, b]) if (s && s.proc.exitCode === null) s.proc.kill('SIGTERM');
    await Promise.all([a?.exited, b?.exited]);
    proxy?.proc.kill('SIGQUIT');
    await db?.close();
  });

  async function loginAt(base: string, email: string) {
    const cookies = jar();
    const page = cookies.keep(await fetch(`${base}/login`));
    const res = cookies.keep(
      await fetch(`${base}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies.header(), referer: `${base}/login` },
        body: new URLSearchParams({ _token: tokenOf(await page.text()), email, password: 'password-123' }),
      }),
    );
    assert.equal(res.status, 302, `login at ${base}`);
    assert.equal(res.headers.get('location'), '/');
    return cookies;
  }

  async function admin() {
    const email = `cluster-admin-${newId().toLowerCase()}@example.test`;
    await createUser(db, { role: 'admin', email, password: 'password-123', fullName: 'Cluster Admin' });
    return email;
  }

  test('1. a session started through one instance works through the other', async () => {
    const email = await admin();
    const cookies = await loginAt(a.url, email);
    const res = await fetch(`${b.url}/`, { headers: { cookie: cookies.header() }, redirect: 'manual' });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Cluster Admin/);
    report(1, `logged in on instance A (${a.url}), the dashboard of instance B (${b.url}) knows the user`);
  });

  test('2. the API rate limit is shared', async () => {
    const { auth } = await tenant(db, { skus: false });
    const statuses: number[] = [];
    const remaining: number[] = [];
    for (let i = 0; i < RATE + 4; i++) {
      const res = await fetch(`${(i % 2 ? b : a).url}/api/web/1.0/leads`, { headers: { ...auth, accept: 'application/json' } });
      statuses.push(res.status);
      if (res.status === 200) remaining.push(Number(res.headers.get('x-ratelimit-remaining')));
    }
    assert.deepEqual(statuses, [...Array(RATE).fill(200), 429, 429, 429, 429]);
    assert.deepEqual(
      remaining,
      Array.from({ length: RATE }, (_, i) => RATE - 1 - i),
    );
    report(2, `${RATE + 4} requests alternating A/B with one token (limit ${RATE}/min): ${RATE} answered, then 429 on both`);
  });

  test('3. a picture uploaded through one instance is served by the other (FILES=database)', async () => {
    const email = await admin();
    const { accountId } = await tenant(db, { skus: false });
    const productId = newId();
    await db.query(`INSERT INTO products (id, account_id, sku, name, price) VALUES ($1, $2, 'PIC', 'Pictured', 10)`, [
      productId,
      accountId,
    ]);
    const cookies = await loginAt(a.url, email);
    const page = cookies.keep(await fetch(`${a.url}/products/${productId}/show`, { headers: { cookie: cookies.header() } }));
    assert.equal(page.status, 200);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(50_000, 7)]);
    const form = new FormData();
    form.append('_token', tokenOf(await page.text()));
    form.append('image', new Blob([png], { type: 'image/png' }), 'p.png');
    const up = await fetch(`${a.url}/products/${productId}/image`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
      headers: { cookie: cookies.header(), referer: `${a.url}/products/${productId}/show` },
    });
    assert.equal(up.status, 302, await up.text());
    const got = await fetch(`${b.url}/products/${productId}/image`, { headers: { cookie: cookies.header() } });
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'image/png');
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(png));
    report(3, `a ${png.length}-byte PNG uploaded to A is served byte for byte by B`);
  });

  test('4. a job enqueued runs exactly once, whichever instance takes it', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await db.tx((q) => enqueue(q, 'test.process.steps', { steps: 3, stepMs: 30 })));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1::uuid[]) AND status = 'done'`, [
        ids,
      ]);
      if (rows[0].n === ids.length) break;
      assert.ok(Date.now() < deadline, `jobs done: ${rows[0].n} of ${ids.length}`);
      await sleep(200);
    }
    const { rows } = await db.query<{ job_id: string; step: number; n: number; pids: number }>(
      `SELECT job_id, step, count(*)::int AS n, count(DISTINCT pid)::int AS pids FROM ${EFFECTS_TABLE}
        WHERE job_id = ANY($1::uuid[]) GROUP BY 1, 2`,
      [ids],
    );
    assert.equal(rows.length, ids.length * 3, 'every step of every job ran');
    for (const r of rows) assert.equal(r.n, 1, `job ${r.job_id} step ${r.step} ran once`);
    const { rows: by } = await db.query<{ pid: number; jobs: number }>(
      `SELECT pid, count(DISTINCT job_id)::int AS jobs FROM ${EFFECTS_TABLE} WHERE job_id = ANY($1::uuid[]) GROUP BY 1`,
      [ids],
    );
    const pids = new Set([a.proc.pid, b.proc.pid]);
    for (const r of by) assert.ok(pids.has(r.pid), `run by an instance (${r.pid})`);
    report(4, `${ids.length} jobs × 3 steps, each step once; taken by ${by.map((r) => `pid ${r.pid}: ${r.jobs}`).join(', ')}`);
  });

  test('5. SIGTERM of one instance while requests flow through nginx loses none', async () => {
    const email = await admin();
    const cookies = await loginAt(proxy.url, email);
    const profile = cookies.keep(await fetch(`${proxy.url}/settings/profile`, { headers: { cookie: cookies.header() } }));
    const csrf = tokenOf(await profile.text());
    const paths = ['/up', '/', 'POST /settings/profile', '/products', '/settings/profile'];
    let posted = 0;
    let stop = false;
    const failures: string[] = [];
    let answered = 0;
    const client = async (n: number) => {
      for (let i = n; !stop; i++) {
        const path = paths[i % paths.length];
        const post = path.startsWith('POST ');
        try {
          const res = post
            ? await fetch(`${proxy.url}/settings/profile`, {
                method: 'POST',
                redirect: 'manual',
                headers: {
                  cookie: cookies.header(),
                  'content-type': 'application/x-www-form-urlencoded',
                  referer: `${proxy.url}/settings/profile`,
                },
                body: new URLSearchParams({ _token: csrf, _method: 'PATCH', full_name: `Flow ${n} ${i}` }),
              })
            : await fetch(`${proxy.url}${path}`, { headers: { cookie: cookies.header() }, redirect: 'manual' });
          await res.arrayBuffer();
          if (res.status !== (post ? 302 : 200)) failures.push(`${path}: ${res.status}`);
          else {
            answered++;
            if (post) posted++;
          }
        } catch (err) {
          failures.push(`${path}: ${(err as Error).message}`);
        }
      }
    };
    const clients = Array.from({ length: 8 }, (_, i) => client(i));
    await sleep(3000);
    const before = answered;
    a.proc.kill('SIGTERM');
    const code = await a.exited;
    await sleep(1500);
    stop = true;
    await Promise.all(clients);
    assert.equal(code, 0, 'instance A stopped cleanly');
    assert.deepEqual(failures, []);
    assert.ok(answered > before, 'requests kept being answered after the stop');
    report(
      5,
      `${answered} requests through nginx (8 at a time, ${posted} of them form POSTs), instance A stopped by SIGTERM after ${before}: none lost`,
    );
  });
});

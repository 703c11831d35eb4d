import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { socketPath } from '../src/db/wire.js';
import { lead, tenant, type Tenant } from '../src/test-support/harness.js';
import { until } from '../src/test-support/until.js';
import {
  ownDatabase,
  runCommand,
  spawnProcess,
  startServer,
  tempDataDir,
  withDatabase,
  type ServerProcess,
} from './support/server-process.js';

// Workers killed here must not hold other files' jobs (see ownDatabase).
await ownDatabase();

const thousand = () => ({
  leads: Array.from({ length: 1000 }, (_, i) =>
    lead(i, {
      products: [
        { sku: 'P1', quantity: 1, price: 199 },
        { sku: 'P2', quantity: 2, price: 50 },
      ],
    }),
  ),
});

/** Sends bytes as they are (no client library would send these) and reads until the server closes. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (chunk) => (answer += chunk.toString()));
    // The server closes at once, as Node does; a reset after the answer arrived still leaves the answer.
    socket.on('close', () => (answer ? resolve(answer) : reject(new Error('no answer before the connection closed'))));
    socket.on('error', () => undefined);
  });
}

async function countLeads(dataDir: string, accountId: string): Promise<number> {
  return withDatabase(dataDir, async (db) => {
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM leads WHERE account_id = $1', [accountId]);
    const lines = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM lead_lines ll JOIN leads l ON l.id = ll.lead_id WHERE l.account_id = $1',
      [accountId],
    );
    assert.equal(lines.rows[0].n, rows[0].n * 2, 'every lead keeps both lines');
    return rows[0].n;
  });
}

describe('server process', () => {
  const dataDir = tempDataDir();
  let a: Tenant;
  const env = { DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL };

  before(async () => {
    a = await withDatabase(dataDir, (db) => tenant(db));
  });

  test('a SIGKILL during a 1,000-lead request leaves all of them or none', async () => {
    const body = JSON.stringify(thousand());
    const post = (url: string) =>
      fetch(`${url}/api/web/1.0/leads`, { method: 'POST', headers: { ...a.auth, 'content-type': 'application/json' }, body });
    // Time one full request on a warm server, then kill warm servers at fractions of that time.
    const timing = await startServer(env);
    await post(timing.url);
    const t0 = performance.now();
    assert.equal((await post(timing.url)).status, 201);
    const full = performance.now() - t0;
    timing.proc.kill('SIGTERM');
    await timing.exited;
    let expected = await countLeads(dataDir, a.accountId);
    const outcomes: string[] = [];
    for (const fraction of [0.1, 0.3, 0.5, 0.7, 0.85, 0.95, 1.1]) {
      const server = await startServer(env);
      await fetch(`${server.url}/api/web/1.0/leads?per_page=1`, { headers: a.auth });
      const request = post(server.url).then(
        (r) => String(r.status),
        () => 'aborted',
      );
      await new Promise((r) => setTimeout(r, fraction * full));
      server.proc.kill('SIGKILL');
      const outcome = await request;
      await server.exited;
      const n = await countLeads(dataDir, a.accountId);
      assert.ok(n === expected || n === expected + 1000, `after a kill at ${fraction} of a request: ${n - expected} new leads`);
      if (outcome === '201') assert.equal(n, expected + 1000, 'a 201 answer means the leads are stored');
      outcomes.push(`${fraction}:${outcome}:${n - expected}`);
      expected = n;
    }
    assert.ok(
      outcomes.some((o) => o.includes('aborted')),
      `some kills landed mid-request: ${outcomes.join(' ')}`,
    );
  });

  test(
    'on the embedded database, a file a killed process left half-written is removed at the next start',
    { skip: Boolean(process.env.DATABASE_URL) && 'embedded database only' },
    async () => {
      // What a SIGKILL during an export leaves: the temporary name the file store writes to before its rename.
      const part = join(dataDir, 'uploads', 'exports', 'e1.xlsx.0123456789ab.part');
      const whole = join(dataDir, 'uploads', 'exports', 'e0.csv');
      mkdirSync(join(dataDir, 'uploads', 'exports'), { recursive: true });
      writeFileSync(part, 'PK half a file');
      writeFileSync(whole, 'reference\n');
      const server = await startServer(env);
      try {
        assert.ok(!existsSync(part), 'the partial file is gone');
        assert.ok(existsSync(whole), 'a whole file stays');
      } finally {
        server.proc.kill('SIGTERM');
        await server.exited;
      }
    },
  );

  test('SIGTERM lets a request in flight finish, then exits 0', async () => {
    const before = await countLeads(dataDir, a.accountId);
    const server = await startServer(env);
    // The request is surely in flight: its head and half its body are sent before the SIGTERM, the
    // rest after it.
    const body = Buffer.from(JSON.stringify(thousand()));
    const url = new URL(`${server.url}/api/web/1.0/leads`);
    const status = new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { ...a.auth, 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, body.length / 2));
      setTimeout(() => {
        server.proc.kill('SIGTERM');
        setTimeout(() => req.end(body.subarray(body.length / 2)), 200);
      }, 500);
    });
    assert.equal(await status, 201);
    assert.equal(await server.exited, 0);
    assert.equal(await countLeads(dataDir, a.accountId), before + 1000);
  });

  test('SIGTERM: new connections are refused, a kept-alive one is still answered, with Connection: close', async () => {
    const server = await startServer(env);
    const port = Number(new URL(server.url).port);
    // A proxy's kept-alive connection: one request answered, then idle when the SIGTERM comes.
    const kept = connect(port, '127.0.0.1');
    let received = '';
    const closed = new Promise<void>((resolve) => kept.on('close', () => resolve()));
    kept.on('data', (chunk) => (received += chunk.toString()));
    kept.on('error', () => undefined);
    const get = 'GET /up HTTP/1.1\r\nHost: codops\r\n\r\n';
    kept.write(get);
    await until('the first answer', () => /^HTTP\/1\.1 200 [^]*\r\n\r\n/.test(received));
    assert.doesNotMatch(received, /connection: close/i);
    received = '';
    server.proc.kill('SIGTERM');
    const refused = () =>
      new Promise<boolean>((resolve) => {
        const probe = connect(port, '127.0.0.1', () => (probe.destroy(), resolve(false)));
        probe.on('error', () => resolve(true));
      });
    await until('the listener to close', refused, 5_000);
    // Before, the idle connection was closed at once: a request a proxy had just sent on it was lost.
    kept.write(get);
    await closed;
    assert.match(received, /^HTTP\/1\.1 200 /);
    assert.match(received, /\r\nconnection: close\r\n/i);
    assert.equal(await server.exited, 0);
  });

  test(
    'PGlite: a second process on the same data directory gets a clear error',
    { skip: Boolean(process.env.DATABASE_URL) && 'PGlite only' },
    async () => {
      const server: ServerProcess = await startServer(env);
      try {
        const second = await runCommand(['src/server.ts'], { ...env, PORT: '0' });
        assert.notEqual(second.code, 0);
        assert.match(second.stderr, /^codops: The data directory .+ is in use by another codops process \(pid \d+\)\./);
        // A command reaches the database through the running server's socket…
        const through = await runCommand(['src/cli/index.ts', 'account:create', '--name', 'X', '--json'], env);
        assert.equal(through.code, 0, through.stderr);
        assert.equal(JSON.parse(through.stdout).name, 'X');
        // …and the demo's links name that server's address, not the command's own PORT (3000 here).
        const demo = await runCommand(['src/cli/index.ts', 'demo'], env);
        assert.equal(demo.code, 0, demo.stderr);
        assert.ok(demo.stdout.includes(`Open ${server.url}/login and log in as:`), demo.stdout);
        // …but a worker does not: the server runs the jobs of its database itself.
        const worker = await runCommand(['src/cli/index.ts', 'worker'], env);
        assert.equal(worker.code, 1, worker.stderr);
        assert.match(
          worker.stderr,
          /^codops: The server running on this DATA_DIR holds its embedded database, so only that server runs its background jobs \(when started with WORKERS above 0\): stop it/,
        );
        // …and without it (a process that does not answer) is refused in one line.
        unlinkSync(socketPath(env.DATA_DIR));
        const cli = await runCommand(['src/cli/index.ts', 'account:create', '--name', 'X'], env);
        assert.equal(cli.code, 1);
        assert.equal(cli.stderr.trim().split('\n').length, 1);
        assert.match(cli.stderr, /is in use by another codops process/);
        assert.equal((await fetch(`${server.url}/up`)).status, 200, 'the first process still serves');
      } finally {
        server.proc.kill('SIGTERM');
        await server.exited;
      }
    },
  );

  test('at the default log level, each request is one line on stdout, written when it is answered; a replay logs no error', async () => {
    const server = await startServer({ ...env, LOG_LEVEL: 'info' });
    try {
      const headers = { ...a.auth, 'x-request-id': 'access-log-shown' };
      assert.equal((await fetch(`${server.url}/api/web/1.0/leads?per_page=1`, { headers })).status, 200);
      // A write sent twice with one Idempotency-Key: the second is answered from the first.
      const write = (id: string) =>
        fetch(`${server.url}/api/web/1.0/leads`, {
          method: 'POST',
          headers: { ...a.auth, 'content-type': 'application/json', 'idempotency-key': 'access-log-key', 'x-request-id': id },
          body: JSON.stringify({ leads: [lead(1)] }),
        });
      const created = await write('access-log-created');
      const replayed = await write('access-log-replayed');
      assert.equal(created.status, 201);
      assert.equal(replayed.status, 201);
      assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
      assert.equal(await replayed.text(), await created.text());
      const missing = await fetch(`${server.url}/api/web/1.0/leads/LD-99999`, {
        headers: { ...headers, 'x-request-id': 'access-log-missing' },
      });
      assert.equal(missing.status, 404);
      const lines = (id: string) =>
        server
          .output()
          .split('\n')
          .filter((l) => l.includes(`"reqId":"${id}"`))
          .map((l) => JSON.parse(l) as Record<string, any>);
      const [shown] = await until(
        'the log line',
        () => lines('access-log-shown').length > 0 && lines('access-log-missing').length > 0 && lines('access-log-shown'),
      );
      assert.equal(lines('access-log-shown').length, 1, server.output());
      assert.equal(shown.msg, 'request completed');
      assert.deepEqual([shown.req.method, shown.req.url, shown.res.statusCode], ['GET', '/api/web/1.0/leads?per_page=1', 200]);
      assert.equal(typeof shown.responseTime, 'number');
      assert.equal(lines('access-log-missing')[0].res.statusCode, 404);
      assert.deepEqual(
        lines('access-log-replayed').map((l) => [l.level, l.msg, l.res?.statusCode]),
        [[30, 'request completed', 201]],
        'the replay is one info line, no error',
      );
      assert.ok(!server.output().includes('incoming request'));

      // What Node's parser refuses before any route: the catalogue's shape, and one line each.
      const port = Number(new URL(server.url).port);
      const longUrl = await rawExchange(port, `GET /api/web/1.0/leads?search=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.match(longUrl, /^HTTP\/1\.1 431 /);
      assert.equal(longUrl.split('\r\n\r\n')[1], '{"message":"The request URL or headers are too large."}');
      const garbage = await rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n');
      assert.match(garbage, /^HTTP\/1\.1 400 /);
      assert.match(garbage, /content-type: application\/json; charset=utf-8/i);
      assert.equal(garbage.split('\r\n\r\n')[1], '{"message":"The request is not valid HTTP."}');
      const refused = await until('the refusals logged', () => {
        const found = server
          .output()
          .split('\n')
          .filter((l) => l.includes('"request refused"'))
          .map((l) => JSON.parse(l) as Record<string, any>);
        return found.length === 2 && found;
      });
      assert.deepEqual(
        refused.map((l) => [l.level, l.res.statusCode, l.remoteAddress]),
        [
          [30, 431, '127.0.0.1'],
          [30, 400, '127.0.0.1'],
        ],
      );
      assert.ok(!server.output().includes(a.auth.authorization.split('|')[1]), 'no secret in the log');
    } finally {
      server.proc.kill('SIGTERM');
      await server.exited;
    }
  });

  test('PORT=0: the setup link names the port the system chose (it said http://127.0.0.1:0/setup/…)', async () => {
    const server = spawnProcess(['src/server.ts'], { DATA_DIR: tempDataDir(), DATABASE_URL: '', PORT: '0', LOG_LEVEL: 'warn' });
    try {
      const [, url] = await server.waitFor(/no admin yet\. Open (http:\/\/127\.0\.0\.1:\d+\/setup\/\S+) /, 120_000);
      assert.notEqual(new URL(url).port, '0', url);
      assert.equal((await fetch(url)).status, 200, url);
    } finally {
      server.proc.kill('SIGTERM');
      await server.exited;
    }
  });

  test('a bad environment variable stops the boot with a message naming it', async () => {
    for (const [name, value] of [
      ['PORT', 'abc'],
      ['API_RATE_LIMIT_PER_MINUTE', '0'],
      ['DATABASE_URL', 'mysql://x'],
      ['LOG_LEVEL', 'loud'],
      ['APP_URL', 'ftp://example.com'],
      // Found only when listening: said as the variable to change, not as the database being unreachable.
      ['HOST', 'not_a_host'],
    ]) {
      const r = await runCommand(['src/server.ts'], { ...env, [name]: value });
      assert.equal(r.code, 1, name);
      assert.match(r.stderr, new RegExp(`^codops: Invalid ${name}: `), r.stderr);
    }
    // The value is echoed escaped: an escape sequence in it would act on the terminal.
    const r = await runCommand(['src/server.ts'], { ...env, TIMEZONE: 'Mars\u001b[2J\nBase' });
    assert.equal(r.stderr, 'codops: Invalid TIMEZONE: "Mars\\u001b[2J\\u000aBase" is not an IANA time zone.\n');
  });
});

describe(
  'rate limit shared through Redis',
  { skip: !(process.env.REDIS_URL && process.env.DATABASE_URL) && 'needs REDIS_URL and DATABASE_URL' },
  () => {
    let servers: ServerProcess[] = [];
    let a: Tenant;
    const env = { DATA_DIR: tempDataDir(), API_RATE_LIMIT_PER_MINUTE: '6' };

    before(async () => {
      a = await withDatabase(env.DATA_DIR, (db) => tenant(db));
      servers = await Promise.all([startServer(env), startServer(env)]);
    });
    after(async () => {
      for (const s of servers) s.proc.kill('SIGTERM');
      await Promise.all(servers.map((s) => s.exited));
    });

    test('two processes count one token together', async () => {
      const statuses: number[] = [];
      const remaining: string[] = [];
      for (let i = 0; i < 8; i++) {
        const r = await fetch(`${servers[i % 2].url}/api/web/1.0/leads`, { headers: a.auth });
        statuses.push(r.status);
        remaining.push(r.headers.get('x-ratelimit-remaining')!);
        if (r.status === 429) {
          assert.deepEqual(await r.json(), { message: 'Too Many Attempts.' });
          assert.ok(Number(r.headers.get('retry-after')) > 0);
          assert.ok(Number(r.headers.get('x-ratelimit-reset')) > Date.now() / 1000);
        }
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429, 429]);
      assert.deepEqual(remaining.slice(0, 6), ['5', '4', '3', '2', '1', '0']);
    });
  },
);

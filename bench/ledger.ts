// `npm run bench:ledger`: the balance and the ledger list at scale. Loads 1,000,000 ledger rows into
// one account with raw INSERT … SELECT generate_series (delivered credits and their fee rows with a
// running balance_after), starts the real server, logs a seller in through the login form, and times
// GET /balance and GET /balance-histories (first page, a deep page, filters) over 50 requests each;
// prints p50/p99 and writes bench/ledger-results.json.
//
//   npm run bench:ledger                      PostgreSQL: DATABASE_URL, else a temporary codops_ledger_<time> database
//   npm run bench:ledger -- --pglite          the embedded database, in a fresh temporary DATA_DIR
//   options: --rows 1000000 --requests 50 --warmups 10 --out <file> --keep
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { newId } from '../src/lib/ids.js';
import { freePort, type HttpResult, percentile, request, round, writeJson } from './lib.js';
import { createAccount } from '../src/modules/accounts/service.js';
import { createUser } from '../src/modules/users/service.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const APP_KEY = 'bench-key-bench-key-bench-key-bench-key-00';
const PASSWORD = 'password-123';
const BATCH = 200_000;

const { values: args } = parseArgs({
  options: {
    pglite: { type: 'boolean', default: false },
    rows: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '50' },
    warmups: { type: 'string', default: '10' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const opt = {
  pglite: args.pglite!,
  rows: Number(args.rows),
  requests: Number(args.requests),
  warmups: Number(args.warmups),
  out: resolve(ROOT, args.out ?? (args.pglite ? 'bench/ledger-results-pglite.json' : 'bench/ledger-results.json')),
};
const log = (msg: string) => console.error(`[bench:ledger ${new Date().toISOString().slice(11, 19)}] ${msg}`);

// ---------------------------------------------------------------- helpers

function stats(ms: number[]) {
  return {
    requests: ms.length,
    p50_ms: round(percentile(ms, 50)),
    p99_ms: round(percentile(ms, 99)),
    min_ms: round(Math.min(...ms)),
    max_ms: round(Math.max(...ms)),
    mean_ms: round(ms.reduce((a, b) => a + b, 0) / ms.length),
  };
}

// ---------------------------------------------------------------- data

/**
 * Loads `count` ledger rows into the account: orders of 4 rows each (delivered +200.00, fulfilment
 * −10.00, delivery −25.00, cod −2.00) spread over a year, balance_after running, and the balance row.
 */
async function loadLedger(db: Database, accountId: string, count: number): Promise<number> {
  const start = Date.now() - 365 * 24 * 3600 * 1000;
  for (let from = 0; from < count; from += BATCH) {
    const n = Math.min(BATCH, count - from);
    await db.query(
      `INSERT INTO balance_histories (account_id, kind, amount, balance_after, order_reference, attempt, created_at)
       SELECT $1, k.kind, k.amount,
              (g / 4) * 163.00 + CASE g % 4 WHEN 0 THEN 0 WHEN 1 THEN 200 WHEN 2 THEN 190 ELSE 165 END + k.amount,
              'ORD-' || lpad(((g / 4) + 1)::text, greatest(5, length(((g / 4) + 1)::text)), '0'), 1,
              $4::timestamptz + (g * interval '31 seconds')
         FROM generate_series($2::bigint, $3::bigint) AS g
         CROSS JOIN LATERAL (SELECT (ARRAY['delivered', 'fulfilment_fee', 'delivery_fee', 'cod_fee'])[(g % 4) + 1] AS kind,
                                    (ARRAY[200.00, -10.00, -25.00, -2.00])[(g % 4) + 1]::numeric AS amount) k
        ORDER BY g`,
      [accountId, from, from + n - 1, new Date(start).toISOString()],
    );
    log(`loaded ${from + n} / ${count} ledger rows`);
  }
  const { rows } = await db.query<{ b: string }>(
    `INSERT INTO account_balances (account_id, balance, row_count)
     SELECT $1, balance_after, (SELECT count(*) FROM balance_histories WHERE account_id = $1) FROM balance_histories WHERE account_id = $1 ORDER BY id DESC LIMIT 1
     ON CONFLICT (account_id) DO UPDATE SET balance = excluded.balance, row_count = excluded.row_count RETURNING balance::text AS b`,
    [accountId],
  );
  return Number(rows[0].b);
}

// ---------------------------------------------------------------- main

async function main() {
  const cleanups: (() => Promise<unknown>)[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'codops-ledger-bench-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  let databaseUrl: string | undefined;
  let databaseLabel = `pglite in ${dataDir}`;
  if (!opt.pglite) {
    if (process.env.DATABASE_URL) {
      databaseUrl = process.env.DATABASE_URL;
      databaseLabel = 'DATABASE_URL (an account of its own is added; nothing else touched)';
    } else {
      const name = `codops_ledger_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${process.pid}`;
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(ADMIN_URL);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
      databaseLabel = `temporary database ${name} (dropped at the end)`;
      if (args.keep) log(`keeping ${url}`);
      else
        cleanups.push(async () => {
          const c = new pg.Client({ connectionString: ADMIN_URL });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await c.end();
        });
    }
  }
  const runCleanups = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err) => log(`cleanup failed: ${err}`));
  };

  try {
    // ------------------------------------------------------------ load
    const db = await openDatabase({ databaseUrl, dataDir });
    let kind: string;
    let balance: number;
    let email: string;
    const adminEmail = `bench-admin-${newId().toLowerCase()}@example.test`;
    const loadStart = performance.now();
    try {
      await migrate(db);
      kind =
        db.kind === 'postgres'
          ? `postgres ${(await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v}`
          : 'pglite';
      const { id: accountId } = await createAccount(db, { name: `Bench shop ${newId().slice(-6)}` });
      email = `bench-seller-${newId().toLowerCase()}@example.test`;
      await createUser(db, { role: 'seller', email, password: PASSWORD, fullName: 'Bench seller', accountId });
      await createUser(db, { role: 'admin', email: adminEmail, password: PASSWORD, fullName: 'Bench admin' });
      balance = await loadLedger(db, accountId, opt.rows);
      // A table in service has been vacuumed and analysed (autovacuum would, moments after such a load).
      await db.query('VACUUM ANALYZE balance_histories');
    } finally {
      await db.close();
    }
    const loadSeconds = round((performance.now() - loadStart) / 1000);
    log(`${opt.rows} ledger rows loaded in ${loadSeconds} s (balance ${balance})`);

    // ------------------------------------------------------------ server
    const port = await freePort();
    const env = {
      ...process.env,
      APP_KEY,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl ?? '',
    };
    if (!databaseUrl) delete (env as Record<string, string | undefined>).DATABASE_URL;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output = (output + d).slice(-10_000)));
    child.stderr!.on('data', (d) => (output = (output + d).slice(-10_000)));
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    cleanups.push(async () => {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    });
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
      if (Date.now() > deadline) throw new Error(`server did not answer /up: ${output}`);
      if ((await request(`${base}/up`).catch(() => undefined))?.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    // ------------------------------------------------------------ log in through the form
    /** Logs in like a browser (GET /login for the CSRF token, POST the form); answers the Cookie header. */
    const logIn = async (who: string): Promise<string> => {
      const cookies = new Map<string, string>();
      const keep = (res: HttpResult) => {
        for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
          const [pair] = c.split(';');
          const [name, ...value] = pair.split('=');
          cookies.set(name.trim(), value.join('='));
        }
        return res;
      };
      const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const loginPage = keep(await request(`${base}/login`, { headers: { accept: 'text/html' } }));
      const token = /name="_token" value="([^"]+)"/.exec(loginPage.body)?.[1];
      if (!token) throw new Error('no CSRF token on /login');
      const loggedIn = keep(
        await request(`${base}/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie: cookie(), referer: `${base}/login` },
          body: new URLSearchParams({ _token: token, email: who, password: PASSWORD }).toString(),
        }),
      );
      if (loggedIn.status !== 302 || loggedIn.headers.location === '/login')
        throw new Error(`login failed: ${loggedIn.status} ${loggedIn.headers.location}`);
      return cookie();
    };
    const seller = await logIn(email);

    // ------------------------------------------------------------ measure
    const measure = async (path: string, opts: { accept?: string; cookie?: string; who?: string } = {}) => {
      const accept = opts.accept ?? 'application/json';
      const one = async () => {
        const res = await request(`${base}${path}`, { headers: { accept, cookie: opts.cookie ?? seller } });
        if (res.status !== 200 || !/"(balance|data)"|<caption class="sr-only">Ledger</.test(res.body))
          throw new Error(`GET ${path}: ${res.status} ${res.body.slice(0, 300)}`);
        return res;
      };
      for (let i = 0; i < opt.warmups; i++) await one();
      const ms: number[] = [];
      let bytes = 0;
      for (let i = 0; i < opt.requests; i++) {
        const res = await one();
        ms.push(res.ms);
        bytes = res.body.length;
      }
      return { path, accept, as: opts.who ?? 'seller', ...stats(ms), response_bytes: bytes, samples_ms: ms.map((m) => round(m, 2)) };
    };
    const loadAvgStart = os.loadavg().map((l) => round(l, 2));
    const paths: [string, string?][] = [
      ['/balance'],
      ['/balance-histories'],
      ['/balance-histories?per_page=50&page=2'],
      ['/balance-histories?kind=cod_fee'],
      ['/balance-histories?order_reference=ORD-125000'],
      ['/balance-histories?created_from=2026-01-01&created_to=2026-01-31'],
      ['/balance-histories?page=10000'],
      ['/balance-histories', 'text/html'],
    ];
    const results = [];
    for (const [path, accept] of paths) {
      const r = await measure(path, { accept });
      results.push(r);
      log(`GET ${path}${accept ? ' (HTML)' : ''}: p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`);
    }
    const result = {
      benchmark: 'the balance and the ledger list at scale (npm run bench:ledger)',
      machine: {
        cpu_model: os.cpus()[0]?.model ?? 'unknown',
        cpu_count: os.cpus().length,
        total_memory_mb: Math.round(os.totalmem() / 1024 / 1024),
        node: process.version,
        date: new Date().toISOString(),
        load_average_at_start: loadAvgStart,
        load_average_at_end: os.loadavg().map((l) => round(l, 2)),
      },
      database: { kind, where: databaseLabel },
      server:
        'node --import tsx src/server.ts (LOG_LEVEL=warn), one process, requests one at a time on a kept-alive connection, as the seller',
      data: { ledger_rows_in_account: opt.rows, balance, load_seconds: loadSeconds, vacuum_analyze_after_load: true },
      results,
    };
    await writeJson(opt.out, result);
    console.log(
      `\nBalance and ledger, ${opt.rows.toLocaleString('en-US')} ledger rows in one account (${kind}), ${opt.requests} requests each\n`,
    );
    console.log(`${'request'.padEnd(62)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}`);
    for (const r of results)
      console.log(
        `${`${r.path}${r.accept === 'text/html' ? ' (HTML)' : ''}`.padEnd(62)} ${String(r.p50_ms).padStart(8)} ${String(r.p99_ms).padStart(8)} ${String(r.max_ms).padStart(8)}`,
      );
    console.log(`written to ${opt.out}`);
  } finally {
    await runCleanups();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// `npm run bench:pages`: the leads page at scale. Loads 200,000 leads into one account with raw
// `unnest` inserts, starts the real server, logs a seller in through the login form, and times
// GET /leads?status=new (HTML) over 50 requests; prints p50/p99 and writes bench/pages-results.json.
//
//   npm run bench:pages                      PostgreSQL: DATABASE_URL, else a temporary codops_pages_<time> database
//   npm run bench:pages -- --pglite          the embedded database, in a fresh temporary DATA_DIR
//   options: --leads 200000 --requests 50 --warmups 10 --out <file>
//            --keep (leave the temporary database in place, to EXPLAIN the queries afterwards)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import os, { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { newId } from '../src/lib/ids.js';
import { formatReference } from '../src/lib/references.js';
import { createAccount } from '../src/modules/accounts/service.js';
import { createProduct } from '../src/modules/products/service.js';
import { createUser } from '../src/modules/users/service.js';
import { STATUS_MIX } from './raw.js';
import { writeJson } from './lib.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const APP_KEY = 'bench-key-bench-key-bench-key-bench-key-00';
const PASSWORD = 'password-123';
const BATCH = 20_000;
const PRODUCTS = 20;

const { values: args } = parseArgs({
  options: {
    pglite: { type: 'boolean', default: false },
    leads: { type: 'string', default: '200000' },
    requests: { type: 'string', default: '50' },
    warmups: { type: 'string', default: '10' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const opt = {
  pglite: args.pglite!,
  leads: Number(args.leads),
  requests: Number(args.requests),
  warmups: Number(args.warmups),
  out: resolve(ROOT, args.out ?? (args.pglite ? 'bench/pages-results-pglite.json' : 'bench/pages-results.json')),
};
const log = (msg: string) => console.error(`[bench:pages ${new Date().toISOString().slice(11, 19)}] ${msg}`);

// ---------------------------------------------------------------- helpers

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
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

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}
function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Res> {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolvePromise({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - start,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolvePort(port));
    });
  });
}

// ---------------------------------------------------------------- data

/** Loads `count` leads (one line each, a null → new history row each) into the account with unnest inserts. */
async function loadLeads(db: Database, accountId: string, sellerId: string, count: number): Promise<Record<string, number>> {
  const products: { id: string; sku: string; name: string }[] = [];
  for (let i = 1; i <= PRODUCTS; i++) {
    const sku = `SKU-${String(i).padStart(3, '0')}`;
    const { id } = await createProduct(db, { accountId, sku, name: `Product ${i}`, price: 100 + i });
    products.push({ id, sku, name: `Product ${i}` });
  }
  const cumulative: [string, number][] = [];
  let acc = 0;
  for (const [s, share] of STATUS_MIX) cumulative.push([s, (acc += share)]);
  const statusAt = (i: number) => {
    const x = ((i * 2654435761) % 1_000_003) / 1_000_003; // spread, deterministic
    return cumulative.find(([, c]) => x < c)?.[0] ?? 'new';
  };
  const counts: Record<string, number> = {};
  const now = Date.now();
  const span = 180 * 24 * 3600 * 1000;
  for (let start = 0; start < count; start += BATCH) {
    const n = Math.min(BATCH, count - start);
    const ids: string[] = [];
    const refs: string[] = [];
    const names: string[] = [];
    const phones: string[] = [];
    const normalized: string[] = [];
    const cities: string[] = [];
    const statuses: string[] = [];
    const created: string[] = [];
    const productIds: string[] = [];
    const skus: string[] = [];
    const productNames: string[] = [];
    const quantities: number[] = [];
    for (let k = 0; k < n; k++) {
      const i = start + k;
      ids.push(newId());
      refs.push(formatReference('lead', i + 1));
      names.push(`Customer ${i}`);
      const local = String(600_000_000 + i).padStart(9, '0');
      phones.push(`0${local}`);
      normalized.push(`+212${local}`);
      cities.push(['Casablanca', 'Rabat', 'Marrakech', 'Fès', 'Tanger', 'Agadir'][i % 6]);
      const s = statusAt(i);
      statuses.push(s);
      counts[s] = (counts[s] ?? 0) + 1;
      created.push(new Date(now - span + Math.floor((span * i) / count)).toISOString());
      const p = products[i % PRODUCTS];
      productIds.push(p.id);
      skus.push(p.sku);
      productNames.push(p.name);
      quantities.push(1 + (i % 3));
    }
    await db.tx(async (q) => {
      await q.query(
        `INSERT INTO leads (id, account_id, reference, status, full_name, phone, phone_normalized, city, total, call_attempts, created_at, updated_at)
         SELECT c.id, $1, c.reference, c.status, c.full_name, c.phone, c.phone_normalized, c.city, c.quantity * 199,
                (c.status = 'no_reply')::int, c.created_at, c.created_at
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::timestamptz[])
             AS c(id, reference, status, full_name, phone, phone_normalized, city, quantity, created_at)`,
        [accountId, ids, refs, statuses, names, phones, normalized, cities, quantities, created],
      );
      await q.query(
        `INSERT INTO lead_lines (lead_id, position, product_id, sku, name, quantity, price)
         SELECT c.lead_id, 0, c.product_id, c.sku, c.name, c.quantity, 199
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[]) AS c(lead_id, product_id, sku, name, quantity)`,
        [ids, productIds, skus, productNames, quantities],
      );
      await q.query(
        `INSERT INTO lead_histories (account_id, lead_id, old_status, new_status, changed_by, user_id, created_at)
         SELECT $1, c.id, NULL, 'new', 'Bench seller', $2, c.created_at FROM unnest($3::text[], $4::timestamptz[]) AS c(id, created_at)`,
        [accountId, sellerId, ids, created],
      );
    });
    log(`loaded ${start + n} / ${count} leads`);
  }
  await db.query(`SELECT setval(reference_sequence($1, 'lead'), $2)`, [accountId, count]);
  return counts;
}

// ---------------------------------------------------------------- main

async function main() {
  const cleanups: (() => Promise<unknown>)[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'codops-pages-bench-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  let databaseUrl: string | undefined;
  let databaseLabel = `pglite in ${dataDir}`;
  if (!opt.pglite) {
    if (process.env.DATABASE_URL) {
      databaseUrl = process.env.DATABASE_URL;
      databaseLabel = 'DATABASE_URL (an account of its own is added; nothing else touched)';
    } else {
      const name = `codops_pages_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${process.pid}`;
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
    let counts: Record<string, number>;
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
      const { id: sellerId } = await createUser(db, { role: 'seller', email, password: PASSWORD, fullName: 'Bench seller', accountId });
      await createUser(db, { role: 'admin', email: adminEmail, password: PASSWORD, fullName: 'Bench admin' });
      counts = await loadLeads(db, accountId, sellerId, opt.leads);
      // A table in service has been vacuumed and analysed (autovacuum would, moments after such a load).
      for (const table of ['leads', 'lead_lines', 'lead_histories']) await db.query(`VACUUM ANALYZE ${table}`);
    } finally {
      await db.close();
    }
    const loadSeconds = round((performance.now() - loadStart) / 1000);
    log(`${opt.leads} leads loaded in ${loadSeconds} s (${JSON.stringify(counts)})`);

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
      const keep = (res: Res) => {
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
    const admin = await logIn(adminEmail);

    // ------------------------------------------------------------ measure
    const measure = async (path: string, opts: { accept?: string; cookie?: string; who?: string } = {}) => {
      const accept = opts.accept ?? 'text/html';
      const one = async () => {
        const res = await request(`${base}${path}`, { headers: { accept, cookie: opts.cookie ?? seller } });
        if (res.status !== 200 || !/LD-\d{5}/.test(res.body)) throw new Error(`GET ${path}: ${res.status} ${res.body.slice(0, 300)}`);
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
    const target = await measure('/leads?status=new');
    log(`GET /leads?status=new: p50 ${target.p50_ms} ms, p99 ${target.p99_ms} ms`);
    // For comparison: the other tabs, a search, the JSON body and a deep page.
    const others = [];
    for (const path of ['/leads', '/leads?status=call_later', '/leads?search=Customer%20199999', '/leads?status=new&page=2000']) {
      const r = await measure(path);
      others.push(r);
      log(`GET ${path}: p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`);
    }
    const json = await measure('/leads?status=new', { accept: 'application/json' });
    log(`GET /leads?status=new (JSON): p50 ${json.p50_ms} ms, p99 ${json.p99_ms} ms`);
    const staff = await measure('/leads?status=new', { cookie: admin, who: 'admin (every account)' });
    log(`GET /leads?status=new as an admin: p50 ${staff.p50_ms} ms, p99 ${staff.p99_ms} ms`);

    const result = {
      benchmark: 'leads page at scale (npm run bench:pages)',
      target: 'GET /leads?status=new renders in under 300 ms with 200,000 leads in the account',
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
      server: 'node --import tsx src/server.ts (LOG_LEVEL=warn), one process, requests one at a time on a kept-alive connection',
      data: {
        leads_in_account: opt.leads,
        per_status: counts,
        lines_per_lead: 1,
        load_seconds: loadSeconds,
        vacuum_analyze_after_load: true,
      },
      leads_new_html: { ...target, under_target: target.p99_ms < 300 },
      comparison: [...others, json, staff],
    };
    await writeJson(opt.out, result);
    const rows = [target, ...others, json, staff].map(
      (r) =>
        `${`${r.path}${r.accept === 'application/json' ? ' (JSON)' : ''}${r.as === 'seller' ? '' : ' (admin)'}`.padEnd(42)} ${String(r.p50_ms).padStart(8)} ${String(r.p99_ms).padStart(8)} ${String(r.max_ms).padStart(8)}`,
    );
    console.log(`\nLeads page, ${opt.leads.toLocaleString('en-US')} leads in one account (${kind}), ${opt.requests} requests each\n`);
    console.log(`${'request'.padEnd(42)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}`);
    for (const r of rows) console.log(r);
    console.log(`\ntarget: /leads?status=new under 300 ms — ${target.p99_ms < 300 ? 'met' : 'NOT met'} (p99 ${target.p99_ms} ms)`);
    console.log(`written to ${opt.out}`);
  } finally {
    await runCleanups();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

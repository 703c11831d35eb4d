// What the benchmark modes share: a temporary database, shops made with the project's own code, the
// server as a child process, concurrent clients and their statistics.
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Database, Queryable } from '../src/db/database.js';
import { createAccount } from '../src/modules/accounts/service.js';
import { createProduct } from '../src/modules/products/service.js';
import { SCOPES } from '../src/core/scopes.js';
import { createToken } from '../src/modules/tokens/tokens.js';
import { createUser } from '../src/modules/users/service.js';
import { freePort, percentile, request, round, sleep, startServer, watchRss, type Server } from './lib.js';
import type { BenchProduct, HistoryActor } from './raw.js';

export const API = '/api/web/1.0';
export const APP_KEY = 'bench-key-bench-key-bench-key-bench-key-00';
export const PASSWORD = 'bench-password-123';
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export const log = (msg: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

const cleanups: { label: string; fn: () => Promise<unknown> }[] = [];
export const onCleanup = (label: string, fn: () => Promise<unknown>) => cleanups.unshift({ label, fn });
export async function cleanup() {
  for (const c of cleanups.splice(0)) {
    await c.fn().catch((err) => log(`cleanup "${c.label}" failed: ${err instanceof Error ? err.message : err}`));
  }
}

/** A fresh PostgreSQL database, dropped at the end; answers its URL. */
export async function temporaryDatabase(label: string): Promise<string> {
  const name = `codops_${label}_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  onCleanup(`drop database ${name}`, async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export function temporaryDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'codops-bench-'));
  onCleanup('remove DATA_DIR', async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Shop {
  accountId: string;
  email: string;
  products: BenchProduct[];
  actor: HistoryActor;
  auth: { authorization: string };
}

/** An account with a seller (who can log in), `productCount` products and an all-scopes token. */
export async function makeShop(db: Database | Queryable, name: string, productCount = 20): Promise<Shop> {
  const tx = 'tx' in db ? db.tx.bind(db) : (fn: (q: Queryable) => Promise<Shop>) => fn(db);
  return tx(async (q) => {
    const { id: accountId } = await createAccount(q, { name });
    const email = `${name.toLowerCase().replace(/\W+/g, '-')}-${Date.now()}@example.com`;
    const { id: userId } = await createUser(q, { role: 'seller', email, password: PASSWORD, fullName: `${name} seller`, accountId });
    const products: BenchProduct[] = [];
    for (let i = 1; i <= productCount; i++) {
      const p = { sku: `BENCH-${String(i).padStart(3, '0')}`, name: `Bench product ${i}`, price: 50 + i * 10 };
      const { id } = await createProduct(q, { accountId, ...p });
      products.push({ id, ...p });
    }
    const token = await createToken(q, { userId, accountId, name: 'Bench', scopes: [...SCOPES], expiresAt: null });
    return {
      accountId,
      email,
      products,
      actor: { label: 'API token "Bench"', userId, tokenId: token.id },
      auth: { authorization: `Bearer ${token.token}` },
    };
  });
}

/** Starts the server of `root` (its own migrations run at boot) on PostgreSQL or in `dataDir`. */
export async function launch(root: string, args: string[], db: { url?: string; dataDir: string }) {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', APP_KEY };
  Object.assign(env, { API_RATE_LIMIT_PER_MINUTE: '1000000', DATA_DIR: db.dataDir });
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  if (db.url) env.DATABASE_URL = db.url;
  const server = await startServer(root, args, env, port);
  onCleanup('stop server', async () => server.stop());
  const rss = watchRss(server.child.pid!);
  onCleanup('stop RSS watch', async () => rss.stop());
  return { server, rss };
}

export function stats(ms: number[]) {
  if (ms.length === 0) return { count: 0, p50_ms: 0, p99_ms: 0, max_ms: 0 };
  return {
    count: ms.length,
    p50_ms: round(percentile(ms, 50), 2),
    p99_ms: round(percentile(ms, 99), 2),
    // Not Math.max(...ms): a soak has more samples than the call stack has room for arguments.
    max_ms: round(
      ms.reduce((a, b) => Math.max(a, b), 0),
      2,
    ),
  };
}

/** `clients` loops at once, each calling `fn` `perClient` times; answers every call's ms and the wall time. */
export async function clientLoops(clients: number, perClient: number, fn: (client: number, i: number) => Promise<number>) {
  const samples: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < perClient; i++) samples.push(await fn(c, i));
    }),
  );
  return { samples, wallSeconds: (performance.now() - t0) / 1000 };
}

/** One JSON POST that must answer `want`; answers its ms. */
export async function post(base: string, path: string, auth: Record<string, string>, body: string, want = 201, method = 'POST') {
  const r = await request(`${base}${path}`, { method, headers: { ...auth, 'content-type': 'application/json' }, body });
  if (r.status !== want) throw new Error(`${method} ${path} answered ${r.status}: ${r.body.slice(0, 300)}`);
  return r;
}

/** autocannon for `duration` seconds after `warmup` seconds: requests per second and latency. */
export async function cannon(
  base: string,
  o: {
    connections: number;
    duration: number;
    warmup: number;
    headers: Record<string, string>;
    method?: string;
    next: () => { path: string; body?: string };
  },
) {
  const run = (duration: number) =>
    autocannon({
      url: base,
      connections: o.connections,
      duration,
      headers: o.headers,
      requests: [{ method: o.method ?? 'GET', setupRequest: (req) => ({ ...req, ...o.next() }) }],
    });
  if (o.warmup > 0) await run(o.warmup);
  const r = await run(o.duration);
  return {
    requests_per_second: Math.round(r.requests.average),
    latency_p50_ms: r.latency.p50,
    latency_p99_ms: r.latency.p99,
    latency_max_ms: r.latency.max,
    non_2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

/** Logs in through the form like a browser; answers the Cookie header. */
export async function logIn(base: string, email: string): Promise<string> {
  const cookies = new Map<string, string>();
  const keep = (setCookie: string | string[] | undefined) => {
    for (const c of ([] as string[]).concat(setCookie ?? [])) {
      const [pair] = c.split(';');
      const [name, ...value] = pair.split('=');
      cookies.set(name.trim(), value.join('='));
    }
  };
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const page = await rawGet(`${base}/login`, { accept: 'text/html' });
  keep(page.setCookie);
  const token = /name="_token" value="([^"]+)"/.exec(page.body)?.[1];
  if (!token) throw new Error('no CSRF token on /login');
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie: cookie(), referer: `${base}/login` },
    body: new URLSearchParams({ _token: token, email, password: PASSWORD }).toString(),
  });
  keep(res.headers.getSetCookie());
  if (res.status !== 302 || res.headers.get('location') === '/login') throw new Error(`login failed: ${res.status}`);
  return cookie();
}

async function rawGet(url: string, headers: Record<string, string>) {
  const res = await fetch(url, { headers });
  return { body: await res.text(), setCookie: res.headers.getSetCookie() };
}

/**
 * Gives the server's maintenance pass (src/db/maintenance.ts: ANALYZE, then VACUUM, of what the load
 * changed) or PostgreSQL's autovacuum time to run, as it would on a server in service: on
 * PostgreSQL until the leads table has statistics (taken after `since`, when given), on PGlite (one
 * process) 20 s.
 */
/**
 * Waits (PostgreSQL) until the server's maintenance pass after a load is over: `leads` vacuumed and
 * no VACUUM or ANALYZE running, so a latency measure is not of requests sharing the machine with a
 * vacuum of a million rows (a fresh install meets that once, for a minute, after a bulk load).
 */
export async function maintained(url: string | undefined) {
  if (!url) return;
  const t0 = performance.now();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (let i = 0, quiet = 0; i < 1200 && quiet < 3; i++) {
      const { rows } = await c.query<{ busy: boolean }>(
        `SELECT NOT EXISTS (SELECT 1 FROM pg_stat_user_tables WHERE relname = 'leads' AND greatest(last_vacuum, last_autovacuum) IS NOT NULL)
             OR EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'
                         AND (query ILIKE 'VACUUM%' OR query ILIKE 'ANALYZE%')) AS busy`,
      );
      quiet = rows[0].busy ? 0 : quiet + 1;
      await sleep(500);
    }
  } finally {
    await c.end();
  }
  log(`maintenance pass over after ${round((performance.now() - t0) / 1000)} s`);
}

export async function settle(url: string | undefined, since?: Date) {
  const t0 = performance.now();
  if (!url) await sleep(20_000);
  else {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      for (let i = 0; i < 600; i++) {
        const { rows } = await c.query(
          `SELECT 1 FROM pg_stat_user_tables
            WHERE relname = 'leads' AND greatest(last_analyze, last_autoanalyze) >= coalesce($1, '-infinity'::timestamptz)`,
          [since ?? null],
        );
        if (rows.length > 0) break;
        await sleep(500);
      }
    } finally {
      await c.end();
    }
  }
  log(`statistics after ${round((performance.now() - t0) / 1000)} s`);
}

export { sleep, type Server };

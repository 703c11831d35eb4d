// `npm run bench -- --small [--baseline DIR] [--rounds 3] [--cpu-prof]`: the storefront's path, small
// requests with 4 clients on one account: POST /leads with 1 and with 10 leads, PATCH
// /leads/{reference} (one field), GET of one. Each server has a database of its own; with --baseline
// (another checkout with node_modules, run as this one is) every scenario runs on one server then the
// other, `rounds` times, so the noise of a shared machine hits both alike; medians are reported.
// With --cpu-prof the servers write .cpuprofile files (bench/tmp/) and the top self-time is printed
// by where it comes from and by function (bench/profile-summary.ts).
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/db/open.js';
import { baselineArgs, cpuPhase, median, round } from './lib.js';
import { summarise } from './profile-summary.js';
import { makeLeads } from './raw.js';
import { API, cannon, launch, log, makeShop, post, temporaryDataDir, temporaryDatabase, type Shop } from './setup.js';

export interface SmallOptions {
  root: string;
  serverArgs: string[];
  baseline?: string;
  rounds: number;
  cpuProf: boolean;
  duration: number;
  warmupSeconds: number;
  /**
   * A diagnosis, not a setting of codops: the benchmark's databases commit without waiting for the
   * disk (`synchronous_commit = off`), to show how much of a small write's time is the WAL flush.
   */
  asyncCommit?: boolean;
}

const CITIES = ['Casablanca', 'Rabat', 'Fès', 'Tanger', 'Agadir', 'Marrakech'];

interface Target {
  label: string;
  root: string;
  url: string;
  base: string;
  pid: number;
  shop: Shop;
  refs: string[];
  rss: { peak: () => number };
  stop: () => Promise<unknown>;
}

async function target(label: string, root: string, args: string[], profDir: string | undefined, asyncCommit = false): Promise<Target> {
  const url = await temporaryDatabase(`small_${label}`);
  if (asyncCommit) await withClient(url, (c) => c.query(`ALTER DATABASE ${new URL(url).pathname.slice(1)} SET synchronous_commit = off`));
  const nodeArgs = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, ...args] : args;
  const { server, rss } = await launch(root, nodeArgs, { url, dataDir: temporaryDataDir() });
  const db = await openDatabase({ databaseUrl: url, dataDir: '' });
  const shop = await makeShop(db, `Bench small ${label}`);
  await db.close();
  // References to PATCH: 200 open leads made through the API.
  const created = await post(server.base, `${API}/leads`, shop.auth, JSON.stringify({ leads: makeLeads(200, shop.products) }));
  const refs = (JSON.parse(created.body) as { data: { references: string[] } }).data.references;
  log(`${label}: server ${root} on ${server.base}`);
  return { label, root, url, base: server.base, pid: server.child.pid!, shop, refs, rss, stop: () => server.stop() };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The PostgreSQL backends serving the database at `url` (for cpuPhase). */
export const backendsOf = (url: string) =>
  withClient(url, async (c) => {
    const { rows } = await c.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows.map((r) => r.pid);
  });

type Next = (t: Target, i: number) => { path: string; body?: string };

type CannonRequests = Omit<Parameters<typeof cannon>[1], 'duration' | 'warmup'>;

/**
 * One autocannon phase after its warm-up: requests per second, latency, and CPU per request (ms of
 * one core) of the server `pid` and of every backend of its database `url` (the maintenance task's
 * VACUUM and ANALYZE included). Without `url` (PGlite, whose engine runs in the server's process),
 * the server's share is all of it.
 */
export async function cannonWithCpu(
  t: { base: string; pid: number; url?: string },
  c: CannonRequests,
  warmupSeconds: number,
  duration: number,
) {
  if (warmupSeconds > 0) await cannon(t.base, { ...c, duration: warmupSeconds, warmup: 0 });
  const url = t.url;
  const meter = cpuPhase(t.pid, async () => (url ? backendsOf(url) : []));
  const r = await cannon(t.base, { ...c, duration, warmup: 0 });
  const cpu = await meter();
  const per = (pct: number | undefined) => round((10 * (pct ?? 0)) / Math.max(1, r.requests_per_second), 2);
  return {
    ...r,
    server_cpu_ms: per(cpu?.server_pct),
    postgres_cpu_ms: per(cpu?.postgres_pct),
    bench_client_pct: cpu?.bench_client_pct ?? 0,
    others_pct: cpu?.others_pct ?? 0,
  };
}

async function measure(t: Target, method: string, next: Next, o: SmallOptions) {
  let i = 0;
  const c = { connections: 4, method, headers: { ...t.shop.auth, 'content-type': 'application/json' }, next: () => next(t, i++) };
  return cannonWithCpu(t, c, o.warmupSeconds, o.duration);
}
type Measure = Awaited<ReturnType<typeof measure>>;

export async function runSmall(o: SmallOptions) {
  const profDir = o.cpuProf ? join(o.root, 'bench', 'tmp') : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });
  const started = Date.now();
  const targets: Target[] = [];
  if (o.baseline) targets.push(await target('before', o.baseline, baselineArgs(o.serverArgs, o.baseline), profDir, o.asyncCommit));
  targets.push(await target(o.baseline ? 'after' : 'this', o.root, o.serverArgs, profDir, o.asyncCommit));

  const bodies = new Map(targets.map((t) => [t, { 1: pool(t.shop, 1), 10: pool(t.shop, 10) }]));
  const scenarios: [string, string, Next][] = [
    ['post_1', 'POST', (t, i) => ({ path: `${API}/leads`, body: bodies.get(t)![1][i % 200] })],
    ['post_10', 'POST', (t, i) => ({ path: `${API}/leads`, body: bodies.get(t)![10][i % 200] })],
    [
      'patch',
      'PATCH',
      (t, i) => ({ path: `${API}/leads/${t.refs[i % t.refs.length]}`, body: JSON.stringify({ city: CITIES[i % CITIES.length] }) }),
    ],
    ['get', 'GET', (t, i) => ({ path: `${API}/leads/${t.refs[i % t.refs.length]}` })],
  ];
  const samples = new Map<string, Measure[]>();
  for (let round_ = 1; round_ <= o.rounds; round_++) {
    for (const [name, method, next] of scenarios) {
      for (const t of round_ % 2 === 1 ? targets : [...targets].reverse()) {
        log(`round ${round_}/${o.rounds} ${t.label}: ${name}, 4 connections, ${o.warmupSeconds} s warm-up + ${o.duration} s`);
        const key = `${t.label} ${name}`;
        samples.set(key, [...(samples.get(key) ?? []), await measure(t, method, next, o)]);
      }
    }
  }
  const results: Record<string, unknown> = {};
  const rows: [string, string][] = [];
  for (const t of targets) {
    for (const [name] of scenarios) {
      const runs = samples.get(`${t.label} ${name}`)!;
      const m = (f: (x: Measure) => number) => median(runs.map(f));
      const r = {
        requests_per_second: m((x) => x.requests_per_second),
        p50_ms: m((x) => x.latency_p50_ms),
        p99_ms: m((x) => x.latency_p99_ms),
        server_cpu_ms: m((x) => x.server_cpu_ms),
        postgres_cpu_ms: m((x) => x.postgres_cpu_ms),
        errors: runs.reduce((s, x) => s + x.errors + x.non_2xx, 0),
        runs,
      };
      results[`${t.label}_${name}_4_clients`] = r;
      rows.push([
        `[${t.label}] ${name}, 4 clients`,
        `${r.requests_per_second} req/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms; CPU ms/request server ${r.server_cpu_ms}, ` +
          `postgres ${r.postgres_cpu_ms}; errors ${r.errors}; req/s per round ${runs.map((x) => x.requests_per_second).join(', ')}`,
      ]);
    }
    results[`${t.label}_server_peak_rss_mb`] = t.rss.peak();
    rows.push([`[${t.label}] server peak RSS`, `${t.rss.peak()} MB`]);
  }
  for (const t of targets) await t.stop();
  if (o.asyncCommit) {
    results.synchronous_commit = 'off';
    rows.push(['synchronous_commit', 'off (a diagnosis: no write waited for the disk)']);
  }

  if (profDir) {
    const profiles = readdirSync(profDir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(profDir, f))
      .filter((f) => existsSync(f) && statSync(f).mtimeMs >= started);
    for (const file of profiles) {
      const profile = summarise(file, 20);
      rows.push(['cpu profile', file], ...profile.lines.map((l): [string, string] => ['', l]));
    }
  }
  return { results, rows };
}

function pool(shop: Shop, n: number) {
  return Array.from({ length: 200 }, () => JSON.stringify({ leads: makeLeads(n, shop.products) }));
}

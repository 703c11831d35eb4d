// `npm run bench -- --leads 1000000 [--pglite]`: N leads in one account and N more spread over 100
// accounts, loaded through the raw path (bench/raw.ts, the project's reference function), then the
// reads a user makes, measured with 4 clients and no manual ANALYZE: what the server sees after a
// load is what it works with (autovacuum on PostgreSQL, src/db/maintenance.ts on PGlite).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { round } from './lib.js';
import { insertRaw, makeLeads, prepareRaw, STATUS_MIX } from './raw.js';
import { cannonWithCpu } from './small.js';
import { API, launch, log, logIn, maintained, makeShop, settle, temporaryDataDir, temporaryDatabase, type Shop } from './setup.js';

export interface ScaleOptions {
  root: string;
  serverArgs: string[];
  pglite: boolean;
  leads: number;
  duration: number;
  warmupSeconds: number;
}

const BATCH = 5000;

/** Memory the kernel has yet to write to disk (/proc/meminfo's Dirty), in MB; undefined without /proc. */
function dirtyMb(): number | undefined {
  try {
    const kb = /^Dirty:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

const STATUSES = STATUS_MIX.map(([s]) => s);
function statusAt(): string {
  let x = Math.random();
  for (const [s, share] of STATUS_MIX) if ((x -= share) < 0) return s;
  return 'new';
}

/** Loads `n` leads into the shop; answers a sample of their phones and names to search for. */
async function load(db: Database, shop: Shop, n: number, found: { phones: string[]; names: string[] }) {
  for (let done = 0; done < n; done += BATCH) {
    const leads = makeLeads(Math.min(BATCH, n - done), shop.products);
    const batch = prepareRaw(leads, shop.products);
    batch.statuses = leads.map(statusAt);
    await db.tx((q) => insertRaw(q, shop.accountId, shop.actor, batch));
    found.phones.push(leads[0].phone);
    found.names.push(leads[0].full_name);
  }
}

export async function runScale(o: ScaleOptions) {
  const dataDir = temporaryDataDir();
  const url = o.pglite ? undefined : await temporaryDatabase('scale');
  const db = await openDatabase({ databaseUrl: url, dataDir });
  await migrate(db);
  const big = await makeShop(db, 'Bench big');
  const smalls: Shop[] = [];
  for (let i = 0; i < 100; i++) smalls.push(await makeShop(db, `Bench small ${i}`, 5));
  const t0 = performance.now();
  const bigFound = { phones: [] as string[], names: [] as string[] };
  await load(db, big, o.leads, bigFound);
  log(`${o.leads} leads in one account in ${round((performance.now() - t0) / 1000)} s`);
  const smallFound = { phones: [] as string[], names: [] as string[] };
  for (const s of smalls) await load(db, s, Math.floor(o.leads / 100), s === smalls[0] ? smallFound : { phones: [], names: [] });
  const loadSeconds = round((performance.now() - t0) / 1000);
  log(`and ${o.leads} more over 100 accounts: ${loadSeconds} s in all (no ANALYZE)`);
  await db.close();
  // The load writes gigabytes in two minutes, which the kernel may still be writing back to disk
  // during the first reads (1.4 GB were, once: that run's first list page had p99 28 ms, the next
  // ones 18-22 ms). In service a million leads come over months, so the reads start once it is done.
  const [t1, dirty] = [performance.now(), dirtyMb()];
  execFileSync('sync');
  log(`the load's ${dirty ?? '?'} MB not yet on disk written in ${round((performance.now() - t1) / 1000)} s`);

  const { server, rss } = await launch(o.root, o.serverArgs, { url, dataDir });
  const base = server.base;
  await settle(url);
  await maintained(url);
  const startedPeak = rss.mark();
  const out: Record<string, unknown> = {};
  const rows: [string, string][] = [];
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
  const measure = async (key: string, headers: Record<string, string>, next: () => string, duration = o.duration) => {
    log(key);
    const c = { connections: 4, headers, next: () => ({ path: next() }) };
    const r = await cannonWithCpu({ base, pid: server.child.pid!, url }, c, o.warmupSeconds, duration);
    // Each read's own peak: the run's peak alone does not say which request drives it.
    const peakMb = rss.mark();
    out[key] = { ...r, server_peak_rss_mb: peakMb };
    const cpu = url ? `server ${r.server_cpu_ms}, PostgreSQL ${r.postgres_cpu_ms}` : `server with its engine ${r.server_cpu_ms}`;
    rows.push([
      key,
      `${r.requests_per_second} req/s, p50 ${r.latency_p50_ms} ms, p99 ${r.latency_p99_ms} ms${r.non_2xx || r.errors ? `, ${r.non_2xx} non-2xx, ${r.errors} errors` : ''}; CPU ms/request ${cpu}; others ${r.others_pct} %; RSS ≤ ${peakMb} MB`,
    ]);
  };
  const ref = (max: number) => `LD-${String(1 + Math.floor(Math.random() * max)).padStart(5, '0')}`;
  const short = Math.max(3, Math.round(o.duration / 3));

  for (const [label, shop, count, found] of [
    ['1 account', big, o.leads, bigFound],
    ['100 accounts', smalls[0], Math.floor(o.leads / 100), smallFound],
  ] as const) {
    const html = { cookie: await logIn(base, shop.email), accept: 'text/html' };
    await measure(`[${label}] GET /leads/{reference}`, shop.auth, () => `${API}/leads/${ref(count)}`);
    for (const s of STATUSES)
      await measure(`[${label}] GET /leads?status=${s} (first page)`, shop.auth, () => `${API}/leads?per_page=50&status=${s}`, short);
    await measure(`[${label}] GET /leads (first page)`, shop.auth, () => `${API}/leads?per_page=50`, short);
    const deep = Math.max(1, Math.floor(count / 50 / 10));
    await measure(`[${label}] GET /leads?page=${deep} (deep page)`, shop.auth, () => `${API}/leads?per_page=50&page=${deep}`, short);
    await measure(`[${label}] GET /leads?phone= (search by phone)`, shop.auth, () => `${API}/leads?phone=${pick(found.phones)}`, short);
    await measure(
      `[${label}] dashboard /leads?search= (search by name)`,
      html,
      () => `/leads?search=${encodeURIComponent(pick(found.names))}`,
      short,
    );
    await measure(`[${label}] dashboard /leads (leads page)`, html, () => '/leads', short);
    await measure(`[${label}] dashboard status tabs (/leads?status=…)`, html, () => `/leads?status=${pick(STATUSES)}`, short);
  }
  const peak = rss.peak();
  rows.push(['server peak RSS', `${peak} MB`]);
  return {
    results: {
      database: o.pglite ? 'pglite' : 'postgres',
      leads_per_group: o.leads,
      load_seconds: loadSeconds,
      reads: out,
      server_peak_rss_mb: peak,
      server_rss_after_start_mb: startedPeak,
    },
    rows,
  };
}

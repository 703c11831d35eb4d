// `npm run bench -- --concurrency [--baseline DIR]`: concurrent intake into one account. 1 and 4
// clients sending 1,000-lead POST /leads, 4 clients sending 10 and 1 leads, and 4 clients running the
// bare unnest insert of the same rows (the database's own limit). With --baseline (another checkout
// of codops with node_modules), both servers run side by side on databases of their own and every
// scenario runs on one then the other, so the machine's noise hits both alike.
import pg from 'pg';
import { openDatabase } from '../src/db/open.js';
import { round, serverEntry } from './lib.js';
import { insertRaw, makeLeads, prepareRaw } from './raw.js';
import {
  API,
  clientLoops,
  cannon,
  launch,
  log,
  makeShop,
  post,
  settle,
  stats,
  temporaryDataDir,
  temporaryDatabase,
  type Shop,
} from './setup.js';

export interface ConcurrencyOptions {
  root: string;
  serverArgs: string[];
  baseline?: string;
  reps: number;
  duration: number;
  warmupSeconds: number;
}

const BULK = 1000;

interface Target {
  label: string;
  base: string;
  url: string;
  shop: Shop;
  rss: { peak: () => number };
}

async function target(label: string, root: string, args: string[]): Promise<Target> {
  const url = await temporaryDatabase(`conc_${label}`);
  const { server, rss } = await launch(root, args, { url, dataDir: temporaryDataDir() });
  const db = await openDatabase({ databaseUrl: url, dataDir: '' });
  const shop = await makeShop(db, `Bench ${label}`);
  await db.close();
  log(`${label}: server ${root} on ${server.base}`);
  return { label, base: server.base, url, shop, rss };
}

function bodies(n: number, leads: number, shop: Shop) {
  return Array.from({ length: n }, () => JSON.stringify({ leads: makeLeads(leads, shop.products) }));
}

async function bulk(t: Target, clients: number, reps: number) {
  const pool = bodies(8, BULK, t.shop);
  await post(t.base, `${API}/leads`, t.shop.auth, pool[0]); // warm-up
  const { samples, wallSeconds } = await clientLoops(clients, reps, async (c, i) => {
    return (await post(t.base, `${API}/leads`, t.shop.auth, pool[(c + i) % pool.length])).ms;
  });
  return { clients, requests: samples.length, leads_per_second: Math.round((samples.length * BULK) / wallSeconds), ...stats(samples) };
}

async function raw(t: Target, clients: number, reps: number) {
  const conns = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new pg.Client({ connectionString: t.url });
      await c.connect();
      return c;
    }),
  );
  try {
    const batches = Array.from({ length: clients * (reps + 1) }, () => prepareRaw(makeLeads(BULK, t.shop.products), t.shop.products));
    const once = async (c: number, i: number) => {
      const client = conns[c];
      const t0 = performance.now();
      await client.query('BEGIN');
      await insertRaw(client, t.shop.accountId, t.shop.actor, batches[c * (reps + 1) + i]);
      await client.query('COMMIT');
      return performance.now() - t0;
    };
    await Promise.all(conns.map((_, c) => once(c, reps))); // warm-up
    const { samples, wallSeconds } = await clientLoops(clients, reps, once);
    return { clients, requests: samples.length, leads_per_second: Math.round((samples.length * BULK) / wallSeconds), ...stats(samples) };
  } finally {
    await Promise.all(conns.map((c) => c.end()));
  }
}

async function small(t: Target, leads: number, o: ConcurrencyOptions) {
  const pool = bodies(200, leads, t.shop);
  let i = 0;
  return cannon(t.base, {
    connections: 4,
    duration: o.duration,
    warmup: o.warmupSeconds,
    method: 'POST',
    headers: { ...t.shop.auth, 'content-type': 'application/json' },
    next: () => ({ path: `${API}/leads`, body: pool[i++ % pool.length] }),
  });
}

export async function runConcurrency(o: ConcurrencyOptions) {
  const targets: Target[] = [];
  // The baseline runs the way this tree does (dist/ built when stale, or tsx): RSS and speed compare like with like.
  const baselineArgs = (dir: string) => (o.serverArgs.includes('dist/server.js') ? serverEntry(dir, false).args : o.serverArgs);
  if (o.baseline) targets.push(await target('before', o.baseline, baselineArgs(o.baseline)));
  targets.push(await target(o.baseline ? 'after' : 'this', o.root, o.serverArgs));
  const results: Record<string, Record<string, unknown>> = Object.fromEntries(targets.map((t) => [t.label, {}]));
  const each = async (name: string, fn: (t: Target) => Promise<Record<string, unknown>>, only?: Target) => {
    for (const t of only ? [only] : targets) {
      log(`${t.label}: ${name}`);
      results[t.label][name] = await fn(t);
    }
  };
  // Past a fresh database's first minutes: a few thousand leads, then the maintenance task's (or
  // autovacuum's) first ANALYZE of them. Until then a connection's plan of the insert was made on an
  // empty table (README, "Generic plans"), which no user meets twice.
  await each('first_leads', async (t) => {
    const since = new Date();
    for (const body of bodies(3, BULK, t.shop)) await post(t.base, `${API}/leads`, t.shop.auth, body);
    await settle(t.url, since);
    return { leads: 3 * BULK };
  });
  await each('post_1000_1_client', (t) => bulk(t, 1, o.reps * 2));
  await each('post_1000_4_clients', (t) => bulk(t, 4, o.reps));
  // The database's limit, on this tree's schema (the baseline's has no reserve_references).
  const current = targets[targets.length - 1];
  await each('raw_unnest_1000_1_client', (t) => raw(t, 1, o.reps * 2), current);
  await each('raw_unnest_1000_4_clients', (t) => raw(t, 4, o.reps), current);
  await each('post_10_4_clients', (t) => small(t, 10, o));
  await each('post_1_4_clients', (t) => small(t, 1, o));
  for (const t of targets) results[t.label].server_peak_rss_mb = t.rss.peak();

  const rows: [string, string][] = [];
  for (const t of targets) {
    const r = results[t.label] as Record<
      string,
      { leads_per_second?: number; requests_per_second?: number; p50_ms?: number; p99_ms?: number }
    >;
    const one = r.post_1000_1_client;
    const four = r.post_1000_4_clients;
    const limit = results[current.label] as typeof r;
    const raw4 = limit.raw_unnest_1000_4_clients;
    const bulkLine = (x: typeof one) => `${x.leads_per_second} leads/s, p50 ${x.p50_ms} ms, p99 ${x.p99_ms} ms`;
    const smallLine = (x: Record<string, number>) =>
      `${x.requests_per_second} req/s, p50 ${x.latency_p50_ms} ms, p99 ${x.latency_p99_ms} ms`;
    const checks = {
      four_vs_one: round(four.leads_per_second! / one.leads_per_second!, 2),
      four_vs_raw4: round(four.leads_per_second! / raw4.leads_per_second!, 2),
      p99_over_p50: round(four.p99_ms! / four.p50_ms!, 2),
    };
    results[t.label].ratios = checks;
    rows.push(
      [`[${t.label}] POST 1,000 leads, 1 client`, bulkLine(one)],
      [`[${t.label}] POST 1,000 leads, 4 clients`, bulkLine(four)],
      ...(t === current
        ? ([
            [`raw unnest 1,000, 1 client`, bulkLine(limit.raw_unnest_1000_1_client)],
            [`raw unnest 1,000, 4 clients`, bulkLine(raw4)],
          ] as [string, string][])
        : []),
      [`[${t.label}] 4 clients / 1 client`, `${checks.four_vs_one}x (target >= 1.6)`],
      [`[${t.label}] 4 clients / raw 4 clients`, `${round(checks.four_vs_raw4 * 100)} % (target >= 60 %)`],
      [`[${t.label}] 4 clients p99 / p50`, `${checks.p99_over_p50} (target <= 3)`],
      [`[${t.label}] POST 10 leads, 4 clients`, smallLine(r.post_10_4_clients as Record<string, number>)],
      [`[${t.label}] POST 1 lead, 4 clients`, smallLine(r.post_1_4_clients as Record<string, number>)],
      [`[${t.label}] server peak RSS`, `${results[t.label].server_peak_rss_mb} MB`],
    );
  }
  return { results, rows };
}

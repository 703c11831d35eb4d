// `npm run bench -- --concurrency [--baseline DIR] [--rounds 3]`: concurrent intake into one account.
// 1 and 4 clients sending 1,000-lead POST /leads, 4 clients sending 10 and 1 leads, and 1 and 4
// clients running the bare unnest insert of the same rows (the database's own limit), each
// `rounds` times; medians are reported. With --baseline (another checkout
// of codops with node_modules), both servers run side by side on databases of their own and every
// scenario runs on one then the other, so the machine's noise hits both alike.
import pg from 'pg';
import { openDatabase } from '../src/db/open.js';
import { baselineArgs, cpuPhase, median, round } from './lib.js';
import { backendsOf, cannonWithCpu } from './small.js';
import { insertRaw, makeLeads, prepareRaw } from './raw.js';
import { API, clientLoops, launch, log, makeShop, post, settle, stats, temporaryDataDir, temporaryDatabase, type Shop } from './setup.js';

export interface ConcurrencyOptions {
  root: string;
  serverArgs: string[];
  baseline?: string;
  reps: number;
  rounds: number;
  duration: number;
  warmupSeconds: number;
}

const BULK = 1000;

interface Target {
  label: string;
  base: string;
  url: string;
  shop: Shop;
  pid: number;
  rss: { peak: () => number };
}

async function target(label: string, root: string, args: string[]): Promise<Target> {
  const url = await temporaryDatabase(`conc_${label}`);
  const { server, rss } = await launch(root, args, { url, dataDir: temporaryDataDir() });
  const db = await openDatabase({ databaseUrl: url, dataDir: '' });
  const shop = await makeShop(db, `Bench ${label}`);
  await db.close();
  log(`${label}: server ${root} on ${server.base}`);
  return { label, base: server.base, url, shop, pid: server.child.pid!, rss };
}

function bodies(n: number, leads: number, shop: Shop) {
  return Array.from({ length: n }, () => JSON.stringify({ leads: makeLeads(leads, shop.products) }));
}

async function bulk(t: Target, clients: number, reps: number) {
  const pool = bodies(8, BULK, t.shop);
  // Warm-up: as many requests at once as there will be clients, so the phase does not pay for
  // opening pool connections (and compiling their trigger functions), which a server in service has.
  await Promise.all(Array.from({ length: clients }, (_, c) => post(t.base, `${API}/leads`, t.shop.auth, pool[c % pool.length])));
  const meter = cpuPhase(t.pid, () => backendsOf(t.url));
  const { samples, wallSeconds } = await clientLoops(clients, reps, async (c, i) => {
    return (await post(t.base, `${API}/leads`, t.shop.auth, pool[(c + i) % pool.length])).ms;
  });
  return {
    clients,
    samples,
    leads_per_second: Math.round((samples.length * BULK) / wallSeconds),
    cpu: cpuPerRequest(await meter(), samples.length / wallSeconds),
  };
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
    const meter = cpuPhase(t.pid, () => backendsOf(t.url));
    const { samples, wallSeconds } = await clientLoops(clients, reps, once);
    return {
      clients,
      samples,
      leads_per_second: Math.round((samples.length * BULK) / wallSeconds),
      cpu: cpuPerRequest(await meter(), samples.length / wallSeconds),
    };
  } finally {
    await Promise.all(conns.map((c) => c.end()));
  }
}

/**
 * Milliseconds of one core per 1,000-lead request: the server, the database's backends, the load
 * generator, and the rest of the machine (PostgreSQL's WAL writer and checkpointer among it).
 */
function cpuPerRequest(cpu: Awaited<ReturnType<ReturnType<typeof cpuPhase>>>, perSecond: number) {
  const ms = (pct: number | undefined) => round((10 * (pct ?? 0)) / Math.max(perSecond, 1e-9), 1);
  return { server: ms(cpu?.server_pct), postgres: ms(cpu?.postgres_pct), bench: ms(cpu?.bench_client_pct), others: ms(cpu?.others_pct) };
}

async function small(t: Target, leads: number, o: ConcurrencyOptions) {
  const pool = bodies(200, leads, t.shop);
  let i = 0;
  const c = {
    connections: 4,
    method: 'POST',
    headers: { ...t.shop.auth, 'content-type': 'application/json' },
    next: () => ({ path: `${API}/leads`, body: pool[i++ % pool.length] }),
  };
  // Past the bulk phases, the maintenance task's VACUUM and ANALYZE run during these: counted in.
  return cannonWithCpu(t, c, o.warmupSeconds, o.duration);
}

type Bulk = Awaited<ReturnType<typeof bulk>>;
type Small = Awaited<ReturnType<typeof small>>;

/** One scenario's rounds: the median throughput, the latencies of all its requests, each round's figure. */
function summariseBulk(runs: Bulk[]) {
  const all = runs.flatMap((r) => r.samples);
  return {
    clients: runs[0].clients,
    requests: all.length,
    leads_per_second: Math.round(median(runs.map((r) => r.leads_per_second))),
    ...stats(all),
    leads_per_second_per_round: runs.map((r) => r.leads_per_second),
    cpu_ms_per_request_per_round: runs.map((r) => r.cpu),
  };
}

function summariseSmall(runs: Small[]) {
  const m = (f: (x: Small) => number) => median(runs.map(f));
  return {
    requests_per_second: Math.round(m((x) => x.requests_per_second)),
    latency_p50_ms: m((x) => x.latency_p50_ms),
    latency_p99_ms: m((x) => x.latency_p99_ms),
    errors: runs.reduce((s, x) => s + x.errors + x.non_2xx, 0),
    requests_per_second_per_round: runs.map((x) => x.requests_per_second),
    server_cpu_ms_per_round: runs.map((x) => x.server_cpu_ms),
    postgres_cpu_ms_per_round: runs.map((x) => x.postgres_cpu_ms),
  };
}

export async function runConcurrency(o: ConcurrencyOptions) {
  const targets: Target[] = [];
  if (o.baseline) targets.push(await target('before', o.baseline, baselineArgs(o.serverArgs, o.baseline)));
  targets.push(await target(o.baseline ? 'after' : 'this', o.root, o.serverArgs));
  // The database's limit, on this tree's schema (the baseline's has no reserve_references).
  const current = targets[targets.length - 1];
  // Past a fresh database's first minutes: a few thousand leads, then the maintenance task's (or
  // autovacuum's) first ANALYZE of them. Until then a connection's plan of the insert was made on an
  // empty table (README, "Generic plans"), which no user meets twice.
  for (const t of targets) {
    log(`${t.label}: first_leads`);
    const since = new Date();
    for (const body of bodies(3, BULK, t.shop)) await post(t.base, `${API}/leads`, t.shop.auth, body);
    await settle(t.url, since);
  }
  // Every scenario once per round, the servers in turn (reversed every other round), so a slow
  // moment of the shared machine or the tables' growth weighs on each alike; ratios are taken
  // within a round (one client then four, back to back) and their median reported.
  const bulkRuns = new Map<string, Bulk[]>();
  const smallRuns = new Map<string, Small[]>();
  const keep = <T>(m: Map<string, T[]>, key: string, v: T) => m.set(key, [...(m.get(key) ?? []), v]);
  for (let r = 1; r <= o.rounds; r++) {
    const order = r % 2 === 1 ? targets : [...targets].reverse();
    const step = (t: Target, name: string) => log(`round ${r}/${o.rounds} ${t.label}: ${name}`);
    for (const t of order) {
      step(t, 'post_1000_1_client');
      keep(bulkRuns, `${t.label} 1`, await bulk(t, 1, o.reps * 2));
      step(t, 'post_1000_4_clients');
      keep(bulkRuns, `${t.label} 4`, await bulk(t, 4, o.reps));
    }
    step(current, 'raw_unnest_1000_1_client');
    keep(bulkRuns, 'raw 1', await raw(current, 1, o.reps * 2));
    step(current, 'raw_unnest_1000_4_clients');
    keep(bulkRuns, 'raw 4', await raw(current, 4, o.reps));
    for (const t of order) {
      step(t, 'post_10_4_clients');
      keep(smallRuns, `${t.label} 10`, await small(t, 10, o));
      step(t, 'post_1_4_clients');
      keep(smallRuns, `${t.label} 1`, await small(t, 1, o));
    }
  }

  const ratio = (a: Bulk[], b: Bulk[]) => a.map((x, i) => round(x.leads_per_second / b[i].leads_per_second, 2));
  const raw1 = bulkRuns.get('raw 1')!;
  const raw4 = bulkRuns.get('raw 4')!;
  const results: Record<string, Record<string, unknown>> = {
    limit: {
      raw_unnest_1000_1_client: summariseBulk(raw1),
      raw_unnest_1000_4_clients: summariseBulk(raw4),
      raw_four_vs_one_per_round: ratio(raw4, raw1),
    },
  };
  const rows: [string, string][] = [];
  const cpuLine = (c: Bulk['cpu']) => `${c.server}/${c.postgres}/${c.bench}/${c.others}`;
  const bulkLine = (x: ReturnType<typeof summariseBulk>) =>
    `${x.leads_per_second} leads/s, p50 ${x.p50_ms} ms, p99 ${x.p99_ms} ms; per round ${x.leads_per_second_per_round.join(', ')}; ` +
    `CPU ms/request server/postgres/bench/others per round ${x.cpu_ms_per_request_per_round.map(cpuLine).join(', ')}`;
  const smallLine = (x: ReturnType<typeof summariseSmall>) =>
    `${x.requests_per_second} req/s, p50 ${x.latency_p50_ms} ms, p99 ${x.latency_p99_ms} ms; per round ${x.requests_per_second_per_round.join(', ')}; errors ${x.errors}; ` +
    `CPU ms/request per round server ${x.server_cpu_ms_per_round.join(', ')}, postgres ${x.postgres_cpu_ms_per_round.join(', ')}`;
  for (const t of targets) {
    const one = bulkRuns.get(`${t.label} 1`)!;
    const four = bulkRuns.get(`${t.label} 4`)!;
    const r = {
      post_1000_1_client: summariseBulk(one),
      post_1000_4_clients: summariseBulk(four),
      post_10_4_clients: summariseSmall(smallRuns.get(`${t.label} 10`)!),
      post_1_4_clients: summariseSmall(smallRuns.get(`${t.label} 1`)!),
      server_peak_rss_mb: t.rss.peak(),
    };
    const fourVsOne = ratio(four, one);
    const fourVsRaw = ratio(four, raw4);
    const checks = {
      four_vs_one: median(fourVsOne),
      four_vs_one_per_round: fourVsOne,
      four_vs_raw4: median(fourVsRaw),
      four_vs_raw4_per_round: fourVsRaw,
      p99_over_p50: round(r.post_1000_4_clients.p99_ms / r.post_1000_4_clients.p50_ms, 2),
    };
    results[t.label] = { ...r, ratios: checks };
    rows.push(
      [`[${t.label}] POST 1,000 leads, 1 client`, bulkLine(r.post_1000_1_client)],
      [`[${t.label}] POST 1,000 leads, 4 clients`, bulkLine(r.post_1000_4_clients)],
      [`[${t.label}] 4 clients / 1 client`, `${checks.four_vs_one}x (target >= 1.6); per round ${fourVsOne.join(', ')}`],
      [
        `[${t.label}] 4 clients / raw 4 clients`,
        `${round(checks.four_vs_raw4 * 100)} % (target >= 60 %); per round ${fourVsRaw.join(', ')}`,
      ],
      [`[${t.label}] 4 clients p99 / p50`, `${checks.p99_over_p50} (target <= 3)`],
      [`[${t.label}] POST 10 leads, 4 clients`, smallLine(r.post_10_4_clients)],
      [`[${t.label}] POST 1 lead, 4 clients`, smallLine(r.post_1_4_clients)],
      [`[${t.label}] server peak RSS`, `${r.server_peak_rss_mb} MB`],
    );
  }
  rows.push(
    ['raw unnest 1,000, 1 client', bulkLine(results.limit.raw_unnest_1000_1_client as ReturnType<typeof summariseBulk>)],
    ['raw unnest 1,000, 4 clients', bulkLine(results.limit.raw_unnest_1000_4_clients as ReturnType<typeof summariseBulk>)],
    ['raw 4 clients / 1 client', `${median(ratio(raw4, raw1))}x; per round ${ratio(raw4, raw1).join(', ')}`],
  );
  return { results, rows };
}

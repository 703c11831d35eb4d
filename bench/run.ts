// `npm run bench`: starts the real server on a fresh database, loads it, measures the API against the
// raw database limit, prints a table and writes bench/results.json. See README.md, section Benchmark.
//
//   npm run bench                      PostgreSQL: DATABASE_URL, else a temporary codops_bench_<time> database
//   npm run bench -- --pglite          the embedded database (fresh temporary DATA_DIR), bench/results-pglite.json
//   options: --reps 30 --warmups 3 --leads 100000 --duration 15 --warmup-seconds 3 --connections 10 --out <file>
//            --tsx (run src/server.ts, not dist/), --cpu-prof (the server writes a .cpuprofile to bench/tmp/)
//   npm run bench -- --concurrency [--baseline DIR]   concurrent intake (bench/concurrency.ts), bench/results-concurrency.json
//   npm run bench -- --leads 1000000 [--pglite]       reads at scale, no manual ANALYZE (bench/scale.ts), bench/results-scale.json
//   npm run bench -- --soak 600 [--pglite]            mixed load, errors, p99 per kind, RSS (bench/soak.ts), bench/results-soak.json
//   npm run bench -- --small [--baseline DIR] [--rounds 3] [--cpu-prof] [--async-commit]   small POST/PATCH/GET, 4 clients (bench/small.ts)
//   npm run bench -- --call-centre [--leads 1000000] [--agents 50]      the agents' queue and statistics (bench/call-centre.ts)
//   npm run bench -- --fulfilment [--orders 10000] [--slots 2]   push N orders to the simulated courier and sync them
//            with a separate `codops worker` (bench/fulfilment.ts), bench/results-fulfilment.json
import autocannon from 'autocannon';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import {
  cpuPhase,
  freePort,
  machine,
  request,
  round,
  type Server,
  serverEntry,
  sleep,
  startServer,
  summary,
  watchRss,
  writeJson,
} from './lib.js';
import { runCallCentre } from './call-centre.js';
import { runConcurrency } from './concurrency.js';
import { insertRaw, makeLeads, prepareRaw, type RawBatch } from './raw.js';
import { runScale } from './scale.js';
import { cleanup, log, makeShop, onCleanup, settle, temporaryDatabase, temporaryDataDir } from './setup.js';
import { runSmall } from './small.js';
import { runSoak } from './soak.js';
import { runFulfilment } from './fulfilment.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const API = '/api/web/1.0';
const LEADS_PER_REQUEST = 1000;
const PRODUCTS = 20;
const LOAD_BATCH = 5000;
// config.ts accepts at most 1,000,000 a minute: far above what one process can serve.
const RATE_LIMIT = '1000000';

const { values: args } = parseArgs({
  options: {
    pglite: { type: 'boolean', default: false },
    tsx: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    reps: { type: 'string', default: '30' },
    warmups: { type: 'string', default: '3' },
    leads: { type: 'string' },
    concurrency: { type: 'boolean', default: false },
    small: { type: 'boolean', default: false },
    'async-commit': { type: 'boolean', default: false },
    'call-centre': { type: 'boolean', default: false },
    agents: { type: 'string', default: '50' },
    fulfilment: { type: 'boolean', default: false },
    orders: { type: 'string', default: '10000' },
    slots: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    baseline: { type: 'string' },
    soak: { type: 'string' },
    duration: { type: 'string', default: '15' },
    'warmup-seconds': { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    out: { type: 'string' },
  },
});
const opt = {
  pglite: args.pglite!,
  tsx: args.tsx!,
  cpuProf: args['cpu-prof']!,
  reps: Number(args.reps),
  warmups: Number(args.warmups),
  targetLeads: Number(args.leads ?? 100_000),
  duration: Number(args.duration),
  warmupSeconds: Number(args['warmup-seconds']),
  connections: Number(args.connections),
  out: resolve(ROOT, args.out ?? (args.pglite ? 'bench/results-pglite.json' : 'bench/results.json')),
};
const mode = args['call-centre']
  ? 'call-centre'
  : args.small
    ? 'small'
    : args.concurrency
      ? 'concurrency'
      : args.soak
        ? 'soak'
        : args.leads
          ? 'scale'
          : undefined;

/** The raw path's transaction: through `pg` directly for PostgreSQL, through the embedded database for PGlite. */
type RawWriter = (batch: RawBatch) => Promise<string[]>;

async function main() {
  const info = machine(ROOT);
  const entry = serverEntry(ROOT, opt.tsx);
  log(`server: ${entry.label}${entry.note ? ` (${entry.note})` : ''}`);
  if (args.fulfilment) {
    const out = resolve(ROOT, args.out ?? 'bench/results-fulfilment.json');
    await runFulfilment(ROOT, info, { orders: Number(args.orders), slots: Number(args.slots), out });
    return;
  }
  if (mode) return runMode(mode, info, entry);

  // ------------------------------------------------------------ database
  const dataDir = temporaryDataDir();
  let databaseUrl: string | undefined;
  let databaseLabel: string;
  if (opt.pglite) {
    databaseLabel = `pglite in ${dataDir}`;
  } else if (process.env.DATABASE_URL) {
    databaseUrl = process.env.DATABASE_URL;
    databaseLabel = 'DATABASE_URL (kept)';
  } else {
    databaseUrl = await temporaryDatabase('bench');
    const name = new URL(databaseUrl).pathname.slice(1);
    databaseLabel = `temporary database ${name} (dropped at the end)`;
  }
  log(`database: ${databaseLabel}`);

  // ------------------------------------------------------------ data, with the project's own code
  let db: Database | undefined = await openDatabase({ databaseUrl, dataDir });
  onCleanup('close setup database', async () => db?.close());
  await migrate(db);
  const { accountId, products, actor, auth } = await makeShop(db, 'Bench Shop', PRODUCTS);
  const pgVersion = String((await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v);

  let rawClient: pg.Client | undefined;
  let writeRaw: RawWriter;
  if (databaseUrl) {
    await db.close();
    db = undefined;
    const client = new pg.Client({ connectionString: databaseUrl });
    rawClient = client;
    await client.connect();
    onCleanup('close raw client', async () => client.end());
    writeRaw = async (batch) => {
      await client.query('BEGIN');
      try {
        const refs = await insertRaw(client, accountId, actor, batch);
        await client.query('COMMIT');
        return refs;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    };
  } else {
    const embedded = db;
    writeRaw = (batch) => embedded.tx((q) => insertRaw(q, accountId, actor, batch));
  }
  const sql = async <T>(text: string, params?: unknown[]): Promise<T[]> =>
    rawClient ? ((await rawClient.query(text, params)).rows as T[]) : (await db!.query<T>(text, params)).rows;
  const backends = async () =>
    rawClient ? (await sql<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).map((r) => r.pid) : [];
  const countLeads = async () => (await sql<{ n: number }>('SELECT count(*)::int AS n FROM leads WHERE account_id = $1', [accountId]))[0].n;

  // ------------------------------------------------------------ bulk writes: API and raw
  const apiSamples: number[] = [];
  const rawSamples: number[] = [];
  const rounds = opt.warmups + opt.reps;
  const rawOnce = async (i: number) => {
    const batch = prepareRaw(makeLeads(LEADS_PER_REQUEST, products), products);
    const t0 = performance.now();
    const refs = await writeRaw(batch);
    const ms = performance.now() - t0;
    if (refs.length !== LEADS_PER_REQUEST) throw new Error('raw insert: wrong number of references');
    if (i >= opt.warmups) rawSamples.push(ms);
  };

  let server: Server | undefined;
  let rss: ReturnType<typeof watchRss> | undefined;
  const memory: Record<string, number> = {};
  const start = async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
    Object.assign(env, { API_RATE_LIMIT_PER_MINUTE: RATE_LIMIT, DATA_DIR: dataDir });
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    if (databaseUrl) env.DATABASE_URL = databaseUrl;
    const nodeArgs = opt.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, 'bench', 'tmp')}`, ...entry.args] : entry.args;
    const s = await startServer(ROOT, nodeArgs, env, port);
    onCleanup('stop server', async () => s.stop());
    server = s;
    rss = watchRss(s.child.pid!);
    await sleep(500);
    memory.after_start_mb = rss.mark();
    log(`server pid ${s.child.pid} on ${s.base}, RSS ${memory.after_start_mb} MB`);
  };
  const apiOnce = async (i: number) => {
    const body = JSON.stringify({ leads: makeLeads(LEADS_PER_REQUEST, products) });
    const r = await request(`${server!.base}${API}/leads`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body,
    });
    if (r.status !== 201) throw new Error(`POST /leads answered ${r.status}: ${r.body.slice(0, 500)}`);
    if ((JSON.parse(r.body) as { data: { references: string[] } }).data.references.length !== LEADS_PER_REQUEST) {
      throw new Error('POST /leads: wrong number of references');
    }
    if (i >= opt.warmups) apiSamples.push(r.ms);
  };

  let bulkCpu: ReturnType<typeof cpuPhase>;
  let bulkShare: Awaited<ReturnType<typeof bulkCpu>>;
  if (databaseUrl) {
    // Interleaved, so that the noise of a shared machine hits both sides alike.
    await start();
    bulkCpu = cpuPhase(server!.child.pid!, backends);
    log(`POST /leads and raw insert, ${LEADS_PER_REQUEST} leads x 2 products: ${opt.warmups} warm-ups + ${opt.reps} each, interleaved`);
    for (let i = 0; i < rounds; i++) {
      await apiOnce(i);
      await rawOnce(i);
    }
    bulkShare = await bulkCpu();
  } else {
    // PGlite lives in one process: raw path in here first, then the server opens the directory.
    log(`raw insert (in-process PGlite), ${LEADS_PER_REQUEST} leads x 2 products: ${opt.warmups} warm-ups + ${opt.reps}`);
    for (let i = 0; i < rounds; i++) await rawOnce(i);
  }

  // ------------------------------------------------------------ load to the target
  const loadStart = performance.now();
  const reserveForApi = databaseUrl ? 0 : rounds * LEADS_PER_REQUEST;
  let have = await countLeads();
  while (have + reserveForApi < opt.targetLeads) {
    const n = Math.min(LOAD_BATCH, opt.targetLeads - reserveForApi - have);
    await writeRaw(prepareRaw(makeLeads(n, products), products));
    have += n;
  }
  const loadSeconds = round((performance.now() - loadStart) / 1000, 1);
  log(`loaded to ${have + reserveForApi} leads (raw unnest batches of ${LOAD_BATCH}) in ${loadSeconds} s`);
  // No manual ANALYZE: the reads see what a fresh install sees once the server's maintenance task
  // (or PostgreSQL's autovacuum) has caught up with the load.
  const loaded = new Date();
  if (databaseUrl) await settle(databaseUrl, loaded);

  if (!databaseUrl) {
    await db!.close();
    db = undefined;
    await start();
    bulkCpu = cpuPhase(server!.child.pid!, backends);
    log(`POST /leads, ${LEADS_PER_REQUEST} leads x 2 products: ${opt.warmups} warm-ups + ${opt.reps}`);
    for (let i = 0; i < rounds; i++) await apiOnce(i);
    bulkShare = await bulkCpu();
    await settle(undefined);
    // The server holds the directory now; the API requests were counted into the target above.
  }
  memory.bulk_writes_peak_mb = rss!.mark();

  // ------------------------------------------------------------ reads
  const base = server!.base;
  const list = await request(`${base}${API}/leads?per_page=1`, { headers: auth });
  const total = (JSON.parse(list.body) as { meta: { total: number } }).meta.total;
  // One counter per account and no deletions: the references are exactly LD-00001..LD-<total>.
  const ref = (n: number) => `LD-${String(n).padStart(5, '0')}`;
  for (const [n, want] of [
    [1, 200],
    [total, 200],
    [total + 1, 404],
  ]) {
    const r = await request(`${base}${API}/leads/${ref(n)}`, { headers: auth });
    if (r.status !== want || (want === 200 && !r.body.includes(`"reference":"${ref(n)}"`))) {
      throw new Error(`GET /leads/${ref(n)} answered ${r.status} (expected ${want}): ${r.body.slice(0, 300)}`);
    }
  }
  log(`${total} leads in the account; GET /leads/{reference} picks one of LD-00001..${ref(total)} at random`);

  const randomRef = () => `${API}/leads/${ref(1 + Math.floor(Math.random() * total))}`;
  const cannon = async (label: string, path: () => string) => {
    const run = (duration: number) =>
      autocannon({
        url: base,
        connections: opt.connections,
        duration,
        headers: auth,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }],
      });
    log(`${label}: ${opt.connections} connections, ${opt.warmupSeconds} s warm-up + ${opt.duration} s`);
    await run(opt.warmupSeconds);
    const meter = cpuPhase(server!.child.pid!, backends);
    const r = await run(opt.duration);
    const cpu = await meter();
    const out = {
      requests_per_second: Math.round(r.requests.average),
      requests_total: r.requests.total,
      latency_p50_ms: r.latency.p50,
      latency_p99_ms: r.latency.p99,
      latency_max_ms: r.latency.max,
      non_2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      cpu,
    };
    if (out.non_2xx || out.errors) log(`  WARNING ${label}: ${out.non_2xx} non-2xx, ${out.errors} errors`);
    return out;
  };
  const getByReference = await cannon('GET /leads/{reference}', randomRef);
  memory.get_by_reference_peak_mb = rss!.mark();
  const listPage = await cannon('GET /leads?per_page=50', () => `${API}/leads?per_page=50`);
  const listNew = await cannon('GET /leads?per_page=50&status=new', () => `${API}/leads?per_page=50&status=new`);
  memory.lists_peak_mb = rss!.mark();
  const peakRss = rss!.peak();
  rss!.stop();
  const exitCode = await server!.stop();
  if (exitCode !== 0) log(`server exited with ${exitCode} on SIGTERM:\n${server!.output()}`);

  // ------------------------------------------------------------ report
  const api = summary(apiSamples, LEADS_PER_REQUEST);
  const raw = summary(rawSamples, LEADS_PER_REQUEST);
  const ratio = round(raw.p50_ms / api.p50_ms, 3);
  const targets = [
    { target: 'POST 1,000 leads p50 <= 60 ms', value: `${api.p50_ms} ms`, pass: api.p50_ms <= 60 },
    { target: 'API >= 50 % of raw insert throughput', value: `${round(ratio * 100)} %`, pass: ratio >= 0.5 },
    {
      target: `GET by reference >= 3,000 req/s, p99 < 25 ms at ${Math.round(total / 1000)}k leads`,
      value: `${getByReference.requests_per_second} req/s, p99 ${getByReference.latency_p99_ms} ms`,
      pass: getByReference.requests_per_second >= 3000 && getByReference.latency_p99_ms < 25 && getByReference.non_2xx === 0,
    },
    { target: 'server memory < 300 MB', value: `${peakRss} MB peak RSS`, pass: peakRss < 300 },
  ];
  const results = {
    machine: { ...info, load_average_at_end: loadavg().map((l) => round(l, 2)) },
    database: { kind: databaseUrl ? 'postgres' : 'pglite', version: pgVersion, where: databaseLabel },
    server: {
      command: entry.label,
      note: entry.note ?? null,
      log_level: 'warn',
      api_rate_limit_per_minute: Number(RATE_LIMIT),
      exit_code: exitCode,
    },
    bulk_create: {
      leads_per_request: LEADS_PER_REQUEST,
      products_per_lead: 2,
      warmups: opt.warmups,
      repetitions: opt.reps,
      interleaved: Boolean(databaseUrl),
      api,
      raw,
      api_fraction_of_raw: ratio,
      cpu: bulkShare,
    },
    load: {
      leads_in_account: total,
      method: `raw unnest batches of ${LOAD_BATCH}; statistics by the server's maintenance (no manual ANALYZE)`,
      seconds: loadSeconds,
    },
    reads: {
      connections: opt.connections,
      warmup_seconds: opt.warmupSeconds,
      duration_seconds: opt.duration,
      get_by_reference: getByReference,
      list_per_page_50: listPage,
      list_per_page_50_status_new: listNew,
    },
    server_memory: { peak_rss_mb: peakRss, ...memory },
    targets,
  };
  mkdirSync(dirname(opt.out), { recursive: true });
  await writeJson(opt.out, results);

  const rows: [string, string][] = [
    ['machine', `${info.cpu_model} x ${info.cpu_count}, ${Math.round(info.total_memory_mb / 1024)} GB, node ${info.node}`],
    ['load average at start / end', `${info.load_average_at_start[0]} / ${results.machine.load_average_at_end[0]}`],
    ['database', `${results.database.kind} ${pgVersion}`],
    ['server', entry.label],
    ['POST /leads 1,000 x 2 p50 / p99', `${api.p50_ms} / ${api.p99_ms} ms  (${api.leads_per_second} leads/s)`],
    ['raw unnest insert p50 / p99', `${raw.p50_ms} / ${raw.p99_ms} ms  (${raw.leads_per_second} leads/s)`],
    ['API / raw throughput', `${round(ratio * 100)} %`],
    [
      `GET /leads/{ref} @ ${total} leads`,
      `${getByReference.requests_per_second} req/s, p50 ${getByReference.latency_p50_ms} ms, p99 ${getByReference.latency_p99_ms} ms`,
    ],
    [
      'GET /leads?per_page=50',
      `${listPage.requests_per_second} req/s, p50 ${listPage.latency_p50_ms} ms, p99 ${listPage.latency_p99_ms} ms`,
    ],
    [
      'GET /leads?per_page=50&status=new',
      `${listNew.requests_per_second} req/s, p50 ${listNew.latency_p50_ms} ms, p99 ${listNew.latency_p99_ms} ms`,
    ],
    ['CPU % of one core: server/postgres/client/others', ''],
    ...(
      [
        ['  bulk POST + raw', bulkShare],
        ['  GET /leads/{ref}', getByReference.cpu],
        ['  GET /leads?per_page=50', listPage.cpu],
        ['  GET /leads?...&status=new', listNew.cpu],
      ] as const
    ).map(([k, c]): [string, string] => [
      k,
      c ? `${c.server_pct} / ${c.postgres_pct} / ${c.bench_client_pct} / ${c.others_pct}  (of ${c.cores * 100})` : 'n/a',
    ]),
    ['server peak RSS', `${peakRss} MB (idle ${memory.after_start_mb} MB)`],
    ...targets.map((t): [string, string] => [`${t.pass ? 'PASS' : 'MISS'}  ${t.target}`, t.value]),
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log('\n' + rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n'));
  console.log(`\nwrote ${relative(ROOT, opt.out)}`);
}

/** The modes of bench/concurrency.ts, scale.ts and soak.ts: run, print a table, write a JSON file. */
async function runMode(
  m: 'concurrency' | 'scale' | 'soak' | 'small' | 'call-centre',
  info: ReturnType<typeof machine>,
  entry: ReturnType<typeof serverEntry>,
) {
  const common = { root: ROOT, serverArgs: entry.args, duration: opt.duration, warmupSeconds: opt.warmupSeconds };
  const { results, rows } =
    m === 'small'
      ? await runSmall({
          ...common,
          cpuProf: opt.cpuProf,
          rounds: Number(args.rounds),
          baseline: args.baseline ? resolve(args.baseline) : undefined,
          asyncCommit: args['async-commit']!,
        })
      : m === 'concurrency'
        ? await runConcurrency({
            ...common,
            baseline: args.baseline ? resolve(args.baseline) : undefined,
            reps: opt.reps,
            rounds: Number(args.rounds),
          })
        : m === 'scale'
          ? await runScale({ ...common, pglite: opt.pglite, leads: opt.targetLeads })
          : m === 'call-centre'
            ? await runCallCentre({ ...common, pglite: opt.pglite, leads: Number(args.leads ?? 1_000_000), agents: Number(args.agents) })
            : await runSoak({ ...common, pglite: opt.pglite, seconds: Number(args.soak) });
  const out = resolve(ROOT, args.out ?? `bench/results-${m}${opt.pglite ? '-pglite' : ''}.json`);
  const body = { machine: { ...info, load_average_at_end: loadavg().map((l) => round(l, 2)) }, server: entry.label, ...results };
  await writeJson(out, body);
  const head: [string, string][] = [
    ['machine', `${info.cpu_model} x ${info.cpu_count}, ${Math.round(info.total_memory_mb / 1024)} GB, node ${info.node}`],
    ['date, commit', `${info.date}, ${info.git_commit?.slice(0, 7)}${info.git_dirty ? ' (dirty)' : ''}`],
    ['load average at start / end', `${info.load_average_at_start[0]} / ${body.machine.load_average_at_end[0]}`],
  ];
  const all = [...head, ...rows];
  const w = Math.max(...all.map(([k]) => k.length));
  console.log('\n' + all.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n'));
  console.log(`\nwrote ${relative(ROOT, out)}`);
  await cleanup();
}

process.on('SIGINT', () => {
  log('interrupted: cleaning up');
  void cleanup().finally(() => process.exit(130));
});

main()
  .then(cleanup)
  .then(() => process.exit(0))
  .catch(async (err) => {
    console.error(err);
    await cleanup();
    process.exit(1);
  });

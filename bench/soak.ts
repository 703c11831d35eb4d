// `npm run bench -- --soak 600 [--pglite]`: a mixed load for that many seconds from 4 clients on one
// account (creates of 1 and of 1,000 leads, lists, shows, status changes); every answer that is not
// the expected status counts as an error; p50/p99 per kind; the server's RSS every 10 s, and its
// growth after the first minute (flat: within 10 %).
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { request, round } from './lib.js';
import { insertRaw, makeLeads, prepareRaw } from './raw.js';
import { API, launch, log, makeShop, post, settle, stats, temporaryDataDir, temporaryDatabase } from './setup.js';

export interface SoakOptions {
  root: string;
  serverArgs: string[];
  pglite: boolean;
  seconds: number;
}

const KINDS: [string, number][] = [
  ['create_1', 0.4],
  ['create_1000', 0.01],
  ['list', 0.15],
  ['show', 0.3],
  ['status_change', 0.14],
];

export async function runSoak(o: SoakOptions) {
  const dataDir = temporaryDataDir();
  const url = o.pglite ? undefined : await temporaryDatabase('soak');
  const db = await openDatabase({ databaseUrl: url, dataDir });
  await migrate(db);
  const shop = await makeShop(db, 'Bench soak');
  for (let i = 0; i < 10; i++)
    await db.tx((q) => insertRaw(q, shop.accountId, shop.actor, prepareRaw(makeLeads(5000, shop.products), shop.products)));
  await db.close();
  const { server, rss } = await launch(o.root, o.serverArgs, { url, dataDir });
  const base = server.base;
  await settle(url);

  const fresh: string[] = []; // new leads, each changed once
  // Shown: the loaded leads and those whose creation answered. A number above the highest answered
  // may belong to a request still in flight (numbers are drawn before commit), so it is not guessed.
  const answered: string[] = [];
  const samples: Record<string, number[]> = Object.fromEntries(KINDS.map(([k]) => [k, []]));
  const errors: Record<string, number> = Object.fromEntries(KINDS.map(([k]) => [k, 0]));
  const firstErrors: string[] = [];
  // Every created lead is a new customer (07… numbers, unlike the loaded 06… ones): a repeated phone
  // and product would be a duplicate (call-centre.md), and a duplicate refuses the status changes.
  let customers = 0;
  const body = (n: number) =>
    JSON.stringify({ leads: makeLeads(n, shop.products).map((l) => ({ ...l, phone: `07${String(++customers).padStart(8, '0')}` })) });
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
  const kindOf = () => {
    let x = Math.random();
    for (const [k, share] of KINDS) if ((x -= share) < 0) return k;
    return 'show';
  };
  const one = async (kind: string) => {
    const created = async (body: string) => {
      const r = await post(base, `${API}/leads`, shop.auth, body);
      const refs = (JSON.parse(r.body) as { data: { references: string[] } }).data.references;
      if (answered.length < 100_000) answered.push(refs[0]);
      if (fresh.length < 10_000) fresh.push(refs[0]);
      return r.ms;
    };
    if (kind === 'create_1') return created(body(1));
    if (kind === 'create_1000') return created(body(1000));
    if (kind === 'status_change' && fresh.length > 0) {
      const ref = fresh.splice(Math.floor(Math.random() * fresh.length), 1)[0];
      return (await post(base, `${API}/leads/${ref}`, shop.auth, JSON.stringify({ status: pick(['no_reply', 'canceled']) }), 200, 'PATCH'))
        .ms;
    }
    const path =
      kind === 'list'
        ? `${API}/leads?per_page=50${Math.random() < 0.5 ? '&status=new' : ''}`
        : `${API}/leads/${Math.random() < 0.5 && answered.length ? pick(answered) : `LD-${String(1 + Math.floor(Math.random() * 50_000)).padStart(5, '0')}`}`;
    const r = await request(`${base}${path}`, { headers: shop.auth });
    if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${r.body.slice(0, 200)}`);
    return r.ms;
  };

  const memory: { second: number; rss_mb: number }[] = [];
  const t0 = performance.now();
  const sampler = setInterval(() => memory.push({ second: Math.round((performance.now() - t0) / 1000), rss_mb: rss.last() }), 10_000);
  const deadline = t0 + o.seconds * 1000;
  log(`soak: 4 clients for ${o.seconds} s`);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() < deadline) {
        const kind = kindOf();
        try {
          samples[kind].push(await one(kind));
        } catch (err) {
          errors[kind]++;
          if (firstErrors.length < 5) firstErrors.push(`${kind}: ${err instanceof Error ? err.message : err}`);
        }
      }
    }),
  );
  clearInterval(sampler);
  // RSS swings with the 1,000-lead bodies in hand; a leak shows as a rising middle: the median of the
  // last 2 minutes against the median of the 2 minutes after the first one.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const early = memory.filter((m) => m.second >= 60 && m.second < 180).map((m) => m.rss_mb);
  const late = memory.filter((m) => m.second > o.seconds - 120).map((m) => m.rss_mb);
  const growth = early.length && late.length && o.seconds >= 300 ? round((100 * (median(late) - median(early))) / median(early)) : null;
  const peakAfterMinute = Math.max(0, ...memory.filter((m) => m.second >= 60).map((m) => m.rss_mb));
  const perKind = Object.fromEntries(KINDS.map(([k]) => [k, { ...stats(samples[k]), errors: errors[k] }]));
  const totalErrors = Object.values(errors).reduce((a, b) => a + b, 0);
  const rows: [string, string][] = [
    ...KINDS.map(([k]): [string, string] => [
      `soak ${k}`,
      `${perKind[k].count} requests, p50 ${perKind[k].p50_ms} ms, p99 ${perKind[k].p99_ms} ms, ${errors[k]} errors`,
    ]),
    ['soak errors', `${totalErrors}${firstErrors.length ? ` (${firstErrors.join(' | ')})` : ''}`],
    ['soak RSS every 10 s (MB)', memory.map((m) => m.rss_mb).join(' ')],
    [
      'soak RSS median growth after the first minute',
      growth === null
        ? 'n/a (needs --soak 300 or more)'
        : `${growth} % (median ${median(early)} MB at 1–3 min, ${median(late)} MB in the last 2 min; peak ${peakAfterMinute} MB; target <= 10 %)`,
    ],
  ];
  return {
    results: {
      database: o.pglite ? 'pglite' : 'postgres',
      seconds: o.seconds,
      clients: 4,
      mix: Object.fromEntries(KINDS),
      per_kind: perKind,
      errors: totalErrors,
      first_errors: firstErrors,
      rss: memory,
      rss_median_growth_after_first_minute_pct: growth,
      rss_peak_after_first_minute_mb: peakAfterMinute,
    },
    rows,
  };
}

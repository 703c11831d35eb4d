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

  let highest = 50_000;
  const fresh: string[] = []; // new leads, each changed once
  const samples: Record<string, number[]> = Object.fromEntries(KINDS.map(([k]) => [k, []]));
  const errors: Record<string, number> = Object.fromEntries(KINDS.map(([k]) => [k, 0]));
  const firstErrors: string[] = [];
  const small = Array.from({ length: 200 }, () => JSON.stringify({ leads: makeLeads(1, shop.products) }));
  const bulk = Array.from({ length: 4 }, () => JSON.stringify({ leads: makeLeads(1000, shop.products) }));
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
  const kindOf = () => {
    let x = Math.random();
    for (const [k, share] of KINDS) if ((x -= share) < 0) return k;
    return 'show';
  };
  const refNumber = (r: string) => Number(r.slice(3));
  const one = async (kind: string) => {
    const created = async (body: string) => {
      const r = await post(base, `${API}/leads`, shop.auth, body);
      const refs = (JSON.parse(r.body) as { data: { references: string[] } }).data.references;
      highest = Math.max(highest, ...refs.map(refNumber));
      if (fresh.length < 10_000) fresh.push(refs[0]);
      return r.ms;
    };
    if (kind === 'create_1') return created(pick(small));
    if (kind === 'create_1000') return created(pick(bulk));
    if (kind === 'status_change' && fresh.length > 0) {
      const ref = fresh.splice(Math.floor(Math.random() * fresh.length), 1)[0];
      return (await post(base, `${API}/leads/${ref}`, shop.auth, JSON.stringify({ status: pick(['no_reply', 'canceled']) }), 200, 'PATCH'))
        .ms;
    }
    const path =
      kind === 'list'
        ? `${API}/leads?per_page=50${Math.random() < 0.5 ? '&status=new' : ''}`
        : `${API}/leads/LD-${String(1 + Math.floor(Math.random() * highest)).padStart(5, '0')}`;
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
  const afterMinute = memory.filter((m) => m.second >= 60);
  const base60 = afterMinute[0]?.rss_mb;
  const growth = base60 ? round((100 * (Math.max(...afterMinute.map((m) => m.rss_mb)) - base60)) / base60) : null;
  const perKind = Object.fromEntries(KINDS.map(([k]) => [k, { ...stats(samples[k]), errors: errors[k] }]));
  const totalErrors = Object.values(errors).reduce((a, b) => a + b, 0);
  const rows: [string, string][] = [
    ...KINDS.map(([k]): [string, string] => [
      `soak ${k}`,
      `${perKind[k].count} requests, p50 ${perKind[k].p50_ms} ms, p99 ${perKind[k].p99_ms} ms, ${errors[k]} errors`,
    ]),
    ['soak errors', `${totalErrors}${firstErrors.length ? ` (${firstErrors.join(' | ')})` : ''}`],
    ['soak RSS every 10 s (MB)', memory.map((m) => m.rss_mb).join(' ')],
    ['soak RSS growth after the first minute', growth === null ? 'n/a (shorter than a minute)' : `${growth} % (target <= 10 %)`],
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
      rss_growth_after_first_minute_pct: growth,
    },
    rows,
  };
}

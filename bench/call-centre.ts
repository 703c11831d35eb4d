// `npm run bench -- --call-centre [--leads 1000000] [--agents 50] [--pglite]`: the call centre at scale.
// N leads in one account created over the last year, oldest first (raw path, the status mix of
// bench/raw.ts, callbacks and retries spread out), one call in `lead_calls` for every decided lead
// (within a day of the lead), and 50 agents with 2–4 products each. Then, on the
// real server, no manual ANALYZE:
//   - paced: every agent asks `POST /call-centre/next` and records an outcome, then waits 0.5–1.5 s
//     (a working day compressed ~60×: a real call takes minutes); p50/p99 of `next`;
//   - saturated: the same loop without the wait (the server's limit, for reference);
//   - repeat: every agent asks `next` without a pause and gets the lead they hold back: the request
//     around the claim, with the CPU per request of the server and of PostgreSQL;
//   - the managers' statistics over the last 30 days and the last year (JSON and the page), one client.
import { cpuPhase, round } from './lib.js';
import type { Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { createUser } from '../src/modules/users/service.js';
import { insertRaw, makeLeads, prepareRaw, STATUS_MIX } from './raw.js';
import { backendsOf } from './small.js';
import { launch, log, logIn, maintained, makeShop, PASSWORD, settle, sleep, stats, temporaryDataDir, temporaryDatabase } from './setup.js';

export interface CallCentreOptions {
  root: string;
  serverArgs: string[];
  pglite: boolean;
  leads: number;
  agents: number;
  duration: number;
}

const BATCH = 5000;
const HANDLINGS = ['confirmed', 'canceled', 'no_reply', 'call_later', 'wrong'];

function statusAt(): string {
  let x = Math.random();
  for (const [s, share] of STATUS_MIX) if ((x -= share) < 0) return s;
  return 'new';
}

/** What an agent records after a call: mostly no answer, a third confirmed. */
function outcomeBody(): Record<string, unknown> {
  const x = Math.random();
  if (x < 0.4) return { status: 'no_reply' };
  if (x < 0.75) return { status: 'confirmed' };
  if (x < 0.85) return { status: 'call_later', callback_at: new Date(Date.now() + 3_600_000).toISOString() };
  return { status: 'canceled', cancel_reason: 'too_expensive' };
}

interface AgentClient {
  cookie: string;
  csrf: string;
}

async function agentClient(base: string, email: string): Promise<AgentClient> {
  const cookie = await logIn(base, email);
  const page = await fetch(`${base}/call-centre`, { headers: { cookie, accept: 'text/html' } });
  const csrf = /name="_token" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error(`no CSRF token on /call-centre for ${email}`);
  return { cookie, csrf };
}

async function call(base: string, a: AgentClient, method: string, path: string, body: unknown) {
  const t0 = performance.now();
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { cookie: a.cookie, 'x-csrf-token': a.csrf, accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return { ms, json: JSON.parse(text) as { data: { id: string } | null } };
}

/** Loads the leads and the calls behind them; answers the agents' e-mails and an admin's. */
export async function load(db: Database, o: CallCentreOptions) {
  const shop = await makeShop(db, 'Bench call centre');
  const t0 = performance.now();
  for (let done = 0; done < o.leads; done += BATCH) {
    const leads = makeLeads(Math.min(BATCH, o.leads - done), shop.products);
    const batch = prepareRaw(leads, shop.products);
    batch.statuses = leads.map(statusAt);
    const YEAR = 365 * 86_400_000;
    batch.createdAt = leads.map((_, i) => new Date(Date.now() - YEAR + ((done + i) / o.leads) * YEAR).toISOString());
    await db.tx((q) => insertRaw(q, shop.accountId, shop.actor, batch));
  }
  const stamp = Date.now();
  const agents: { id: string; email: string }[] = [];
  for (let i = 0; i < o.agents; i++) {
    const email = `bench-agent-${i}-${stamp}@example.com`;
    const { id } = await createUser(db, { role: 'agent', email, password: PASSWORD, fullName: `Bench agent ${i}` });
    const mine = [...shop.products].sort(() => Math.random() - 0.5).slice(0, 2 + (i % 3));
    await db.query(`UPDATE users SET products_ids_to_confirm = $2::jsonb, agent_status_handlings = $3::jsonb WHERE id = $1`, [
      id,
      JSON.stringify(mine.map((p) => p.id)),
      JSON.stringify(HANDLINGS),
    ]);
    agents.push({ id, email });
  }
  const admin = `bench-admin-${stamp}@example.com`;
  await createUser(db, { role: 'admin', email: admin, password: PASSWORD, fullName: 'Bench admin' });
  // Callbacks from two days ago to two days ahead, retries with 1–3 attempts, one call per decided lead.
  await db.query(
    `UPDATE leads SET callback_at = now() + (random() * 4 - 2) * interval '1 day'
      WHERE account_id = $1 AND status = 'call_later'`,
    [shop.accountId],
  );
  await db.query(
    `UPDATE leads SET call_attempts = 1 + floor(random() * 3)::int, last_call_at = now() - random() * interval '1 day'
      WHERE account_id = $1 AND status = 'no_reply'`,
    [shop.accountId],
  );
  await db.query(
    `INSERT INTO lead_calls (account_id, lead_id, agent_id, outcome, created_at)
     SELECT l.account_id, l.id, ($2::text[])[1 + floor(random() * cardinality($2::text[]))::int], l.status,
            least(now(), l.created_at + random() * interval '1 day')
       FROM leads l WHERE l.account_id = $1 AND l.status IN ('confirmed', 'canceled', 'wrong', 'no_reply', 'call_later')`,
    [shop.accountId, agents.map((a) => a.id)],
  );
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM lead_calls WHERE account_id = $1', [shop.accountId]);
  log(`${o.leads} leads, ${rows[0].n} calls, ${o.agents} agents in ${round((performance.now() - t0) / 1000)} s (no ANALYZE)`);
  return { agents, admin, calls: rows[0].n };
}

/** Every agent loops next → outcome until `seconds` pass, pausing `pause()` ms after each; the ms of every `next`. */
async function work(base: string, clients: AgentClient[], seconds: number, pause: () => number) {
  const next: number[] = [];
  const outcome: number[] = [];
  let empty = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    clients.map(async (a) => {
      await sleep(pause());
      while (performance.now() < until) {
        const n = await call(base, a, 'POST', '/call-centre/next', {});
        next.push(n.ms);
        if (n.json.data) outcome.push((await call(base, a, 'PATCH', `/leads/${n.json.data.id}/status`, outcomeBody())).ms);
        else empty++;
        await sleep(pause());
      }
    }),
  );
  return { next: stats(next), outcome: stats(outcome), empty_queue_answers: empty, nexts_per_second: round(next.length / seconds, 1) };
}

/**
 * Every agent asks `next` again and again without a pause: each gets the lead they hold back, so
 * this is the request around the claim (session, user, lock, claim, JSON), with the server's and
 * PostgreSQL's CPU per request, steadier than latency on a shared machine.
 */
async function repeatNext(base: string, clients: AgentClient[], seconds: number, serverPid: number, url: string | undefined) {
  const meter = cpuPhase(serverPid, () => (url ? backendsOf(url) : Promise.resolve([])));
  const ms: number[] = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    clients.map(async (a) => {
      while (performance.now() < until) ms.push((await call(base, a, 'POST', '/call-centre/next', {})).ms);
    }),
  );
  const cpu = await meter();
  const per = (pct: number | undefined) => round((((pct ?? 0) / 100) * (cpu?.seconds ?? seconds) * 1000) / Math.max(1, ms.length), 2);
  return {
    ...stats(ms),
    per_second: round(ms.length / seconds, 1),
    server_cpu_ms_per_request: per(cpu?.server_pct),
    postgres_cpu_ms_per_request: per(cpu?.postgres_pct),
    others_pct: cpu?.others_pct ?? 0,
  };
}

export async function runCallCentre(o: CallCentreOptions) {
  const dataDir = temporaryDataDir();
  const url = o.pglite ? undefined : await temporaryDatabase('callcentre');
  const db = await openDatabase({ databaseUrl: url, dataDir });
  await migrate(db);
  const loaded = await load(db, o);
  await db.close();

  const { server, rss } = await launch(o.root, o.serverArgs, { url, dataDir });
  const base = server.base;
  await settle(url);
  await maintained(url);
  const clients = await Promise.all(loaded.agents.map((a) => agentClient(base, a.email)));
  const rows: [string, string][] = [];
  const fmt = (s: ReturnType<typeof stats>) => `p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms, max ${s.max_ms} ms (${s.count})`;

  log('warm-up: 10 s paced, not recorded (sessions, connections, caches)');
  await work(base, clients, 10, () => 500 + Math.random() * 1000);
  log(`paced: ${o.agents} agents, ${o.duration} s`);
  const paced = await work(base, clients, o.duration, () => 500 + Math.random() * 1000);
  rows.push([`paced, ${o.agents} agents: POST /call-centre/next`, `${fmt(paced.next)}, ${paced.nexts_per_second}/s`]);
  rows.push([`paced, ${o.agents} agents: PATCH /leads/{id}/status`, fmt(paced.outcome)]);
  log(`saturated: ${o.agents} agents, ${Math.max(5, Math.round(o.duration / 2))} s`);
  const saturated = await work(base, clients, Math.max(5, Math.round(o.duration / 2)), () => 0);
  rows.push([`saturated, ${o.agents} agents: POST /call-centre/next`, `${fmt(saturated.next)}, ${saturated.nexts_per_second}/s`]);
  log(`repeat: ${o.agents} agents ask next for the lead they hold, 10 s`);
  const repeat = await repeatNext(base, clients, 10, server.child.pid!, url);
  rows.push([
    `repeat, ${o.agents} agents: POST /call-centre/next (held lead)`,
    `${fmt(repeat)}, ${repeat.per_second}/s; CPU per request: server ${repeat.server_cpu_ms_per_request} ms, PostgreSQL ${repeat.postgres_cpu_ms_per_request} ms`,
  ]);

  const admin = await logIn(base, loaded.admin);
  const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
  const statistics: Record<string, ReturnType<typeof stats>> = {};
  for (const [label, days, accept] of [
    ['GET /statistics/agents (JSON, 30 days)', 29, 'application/json'],
    ['GET /statistics/agents (page, 30 days)', 29, 'text/html'],
    ['GET /statistics/agents (JSON, 365 days)', 364, 'application/json'],
    ['GET /statistics/agents (page, 365 days)', 364, 'text/html'],
  ] as const) {
    const ms: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const res = await fetch(`${base}/statistics/agents?from=${day(days)}&to=${day(0)}`, { headers: { cookie: admin, accept } });
      await res.text();
      if (res.status !== 200) throw new Error(`${label} answered ${res.status}`);
      ms.push(performance.now() - t0);
    }
    statistics[label] = stats(ms);
    rows.push([label, fmt(statistics[label])]);
  }
  const peak = rss.peak();
  rows.push(['server peak RSS', `${peak} MB`]);
  return {
    results: {
      database: o.pglite ? 'pglite' : 'postgres',
      leads: o.leads,
      calls: loaded.calls,
      agents: o.agents,
      paced,
      saturated,
      repeat,
      statistics,
      server_peak_rss_mb: peak,
    },
    rows,
  };
}

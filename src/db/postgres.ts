import type { Writable } from 'node:stream';
import pg from 'pg';
import {
  AFTER_LAST,
  retryConflicts,
  type Database,
  type Queryable,
  type QueryOptions,
  type QueryResult,
  type TxOptions,
} from './database.js';

// Dates stay Date objects; int8 counts come back as numbers (they never reach 2^53 here).
pg.types.setTypeParser(20, (v) => Number(v));

/** The socket under a pooled client (pg's `connection.stream`). */
const socketOf = (client: pg.PoolClient) => (client as unknown as { connection?: { stream?: Writable } }).connection?.stream;

/**
 * A named statement with an array parameter runs on one generic plan: the arrays made PostgreSQL
 * plan a custom one on every call (a one-lead create spent 0.6 ms of its 1.5 ms planning). The mode
 * is set around it, in the same pipelined write, and reset after: every other statement (lists,
 * searches, bulk inserts) is planned for its values (a 100,000-row import on one generic plan per
 * batch took twice as long). Sequential scans are ruled out for that plan: it is kept for the
 * connection's life, until the next ANALYZE, and on a young database it was made when `leads` had a
 * few hundred rows, so each small create then read every lead for its duplicate look-up (and a
 * PATCH for its lock) while the table grew by thousands a second. These statements look up a few
 * keys; an index is the right path at any size. JIT is off for it too: the cost that rules a scan out
 * made PostgreSQL compile the plan (3.7 s a call). A named statement of scalars (the show, the status
 * counts) runs without them: PostgreSQL's own choice turns generic after five calls, and the pair would
 * be two more statements to run on each; the show's text keeps its index the path at any size instead
 * (oneByReference in records/record-list.ts). Inside a transaction a failed statement leaves the RESET
 * refused, and ROLLBACK restores the settings.
 */
const SMALL_PLAN = `SELECT set_config('plan_cache_mode', 'force_generic_plan', false), set_config('enable_seqscan', 'off', false),
                           set_config('jit', 'off', false)`;
const SMALL_PLAN_RESETS = ['RESET plan_cache_mode', 'RESET enable_seqscan', 'RESET jit'];
/** The same settings for the rest of the transaction only: its COMMIT undoes them. */
const SMALL_PLAN_LOCAL = SMALL_PLAN.replaceAll(', false)', ', true)');

const ignore = () => undefined;

/** A transaction whose statement flagged `last` ends it (QueryOptions.last): the COMMIT sent with it. */
interface Ending {
  commit?: Promise<unknown>;
}

/**
 * Sends a statement on one connection with what must travel with it, all in one write (inside a
 * transaction, the transaction's cork holds them longer): a named statement with an array parameter
 * runs on a generic plan (the settings before it, their RESETs after); `ending`, the statement ends
 * its transaction (QueryOptions.last): the COMMIT goes behind it, so the write's answer comes back in
 * one round trip instead of two, and the plan settings are the transaction's own (the COMMIT undoes
 * them). If the statement fails, PostgreSQL answers that COMMIT by rolling back.
 */
async function send(
  client: pg.PoolClient,
  text: string,
  params: unknown[] | undefined,
  name: string | undefined,
  sent: () => void,
  ending?: Ending,
) {
  const planned = name !== undefined && params?.some(Array.isArray) === true;
  const socket = planned || ending ? socketOf(client) : undefined;
  socket?.cork();
  // Named, it is parsed and planned once per connection, not on each write.
  if (planned)
    client.query(ending ? { name: 'small-plan-local', text: SMALL_PLAN_LOCAL } : { name: 'small-plan', text: SMALL_PLAN }).catch(ignore);
  const pending = client.query(name ? { name, text, values: params } : { text, values: params });
  const resets = planned && !ending ? SMALL_PLAN_RESETS.map((r) => client.query(r).catch(ignore)) : [];
  if (ending) {
    ending.commit = client.query('COMMIT');
    ending.commit.catch(ignore);
  }
  socket?.uncork();
  sent();
  try {
    return await pending;
  } finally {
    await Promise.all(resets);
  }
}

/**
 * Runs SQL on the pool or on one client; `sent` is called once a query is on its way. `ending`: a
 * transaction opened with `commitWithLast`.
 */
function wrap(client: pg.Pool | pg.PoolClient, sent = () => {}, ending?: Ending): Queryable {
  const open = () => {
    if (ending?.commit) throw new Error(AFTER_LAST);
  };
  return {
    async query<T>(text: string, params?: unknown[], opts?: QueryOptions): Promise<QueryResult<T>> {
      open();
      let r: pg.QueryResult;
      if (!(client instanceof pg.Pool)) r = await send(client, text, params, opts?.name, sent, opts?.last ? ending : undefined);
      else if (!opts?.name) r = await client.query(text, params as unknown[]);
      else {
        const one = await client.connect();
        try {
          r = await send(one, text, params, opts.name, sent);
        } finally {
          one.release();
        }
      }
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    },
    async exec(text: string) {
      open();
      const pending = client.query(text);
      sent();
      await pending;
    },
  };
}

/** How long the first connection may take: an address that accepts it and never answers (a firewall, a hung server) held the boot silently for good. */
const FIRST_CONNECT_MS = 10_000;

export async function openPostgres(url: string, max = 10): Promise<Database> {
  // Fail at boot with a clear message rather than on the first request, or never.
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: FIRST_CONNECT_MS });
  const started = Date.now();
  try {
    await probe.connect();
  } catch (err) {
    throw Date.now() - started >= FIRST_CONNECT_MS ? new Error(`no answer within ${FIRST_CONNECT_MS / 1000} s`) : err;
  } finally {
    await probe.end().catch(ignore);
  }
  // Pipeline mode: a query is sent without waiting for the answer of the one before, so a
  // transaction's BEGIN travels with its first statement (one round trip fewer per write).
  // Sessions in UTC whatever the server's or the database's zone, as on the embedded database: day
  // arithmetic (`make_interval(days => …)`, `+ interval '1 day'`) would otherwise move by an hour
  // across that zone's change of clocks. A DATABASE_URL's own `options` take precedence.
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idleTimeoutMillis: 30_000,
    pipeline: true,
    options: '-c TimeZone=UTC',
  } as pg.PoolConfig);
  // An idle connection the server closed (a restart, an administrator, a timeout) is dropped by the
  // pool, which opens another when one is needed; unheard, its 'error' event would end the process.
  pool.on('error', () => undefined);
  const notifications = new Notifications(url);
  const base = wrap(pool);
  /** One run of a transaction on a connection of its own. */
  async function once<T>(fn: (q: Queryable) => Promise<T>, opts?: TxOptions): Promise<T> {
    const client = await pool.connect();
    const ending: Ending | undefined = opts?.commitWithLast ? {} : undefined;
    // BEGIN waits, corked, for the transaction's first statement and leaves in the same write
    // (pg writes a query's messages at once, but each query on its own): one system call fewer.
    const socket = socketOf(client);
    let corked = Boolean(socket);
    // Uncorked after the current tick: statements started together (a lock and the statement
    // behind it) leave in that same write.
    const sent = () => {
      if (corked) queueMicrotask(() => socket!.uncork());
      corked = false;
    };
    try {
      socket?.cork();
      const begin = client.query('BEGIN');
      begin.catch(ignore); // a failed BEGIN fails the statement queued behind it
      setImmediate(sent); // fn may await something else first
      const out = await fn({ ...wrap(client, sent, ending), database });
      sent();
      await begin;
      await (ending?.commit ?? client.query('COMMIT'));
      return out;
    } catch (err) {
      sent();
      // After a COMMIT sent with the last statement there is nothing left to roll back.
      if (ending?.commit) await ending.commit.catch(ignore);
      else await client.query('ROLLBACK').catch(ignore);
      throw err;
    } finally {
      client.release();
    }
  }
  const database: Database = {
    kind: 'postgres',
    query: base.query,
    exec: base.exec,
    // A deadlock or serialization failure of a transaction that may run again is a wait, not an error.
    tx: (fn, opts) => (opts?.retryConflicts ? retryConflicts(() => once(fn, opts)) : once(fn, opts)),
    async listen(channel, onMessage) {
      await notifications.listen(channel, onMessage);
    },
    pool: () => ({ max, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      await notifications.close();
      await pool.end();
    },
  };
  return database;
}

const RECONNECT_MS = [100, 500, 1000, 2000, 5000];

/**
 * The LISTEN connection. When it is lost, it is opened again (after 0.1 s, then up to every 5 s) and
 * every handler is called once with an empty payload: a NOTIFY sent meanwhile is lost, so each
 * listener treats the call as "anything may have changed" (caches forget all, waiters wake).
 */
class Notifications {
  private handlers = new Map<string, ((payload: string) => void)[]>();
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly url: string) {}

  async listen(channel: string, onMessage: (payload: string) => void): Promise<void> {
    const known = this.handlers.get(channel);
    if (known) known.push(onMessage);
    else this.handlers.set(channel, [onMessage]);
    const client = await this.connect();
    if (!known) await client.query(`LISTEN "${channel}"`);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => this.deliver(n.channel, n.payload ?? ''));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN "${channel}"`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    return client;
  }

  private deliver(channel: string, payload: string) {
    for (const handler of this.handlers.get(channel) ?? []) handler(payload);
  }

  private lost(client: pg.Client) {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    this.reconnect(0);
  }

  /** A connection opened meanwhile (by `listen`) is kept: `connect` answers it. */
  private reconnect(attempt: number) {
    this.retry = setTimeout(
      () => {
        this.connect().then(
          () => {
            if (!this.closed) for (const channel of this.handlers.keys()) this.deliver(channel, '');
          },
          () => {
            if (!this.closed) this.reconnect(attempt + 1);
          },
        );
      },
      RECONNECT_MS[Math.min(attempt, RECONNECT_MS.length - 1)],
    );
    this.retry.unref();
  }
}

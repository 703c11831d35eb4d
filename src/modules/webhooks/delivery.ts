import { createHmac, randomUUID } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Database, Queryable } from '../../db/database.js';
import { BlockedAddressError, isBlockedAddress } from '../../lib/public-address.js';
import { unseal } from '../../lib/seal.js';
import { RESERVED_HEADERS } from './schemas.js';
import { notifyDisabled } from './notify.js';
import { SECRET_PURPOSE } from './service.js';

/** The NOTIFY that wakes delivery workers when the outbox writes deliveries. */
export const DELIVERY_CHANNEL = 'codops_webhooks';
/** Seconds before the retries after the 1st…6th failed attempt (±10 % jitter); the 7th failure is final. */
export const RETRY_SCHEDULE = [30, 120, 600, 3_600, 21_600, 86_400];
export const TIMEOUT_MS = 10_000;
/** A webhook whose attempts fail this many times in a row is disabled and its owner notified. */
export const DISABLE_AFTER = 100;
/** How long a worker holds a claimed delivery: longer than its request (TIMEOUT_MS) and its recording. */
export const LEASE_MS = 25_000;
/** Requests a process has in flight at most, and at most per account and per webhook: receivers that hang hold only their own. */
export const SLOTS = 128;
export const ACCOUNT_SLOTS = 32;
export const WEBHOOK_SLOTS = 16;
/** What the log keeps of a response. */
const RESPONSE_START = 500;
const MAX_RESPONSE_BYTES = 1 << 20;

/** `sha256=<hex>` of `<timestamp>.<raw body>` under the webhook's secret. */
export const signature = (secret: string, timestamp: number, body: string) =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

/** When the attempt after `attempt` failed ones is due, or null when that was the last. */
export function nextRetryAt(attempt: number, now: number, random = Math.random): Date | null {
  const base = RETRY_SCHEDULE[attempt - 1];
  if (base === undefined) return null;
  return new Date(now + Math.round(base * 1000 * (0.9 + 0.2 * random())));
}

/** A delivery as claimed: the event, and the webhook it goes to. */
interface Claimed {
  id: string;
  webhook_id: string;
  account_id: string;
  lock_token: string | null;
  attempts: number;
  /** Attempts made by "send again", outside the retry schedule. */
  resends: number;
  url: string;
  secret_sealed: string;
  custom_headers: { key: string; value: string }[];
  event_id: string;
  type: string;
  created_at: string;
  data: Record<string, unknown>;
  previous_status: string | null;
}

interface Outcome {
  ok: boolean;
  status: number | null;
  durationMs: number;
  response: string | null;
  error: string | null;
}

/**
 * The body of an event: `data` as the API showed it then, `previous_status` added on a status change
 * (null when there was none before: a payout request is born `pending`).
 */
export function eventBody(c: Pick<Claimed, 'event_id' | 'type' | 'created_at' | 'data' | 'previous_status'>): string {
  const data = c.type.endsWith('.status_changed') ? { ...c.data, previous_status: c.previous_status } : c.data;
  return JSON.stringify({ id: c.event_id, type: c.type, created_at: c.created_at, data });
}

/** A resolver that refuses private addresses: the check happens on the address the socket then uses. */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const blocked = allowPrivate ? undefined : addresses.find((a) => isBlockedAddress(a.address));
      if (blocked) return callback(new BlockedAddressError(hostname, blocked.address), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

const agents = new Map<string, http.Agent>();
function agentFor(protocol: string, allowPrivate: boolean): http.Agent {
  const key = `${protocol}${allowPrivate}`;
  let agent = agents.get(key);
  if (!agent) {
    // As many sockets as slots: a request never waits in the agent while its timeout runs.
    const opts = { keepAlive: true, maxSockets: SLOTS, lookup: guardedLookup(allowPrivate) };
    agent = protocol === 'https:' ? new https.Agent(opts) : new http.Agent(opts);
    agents.set(key, agent);
  }
  return agent;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

/** One signed POST: a 2xx within TIMEOUT_MS is a success; the start of the response is kept for the log. */
export async function post(
  target: { url: string; secret: string; headers: { key: string; value: string }[] },
  delivery: { id: string; type: string },
  body: string,
  allowPrivate: boolean,
  timeoutMs = TIMEOUT_MS,
): Promise<Outcome> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  let url: URL;
  try {
    url = new URL(target.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // An address written in the URL is never looked up: check it here.
    if (!allowPrivate && isIP(host) && isBlockedAddress(host)) throw new BlockedAddressError(host, host);
  } catch (err) {
    return { ok: false, status: null, durationMs: took(), response: null, error: message(err) };
  }
  const timestamp = Math.floor(Date.now() / 1000);
  // codops' headers, then the custom ones (webhooks-files.md), which never replace them.
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'codops-webhooks',
    'X-Codops-Event': delivery.type,
    'X-Codops-Delivery': delivery.id,
    'X-Codops-Timestamp': String(timestamp),
    'X-Codops-Signature': signature(target.secret, timestamp, body),
    'Content-Length': String(Buffer.byteLength(body)),
  };
  for (const h of target.headers) if (!RESERVED_HEADERS.has(h.key.toLowerCase())) headers[h.key] = h.value;
  let req: http.ClientRequest;
  try {
    req = (url.protocol === 'https:' ? https : http).request(url, { method: 'POST', headers, agent: agentFor(url.protocol, allowPrivate) });
  } catch (err) {
    // A header Node refuses (ERR_INVALID_CHAR: a value saved before the form checked it) fails this delivery only.
    return { ok: false, status: null, durationMs: took(), response: null, error: message(err) };
  }
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const finish = (o: Omit<Outcome, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...o, durationMs: took() });
    };
    let answered: (() => void) | undefined;
    // Deferred past the poll phase: an answer that arrived while the event loop was busy is read first.
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (settled) return;
          if (answered) answered(); // the status came in time: the body is cut short
          req.destroy(new Error(`No answer within ${timeoutMs / 1000} seconds.`));
        }),
      timeoutMs,
    );
    req.on('error', (err) => finish({ ok: false, status: null, response: null, error: message(err) }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const status = res.statusCode ?? 0;
      const done = (answered = () => {
        const text = Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_START);
        const ok = status >= 200 && status < 300;
        finish({ ok, status, response: text, error: ok ? null : `HTTP ${status}` });
      });
      res.on('data', (c: Buffer) => {
        if (size < RESPONSE_START * 4) chunks.push(c);
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) {
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      res.on('error', (err) => finish({ ok: false, status, response: null, error: message(err) }));
    });
    req.end(body);
  });
}

/** One delivery's request; whatever goes wrong is its failed attempt, never an exception (the others go on). */
async function sendDelivery(c: Claimed, opts: { appKey: string; allowPrivate: boolean; timeoutMs?: number }): Promise<Outcome> {
  try {
    const secret = unseal(opts.appKey, c.secret_sealed, SECRET_PURPOSE);
    if (secret === undefined)
      return { ok: false, status: null, durationMs: 0, response: null, error: 'The secret cannot be opened (APP_KEY changed).' };
    return await post(
      { url: c.url, secret, headers: c.custom_headers },
      { id: c.id, type: c.type },
      eventBody(c),
      opts.allowPrivate,
      opts.timeoutMs,
    );
  } catch (err) {
    return { ok: false, status: null, durationMs: 0, response: null, error: message(err) };
  }
}

interface DispatcherOptions {
  appKey: string;
  allowPrivate: boolean;
  /** Requests in flight at most (SLOTS). */
  concurrency?: number;
  /** Requests in flight at most per account (ACCOUNT_SLOTS) and per webhook (WEBHOOK_SLOTS). */
  perAccount?: number;
  perWebhook?: number;
  /** How often to look for due retries besides the NOTIFY of new deliveries. */
  pollMs?: number;
  /** How long a claimed delivery is held: a worker that dies lets it go after this. */
  leaseMs?: number;
  /** The time (ms since the epoch) retries are scheduled and found by; a test may drive it. */
  clock?: () => number;
  timeoutMs?: number;
  log?: { warn(obj: object, msg?: string): void };
  /** Only these webhooks' deliveries (tests sharing a database keep the others' out). */
  only?: string[];
  /** Told about webhooks this worker just disabled (their owners have a notification already). */
  onDisabled?: (hooks: { id: string; account_id: string; url: string }[]) => Promise<void>;
}

/** An attempt whose request ended, waiting to be recorded. */
interface Ended {
  c: Claimed;
  outcome: Outcome;
  /** When the request ended (the log's time), and the clock then (the retry counts from it). */
  at: number;
  clockAt: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Sends the outbox's deliveries through a pool of slots fed continuously: a slot frees when its
 * request ends, and the next due delivery takes it. A claim never takes one whose resource has an
 * earlier event still pending for that webhook (each lead's or order's events arrive in order), nor
 * more than a few in flight per webhook and per account (a receiver that hangs holds only its own
 * slots). Each attempt is recorded as it ends, with its retry (RETRY_SCHEDULE) and its webhook's
 * failure streak; those that end while a recording runs go together in the next one. Delivery is
 * at least once: a worker that dies holding deliveries lets them go when their lease lapses, and
 * another sends them again.
 */
export class WebhookDispatcher {
  private stopped = false;
  private woken = false;
  private loop: Promise<void> | undefined;
  private readonly sleepers = new Set<() => void>();
  private readonly clock: () => number;
  private readonly slots: number;
  private inFlight = 0;
  private readonly perWebhook = new Map<string, number>();
  private readonly perAccount = new Map<string, number>();
  private readonly sending = new Set<Promise<void>>();
  private readonly ended: Ended[] = [];
  private recorded: Promise<void> = Promise.resolve();
  private nextRecord: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    private readonly opts: DispatcherOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
    this.slots = opts.concurrency ?? SLOTS;
  }

  async start(): Promise<this> {
    await this.db.listen(DELIVERY_CHANNEL, () => this.wake());
    this.loop = this.feed();
    return this;
  }

  wake(): void {
    this.woken = true;
    for (const wake of this.sleepers) wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
  }

  /** Fills free slots with due deliveries; sleeps until a slot frees, an attempt is recorded, a NOTIFY or the poll. */
  private async feed(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      let claimed = 0;
      if (this.inFlight < this.slots) {
        try {
          const batch = await this.claim();
          claimed = batch.length;
          for (const c of batch) {
            const sent = this.deliver(c).catch((err: unknown) => this.opts.log?.warn({ err }, 'webhook delivery failed'));
            this.sending.add(sent);
            void sent.then(() => this.sending.delete(sent));
          }
        } catch (err) {
          this.opts.log?.warn({ err }, 'webhook delivery failed');
        }
      }
      if (claimed === 0) await this.sleep();
    }
    await Promise.all(this.sending);
  }

  private sleep(): Promise<void> {
    if (this.woken || this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.opts.pollMs ?? 1000);
      this.sleepers.add(wake);
    });
  }

  /** Claims what is due for the free slots, sends it and waits until each attempt is recorded; answers how many. */
  async runOnce(): Promise<number> {
    const batch = await this.claim();
    await Promise.all(batch.map((c) => this.deliver(c)));
    return batch.length;
  }

  /** One delivery: holds its slots while its request runs, then is recorded with whatever else ended meanwhile. */
  private async deliver(c: Claimed): Promise<void> {
    this.hold(c, 1);
    const outcome = await sendDelivery(c, this.opts);
    this.hold(c, -1);
    this.ended.push({ c, outcome, at: Date.now(), clockAt: this.clock() });
    this.wake();
    await this.record();
  }

  private hold(c: Claimed, n: 1 | -1): void {
    this.inFlight += n;
    for (const [counts, key] of [
      [this.perWebhook, c.webhook_id],
      [this.perAccount, c.account_id],
    ] as const) {
      const left = (counts.get(key) ?? 0) + n;
      if (left > 0) counts.set(key, left);
      else counts.delete(key);
    }
  }

  /** Records the attempts that ended, one recording at a time: the next takes all that ended meanwhile. */
  private record(): Promise<void> {
    if (!this.nextRecord) {
      const next = this.recorded.then(async () => {
        this.nextRecord = undefined;
        const ended = this.ended.splice(0);
        if (ended.length === 0) return;
        await this.write(ended);
        this.wake(); // a resource's next event may go now
      });
      this.nextRecord = next;
      this.recorded = next.catch(() => undefined);
    }
    return this.nextRecord;
  }

  private async claim(): Promise<Claimed[]> {
    const free = this.slots - this.inFlight;
    if (free <= 0) return [];
    const now = this.clock();
    const token = randomUUID();
    return this.db.tx(async (q) => {
      await q.query(claimDue, [
        iso(now),
        free,
        iso(now + (this.opts.leaseMs ?? LEASE_MS)),
        token,
        this.opts.only ?? null,
        this.opts.perWebhook ?? WEBHOOK_SLOTS,
        [...this.perWebhook.keys()],
        [...this.perWebhook.values()],
        this.opts.perAccount ?? ACCOUNT_SLOTS,
        [...this.perAccount.keys()],
        [...this.perAccount.values()],
      ]);
      return (await claimedBatch(q, token)).rows;
    });
  }

  private async write(ended: Ended[]): Promise<void> {
    const next = ended.map(({ c, outcome, clockAt }) => (outcome.ok ? null : nextRetryAt(c.attempts - c.resends + 1, clockAt)));
    // Each webhook's streak: reset by a success, then the failures after the last one (in the order they ended).
    const streaks = new Map<string, { reset: boolean; failures: number }>();
    for (const { c, outcome } of ended) {
      const s = streaks.get(c.webhook_id) ?? { reset: false, failures: 0 };
      if (outcome.ok) streaks.set(c.webhook_id, { reset: true, failures: 0 });
      else streaks.set(c.webhook_id, { ...s, failures: s.failures + 1 });
    }
    const outcomes = ended.map((e) => e.outcome);
    const disabled = await this.db.tx(async (q) => {
      await q.query(
        `WITH r AS (
           SELECT * FROM unnest($1::uuid[], $2::boolean[], $3::int[], $4::int[], $5::text[], $6::text[], $7::timestamptz[], $8::uuid[], $9::timestamptz[])
                    AS r(id, ok, http_status, duration_ms, response, error, next_at, token, at)),
         upd AS (
           UPDATE webhook_deliveries d
              SET attempts = d.attempts + 1, locked_until = NULL, lock_token = NULL,
                  state = CASE WHEN r.ok THEN 'delivered' WHEN r.next_at IS NULL THEN 'failed' ELSE 'pending' END,
                  next_attempt_at = coalesce(r.next_at, d.next_attempt_at),
                  finished_at = CASE WHEN r.ok OR r.next_at IS NULL THEN r.at END
             FROM r WHERE d.id = r.id AND d.lock_token = r.token
           RETURNING d.id, d.webhook_id, d.attempts)
         INSERT INTO webhook_attempts (delivery_id, webhook_id, attempt, http_status, duration_ms, response, error, next_retry_at, created_at)
         SELECT upd.id, upd.webhook_id, upd.attempts, r.http_status, r.duration_ms, r.response, r.error, r.next_at, r.at
           FROM upd JOIN r USING (id)`,
        [
          ended.map((e) => e.c.id),
          outcomes.map((o) => o.ok),
          outcomes.map((o) => o.status),
          outcomes.map((o) => o.durationMs),
          outcomes.map((o) => o.response),
          outcomes.map((o) => o.error),
          next.map((d) => d?.toISOString() ?? null),
          ended.map((e) => e.c.lock_token),
          ended.map((e) => iso(e.at)),
        ],
      );
      const off = await streak(q, streaks);
      await notifyDisabled(q, off, DISABLE_AFTER);
      return off;
    });
    if (disabled.length > 0) await this.opts.onDisabled?.(disabled);
  }
}

/**
 * Due deliveries for the free slots ($2): each active webhook's earliest due ones up to its room
 * ($6 less its requests in flight, $7/$8), then per account up to $9 with its own in flight
 * ($10/$11), earliest first. The lock's level repeats the due test: a delivery another worker
 * claimed after this statement's snapshot is skipped, not sent twice.
 */
const claimDue = `
  WITH hooks AS (
    SELECT w.id, w.account_id, $6::int - coalesce(f.n, 0) AS room
      FROM webhooks w LEFT JOIN unnest($7::text[], $8::int[]) AS f(id, n) ON f.id = w.id
     WHERE w.status = 'active' AND ($5::text[] IS NULL OR w.id = ANY($5::text[]))),
  candidates AS (
    SELECT c.id, h.account_id, c.next_attempt_at
      FROM hooks h CROSS JOIN LATERAL (
        SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
         WHERE d.webhook_id = h.id AND d.state = 'pending' AND d.next_attempt_at <= $1
           AND (d.locked_until IS NULL OR d.locked_until < $1)
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p
                            WHERE p.webhook_id = d.webhook_id AND p.resource_key = d.resource_key
                              AND p.state = 'pending' AND p.event_seq < d.event_seq)
         ORDER BY d.next_attempt_at -- webhook_deliveries_due: the scan stops at the webhook's room
         LIMIT h.room) c
     WHERE h.room > 0),
  fair AS (
    SELECT c.id, c.next_attempt_at, row_number() OVER (PARTITION BY c.account_id ORDER BY c.next_attempt_at) + coalesce(a.n, 0) AS nth
      FROM candidates c LEFT JOIN unnest($10::text[], $11::int[]) AS a(id, n) ON a.id = c.account_id),
  due AS (
    SELECT d.id FROM webhook_deliveries d
     WHERE d.id = ANY (ARRAY(SELECT id FROM fair WHERE nth <= $9 ORDER BY next_attempt_at LIMIT $2))
       AND d.state = 'pending' AND (d.locked_until IS NULL OR d.locked_until < $1)
     FOR UPDATE SKIP LOCKED)
  UPDATE webhook_deliveries d SET locked_until = $3, lock_token = $4 FROM due WHERE d.id = due.id`;

/** The deliveries a claim (or a resend) holds, with their event and webhook. */
function claimedBatch(q: Queryable, token: string) {
  return q.query<Claimed>(
    `SELECT d.id, d.webhook_id, w.account_id, d.lock_token, d.attempts, d.resends, w.url, w.secret_sealed, w.custom_headers,
            e.id AS event_id, e.type, iso_utc(e.created_at) AS created_at, e.data, e.previous_status
       FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN webhook_events e ON e.id = d.event_id
      WHERE d.lock_token = $1
      ORDER BY d.next_attempt_at, d.event_seq`,
    [token],
  );
}

/** Adds the attempts' outcomes to the webhooks' failure streaks; disables those reaching DISABLE_AFTER (answered). */
async function streak(q: Queryable, streaks: Map<string, { reset: boolean; failures: number }>) {
  const ids = [...streaks.keys()];
  const { rows } = await q.query<{ id: string; account_id: string; url: string }>(
    `WITH s AS (SELECT * FROM unnest($1::text[], $2::boolean[], $3::int[]) AS s(id, reset, failures)),
     upd AS (
       UPDATE webhooks w SET consecutive_failures = CASE WHEN s.reset THEN 0 ELSE w.consecutive_failures END + s.failures,
              status = CASE WHEN (CASE WHEN s.reset THEN 0 ELSE w.consecutive_failures END + s.failures) >= $4 THEN 'disabled' ELSE w.status END,
              disabled_at = CASE WHEN w.status = 'active' AND (CASE WHEN s.reset THEN 0 ELSE w.consecutive_failures END + s.failures) >= $4
                                 THEN now() ELSE w.disabled_at END
         FROM s WHERE w.id = s.id
       RETURNING w.id, w.account_id, w.url, w.status, w.disabled_at)
     SELECT id, account_id, url FROM upd WHERE status = 'disabled' AND disabled_at = now()`,
    [ids, ids.map((id) => streaks.get(id)!.reset), ids.map((id) => streaks.get(id)!.failures), DISABLE_AFTER],
  );
  return rows;
}

/**
 * Sends a delivery again now (the log's "send again"), whatever its state: a new attempt in the log.
 * A success marks it delivered; a failure leaves its schedule as it was (the next scheduled retry
 * keeps its place in RETRY_SCHEDULE: resends are counted apart). Like any attempt it counts
 * in the webhook's failures in a row (a success resets them; the 100th disables it). Answers the attempt.
 */
export async function resendDelivery(
  db: Database,
  opts: { appKey: string; allowPrivate: boolean; timeoutMs?: number },
  webhookId: string,
  deliveryId: string,
): Promise<(Outcome & { attempt: number }) | undefined> {
  const { rows } = await db.query<Claimed>(
    `SELECT d.id, d.webhook_id, w.account_id, d.lock_token, d.attempts, d.resends, w.url, w.secret_sealed, w.custom_headers,
            e.id AS event_id, e.type, iso_utc(e.created_at) AS created_at, e.data, e.previous_status
       FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN webhook_events e ON e.id = d.event_id
      WHERE d.id::text = $1 AND d.webhook_id = $2`,
    [deliveryId, webhookId],
  );
  const c = rows[0];
  if (!c) return undefined;
  const outcome = await sendDelivery(c, opts);
  const attempt = await db.tx(async (q) => {
    const upd = await q.query<{ attempts: number }>(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, resends = resends + 1,
              state = CASE WHEN $2 AND (locked_until IS NULL OR locked_until < now()) THEN 'delivered' ELSE state END,
              finished_at = CASE WHEN $2 AND state <> 'delivered' AND (locked_until IS NULL OR locked_until < now()) THEN now() ELSE finished_at END
        WHERE id = $1 RETURNING attempts`,
      [c.id, outcome.ok],
    );
    const n = upd.rows[0]?.attempts ?? c.attempts + 1;
    await q.query(
      `INSERT INTO webhook_attempts (delivery_id, webhook_id, attempt, http_status, duration_ms, response, error, resend)
       VALUES ($1, $2, $3, $4, $5, $6, $7, true)`,
      [c.id, c.webhook_id, n, outcome.status, outcome.durationMs, outcome.response, outcome.error],
    );
    const off = await streak(q, new Map([[c.webhook_id, outcome.ok ? { reset: true, failures: 0 } : { reset: false, failures: 1 }]]));
    await notifyDisabled(q, off, DISABLE_AFTER);
    return n;
  });
  return { ...outcome, attempt };
}

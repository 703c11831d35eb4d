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
/** How long a worker holds a claimed batch: longer than its requests (TIMEOUT_MS) and their recording. */
export const LEASE_MS = 25_000;
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
    const opts = { keepAlive: true, maxSockets: 64, lookup: guardedLookup(allowPrivate) };
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
  /** Deliveries a batch claims (its requests are in flight together). */
  concurrency?: number;
  /** Batches in flight at a time: one is sent while the next is claimed and the last recorded. */
  lanes?: number;
  /** How often to look for due retries besides the NOTIFY of new deliveries. */
  pollMs?: number;
  /** How long a claimed batch is held: a worker that dies lets it go after this. */
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

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Sends the outbox's deliveries: claims a batch of due ones (never one whose resource has an
 * earlier event still pending for that webhook: each lead's or order's events arrive in order),
 * posts them at once, then records every attempt, the retries (RETRY_SCHEDULE) and the webhooks'
 * failure streaks in one transaction. Delivery is at least once: a worker that dies holding a
 * batch lets it go when its lease lapses, and another sends it again.
 */
export class WebhookDispatcher {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly sleepers = new Set<() => void>();
  private readonly clock: () => number;
  private readonly concurrency: number;

  constructor(
    private readonly db: Database,
    private readonly opts: DispatcherOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
    this.concurrency = opts.concurrency ?? 32;
  }

  async start(): Promise<this> {
    await this.db.listen(DELIVERY_CHANNEL, () => this.wake());
    this.loop = Promise.all(Array.from({ length: this.opts.lanes ?? 2 }, () => this.run())).then(() => undefined);
    return this;
  }

  wake(): void {
    for (const wake of this.sleepers) wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let sent = 0;
      try {
        sent = await this.runOnce();
      } catch (err) {
        this.opts.log?.warn({ err }, 'webhook delivery failed');
      }
      if (sent === 0 && !this.stopped) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            this.sleepers.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, this.opts.pollMs ?? 1000);
          this.sleepers.add(wake);
        });
      }
    }
  }

  /** Claims, sends and records one batch; answers how many deliveries it sent. */
  async runOnce(): Promise<number> {
    const token = randomUUID();
    const batch = await this.claim(token);
    if (batch.length === 0) return 0;
    const outcomes = await Promise.all(batch.map((c) => sendDelivery(c, this.opts)));
    await this.record(token, batch, outcomes);
    return batch.length;
  }

  private async claim(token: string): Promise<Claimed[]> {
    const now = this.clock();
    return this.db.tx(async (q) => {
      await q.query(
        `WITH due AS (
           SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.status = 'active'
            WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND (d.locked_until IS NULL OR d.locked_until < $1)
              AND ($5::text[] IS NULL OR d.webhook_id = ANY($5::text[]))
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p
                               WHERE p.webhook_id = d.webhook_id AND p.resource_key = d.resource_key
                                 AND p.state = 'pending' AND p.event_seq < d.event_seq)
            ORDER BY d.next_attempt_at -- the due index's order: the scan stops at the batch (NOT EXISTS keeps the order)
            LIMIT $2
            FOR UPDATE OF d SKIP LOCKED)
         UPDATE webhook_deliveries d SET locked_until = $3, lock_token = $4 FROM due WHERE d.id = due.id`,
        [iso(now), this.concurrency, iso(now + (this.opts.leaseMs ?? LEASE_MS)), token, this.opts.only ?? null],
      );
      return (await claimedBatch(q, token)).rows;
    });
  }

  private async record(token: string, batch: Claimed[], outcomes: Outcome[]): Promise<void> {
    const now = this.clock();
    const next = batch.map((c, i) => (outcomes[i].ok ? null : nextRetryAt(c.attempts - c.resends + 1, now)));
    // Each webhook's streak: reset by a success, then the failures after the last one (completion order ≈ batch order).
    const streaks = new Map<string, { reset: boolean; failures: number }>();
    batch.forEach((c, i) => {
      const s = streaks.get(c.webhook_id) ?? { reset: false, failures: 0 };
      if (outcomes[i].ok) streaks.set(c.webhook_id, { reset: true, failures: 0 });
      else streaks.set(c.webhook_id, { ...s, failures: s.failures + 1 });
    });
    const disabled = await this.db.tx(async (q) => {
      await q.query(
        `WITH r AS (
           SELECT * FROM unnest($1::uuid[], $2::boolean[], $3::int[], $4::int[], $5::text[], $6::text[], $7::timestamptz[])
                    AS r(id, ok, http_status, duration_ms, response, error, next_at)),
         upd AS (
           UPDATE webhook_deliveries d
              SET attempts = d.attempts + 1, locked_until = NULL, lock_token = NULL,
                  state = CASE WHEN r.ok THEN 'delivered' WHEN r.next_at IS NULL THEN 'failed' ELSE 'pending' END,
                  next_attempt_at = coalesce(r.next_at, d.next_attempt_at),
                  finished_at = CASE WHEN r.ok OR r.next_at IS NULL THEN now() END
             FROM r WHERE d.id = r.id AND d.lock_token = $8
           RETURNING d.id, d.webhook_id, d.attempts)
         INSERT INTO webhook_attempts (delivery_id, webhook_id, attempt, http_status, duration_ms, response, error, next_retry_at)
         SELECT upd.id, upd.webhook_id, upd.attempts, r.http_status, r.duration_ms, r.response, r.error, r.next_at
           FROM upd JOIN r USING (id)`,
        [
          batch.map((c) => c.id),
          outcomes.map((o) => o.ok),
          outcomes.map((o) => o.status),
          outcomes.map((o) => o.durationMs),
          outcomes.map((o) => o.response),
          outcomes.map((o) => o.error),
          next.map((d) => d?.toISOString() ?? null),
          token,
        ],
      );
      const off = await streak(q, streaks);
      await notifyDisabled(q, off, DISABLE_AFTER);
      return off;
    });
    if (disabled.length > 0) await this.opts.onDisabled?.(disabled);
  }
}

/** The deliveries a claim (or a resend) holds, with their event and webhook. */
function claimedBatch(q: Queryable, token: string) {
  return q.query<Claimed>(
    `SELECT d.id, d.webhook_id, d.attempts, d.resends, w.url, w.secret_sealed, w.custom_headers,
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
    `SELECT d.id, d.webhook_id, d.attempts, d.resends, w.url, w.secret_sealed, w.custom_headers,
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

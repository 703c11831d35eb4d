import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database, Queryable } from '../db/database.js';
import { invalid } from './errors.js';

/**
 * A request's JSON value with sorted keys. Only the first 64 levels are written out: the library
 * recurses, and a body nested 5,000 arrays deep (10 KB, under an unknown key) overflowed the stack,
 * a 500 only with a key (API audit). Nothing the API keeps or reads lies that deep: two bodies that
 * differ only below it are refused alike or answered alike.
 */
const canonicalJson = configure({ maximumDepth: 64 });

/** A write's response: its status and its JSON text (stored as is for replays). */
export interface Outcome {
  status: number;
  json: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

const USED_FOR_ANOTHER = 'The Idempotency-Key has already been used for a different request.';
/** The key's length, in characters (api-v1.md: 1–255). */
const KEY_LENGTH = { min: 1, max: 255 };

/**
 * A write route's schema as the OpenAPI document shows it: with its optional `Idempotency-Key`
 * header (checked by hand in sendWrite, not by the route's schema, so a client generated from the
 * document learns of it here). Every POST, PATCH and DELETE of the API goes through sendWrite.
 */
export function withIdempotencyHeader(schema: Record<string, unknown>, method: string | string[]): Record<string, unknown> {
  if (![method].flat().some((m) => ['POST', 'PATCH', 'DELETE'].includes(m))) return schema;
  const header = {
    type: 'string',
    minLength: KEY_LENGTH.min,
    maxLength: KEY_LENGTH.max,
    description:
      'Optional. A retry with the same key and body within 24 hours gets the first response again (`Idempotent-Replayed: true`) and writes nothing; per token.',
  };
  const headers = (schema.headers as { properties?: object } | undefined) ?? {};
  return { ...schema, headers: { type: 'object', ...headers, properties: { ...headers.properties, 'Idempotency-Key': header } } };
}
const KEEP = "interval '24 hours'";

class Replay extends Error {}

const CLAIM = `INSERT INTO idempotency_keys (token_id, key, request_hash, status_code, body) VALUES ($1, $2, $3, 0, '')`;

/**
 * Runs a write in one transaction and sends its outcome. With an `Idempotency-Key`, the key is
 * claimed inside that same transaction: a concurrent request with the key waits on the claim, then
 * replays the stored response; a rolled-back write releases the key. Without a key, `withoutKey`
 * (when given) runs instead of `work` and opens its own transactions (leads/intake.ts). `work` runs
 * again when PostgreSQL aborts its transaction as a deadlock (TxOptions.retryConflicts): it does
 * nothing but SQL on `q` and answers what to send, which is sent once, after the commit.
 */
export async function sendWrite(
  req: FastifyRequest,
  reply: FastifyReply,
  work: (q: Queryable) => Promise<Outcome>,
  withoutKey?: (db: Database) => Promise<Outcome>,
) {
  const db = req.server.db;
  const key = req.headers['idempotency-key'];
  if (key === undefined) {
    // The work's statement flagged `last` carries the COMMIT (a small POST /leads: one round trip in all).
    const out = withoutKey ? await withoutKey(db) : await db.tx(work, { commitWithLast: true, retryConflicts: true });
    return reply.code(out.status).type(JSON_TYPE).send(out.json);
  }
  if (typeof key !== 'string' || key.length < KEY_LENGTH.min || key.length > KEY_LENGTH.max) {
    throw invalid({
      'Idempotency-Key': [
        typeof key !== 'string'
          ? 'The Idempotency-Key field must be a string.'
          : key.length > KEY_LENGTH.max
            ? `The Idempotency-Key field must not be greater than ${KEY_LENGTH.max} characters.`
            : `The Idempotency-Key field must be at least ${KEY_LENGTH.min} characters.`,
      ],
    });
  }
  const tokenId = req.tokenActor!.tokenId;
  const hash = createHash('sha256')
    .update(`${req.method} ${routePath(req)}\n`)
    // The JSON value, not its bytes: a retry that serialises the same data again (another key order,
    // other spacing) is the same request.
    .update(canonicalJson(req.body) ?? '')
    .digest('hex');

  // Sends the stored response and answers true, or answers false when there is none. (The reply
  // itself is not returned through an await: Fastify's reply is a thenable that resolves to nothing.)
  const stored = async (): Promise<boolean> => {
    const { rows } = await db.query<{ request_hash: string; status_code: number; body: string }>(
      `SELECT request_hash, status_code, body FROM idempotency_keys
        WHERE token_id = $1 AND key = $2 AND created_at > now() - ${KEEP}`,
      [tokenId, key],
    );
    const row = rows[0];
    if (!row) return false;
    if (row.request_hash !== hash) throw invalid({ 'Idempotency-Key': [USED_FOR_ANOTHER] });
    reply.header('idempotent-replayed', 'true').code(row.status_code).type(JSON_TYPE).send(row.body);
    return true;
  };

  // The claim comes first (no look-up before it): a new key costs no extra round trip; a used one
  // conflicts, waits for the request holding it if that one is still running, and is replayed.
  // Aborted as a deadlock, the claim goes with the rest: the next run claims the key again, or waits
  // for a request that took it meanwhile and replays that one's response.
  try {
    const out = await db.tx(
      async (q) => {
        const { rows } = await q.query<{ claimed: boolean; expired: boolean }>(
          `WITH expired AS (
           DELETE FROM idempotency_keys WHERE token_id = $1 AND key = $2 AND created_at <= now() - ${KEEP} RETURNING 1),
         claimed AS (
           INSERT INTO idempotency_keys (token_id, key, request_hash, status_code, body)
           SELECT $1, $2, $3, 0, '' WHERE NOT EXISTS (SELECT 1 FROM expired)
           ON CONFLICT (token_id, key) DO NOTHING RETURNING 1)
         SELECT EXISTS (SELECT 1 FROM claimed) AS claimed, EXISTS (SELECT 1 FROM expired) AS expired`,
          [tokenId, key, hash],
          { name: 'idempotency-claim' },
        );
        if (!rows[0].claimed && !rows[0].expired) throw new Replay();
        // A key kept more than a day was forgotten by the statement above; claimed now that it is gone.
        if (rows[0].expired) await q.query(CLAIM, [tokenId, key, hash]);
        const result = await work(q);
        await q.query('UPDATE idempotency_keys SET status_code = $3, body = $4 WHERE token_id = $1 AND key = $2', [
          tokenId,
          key,
          result.status,
          result.json,
        ]);
        return result;
      },
      { retryConflicts: true },
    );
    return reply.code(out.status).type(JSON_TYPE).send(out.json);
  } catch (err) {
    if (err instanceof Replay && (await stored())) return reply;
    throw err;
  }
}

/**
 * The path of the route that serves the request, its parameters filled in, and the query as sent:
 * `/leads/` and `/leads`, `/leads/LD%2D00001` and `/leads/LD-00001` are one route and one request.
 * A path sent plain (`/leads/LD-00001`) gives the text the raw URL gave, so keys stored before still replay.
 */
function routePath(req: FastifyRequest): string {
  const params = req.params as Record<string, string>;
  const path = req.routeOptions.url!.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  const q = req.url.indexOf('?');
  return q < 0 ? path : path + req.url.slice(q);
}

/** Forgets responses older than a day. */
export async function purgeIdempotencyKeys(db: Queryable): Promise<void> {
  await db.query(`DELETE FROM idempotency_keys WHERE created_at <= now() - ${KEEP}`);
}

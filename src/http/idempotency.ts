import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../db/database.js';
import { invalid } from './errors.js';

/** A write's response: its status and its JSON text (stored as is for replays). */
export interface Outcome {
  status: number;
  json: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

const USED_FOR_ANOTHER = 'The Idempotency-Key has already been used for a different request.';
const KEEP = "interval '24 hours'";

class Replay extends Error {}

/**
 * Runs a write in one transaction and sends its outcome. With an `Idempotency-Key`, the key is
 * claimed inside that same transaction: a concurrent request with the key waits on the claim, then
 * replays the stored response; a rolled-back write releases the key.
 */
export async function sendWrite(req: FastifyRequest, reply: FastifyReply, work: (q: Queryable) => Promise<Outcome>) {
  const db = req.server.db;
  const key = req.headers['idempotency-key'];
  if (key === undefined) {
    const out = await db.tx(work);
    return reply.code(out.status).type(JSON_TYPE).send(out.json);
  }
  if (typeof key !== 'string' || key.length < 1 || key.length > 255) {
    throw invalid({
      'Idempotency-Key': [
        typeof key === 'string' && key.length > 255
          ? 'The Idempotency-Key field must not be greater than 255 characters.'
          : 'The Idempotency-Key field must be a string.',
      ],
    });
  }
  const tokenId = req.tokenActor!.tokenId;
  const hash = createHash('sha256')
    .update(`${req.method} ${req.url}\n`)
    .update(req.rawBody ?? '')
    .digest('hex');

  const stored = async () => {
    const { rows } = await db.query<{ request_hash: string; status_code: number; body: string }>(
      `SELECT request_hash, status_code, body FROM idempotency_keys
        WHERE token_id = $1 AND key = $2 AND created_at > now() - ${KEEP}`,
      [tokenId, key],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.request_hash !== hash) throw invalid({ 'Idempotency-Key': [USED_FOR_ANOTHER] });
    reply.header('idempotent-replayed', 'true');
    return reply.code(row.status_code).type(JSON_TYPE).send(row.body);
  };

  const previous = await stored();
  if (previous) return previous;
  try {
    const out = await db.tx(async (q) => {
      await q.query(`DELETE FROM idempotency_keys WHERE token_id = $1 AND key = $2 AND created_at <= now() - ${KEEP}`, [tokenId, key]);
      const claim = await q.query(
        `INSERT INTO idempotency_keys (token_id, key, request_hash, status_code, body)
         VALUES ($1, $2, $3, 0, '') ON CONFLICT (token_id, key) DO NOTHING`,
        [tokenId, key, hash],
      );
      if (claim.rowCount === 0) throw new Replay();
      const result = await work(q);
      await q.query('UPDATE idempotency_keys SET status_code = $3, body = $4 WHERE token_id = $1 AND key = $2', [
        tokenId,
        key,
        result.status,
        result.json,
      ]);
      return result;
    });
    return reply.code(out.status).type(JSON_TYPE).send(out.json);
  } catch (err) {
    if (err instanceof Replay) {
      const again = await stored();
      if (again) return again;
    }
    throw err;
  }
}

/** Forgets responses older than a day. */
export async function purgeIdempotencyKeys(db: Queryable): Promise<void> {
  await db.query(`DELETE FROM idempotency_keys WHERE created_at <= now() - ${KEEP}`);
}

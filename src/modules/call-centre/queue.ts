import type { Database, Queryable } from '../../db/database.js';
import { compact } from '../../db/paging.js';
import { LEAD_JSON } from '../leads/presenter.js';
import { agentProfile } from './agent.js';

/** The lead under `alias` is live and still to be called. */
const open = (alias: string) => `${alias}.status IN ('new', 'no_reply', 'call_later') AND ${alias}.deleted_at IS NULL`;
const OPEN = open('l');
/** Not held by anyone: never claimed, or the claim expired. */
const FREE = '(l.claimed_until IS NULL OR l.claimed_until <= now())';
/** A callback is offered only once its time has come. */
const DUE = `(l.status <> 'call_later' OR l.callback_at <= now())`;
/** One of the lead's lines is one of `products` (a text[] expression): the products the agent confirms. */
const theirProducts = (products: string) =>
  `EXISTS (SELECT 1 FROM lead_lines ll WHERE ll.lead_id = l.id AND ll.product_id = ANY(${products}))`;
const THEIR_PRODUCTS = theirProducts('$2::text[]');
/** In the claim, the agent's products are read from their row, after the lock statement sent before it. */
const AGENT_PRODUCTS = theirProducts('(SELECT products FROM agent)::text[]');

/**
 * The queue's tiers, best first (call-centre.md): the agent's own unexpired claim; the leads a
 * manager assigned to them; due callbacks by callback_at; new leads, oldest first; no_reply leads,
 * fewest attempts, then longest since the last call. Each tier reads one partial index
 * (migration 0013) in its order and locks its first free lead with SKIP LOCKED, so two agents
 * asking at the same instant never lock the same lead. COALESCE evaluates its arguments only as
 * far as needed: a tier is read (and locks a lead) only when the better ones are empty.
 * It answers the lead's API JSON too, so the request needs no further query.
 */
const CLAIM_NEXT = `
WITH s AS (SELECT claim_minutes FROM call_centre_settings),
agent AS (SELECT ARRAY(SELECT jsonb_array_elements_text(u.products_ids_to_confirm)) AS products FROM users u WHERE u.id = $1),
held AS (
  SELECT l.id FROM leads l
   WHERE l.claimed_by = $1 AND l.claimed_until > now() AND ${OPEN}
   LIMIT 1),
mine AS (
  SELECT l.id FROM leads l
   WHERE l.assigned_to = $1 AND ${OPEN} AND ${DUE} AND ${FREE} AND ${AGENT_PRODUCTS}
   ORDER BY CASE l.status WHEN 'call_later' THEN 0 WHEN 'new' THEN 1 ELSE 2 END, l.callback_at,
            CASE WHEN l.status = 'new' THEN l.created_at END, l.call_attempts, l.last_call_at NULLS FIRST, l.id
   LIMIT 1 FOR UPDATE OF l SKIP LOCKED),
callbacks AS (
  SELECT l.id FROM leads l
   WHERE l.status = 'call_later' AND l.deleted_at IS NULL AND l.assigned_to IS NULL AND l.callback_at <= now()
     AND ${FREE} AND ${AGENT_PRODUCTS}
   ORDER BY l.callback_at, l.id
   LIMIT 1 FOR UPDATE OF l SKIP LOCKED),
fresh AS (
  SELECT l.id FROM leads l
   WHERE l.status = 'new' AND l.deleted_at IS NULL AND l.assigned_to IS NULL AND ${FREE} AND ${AGENT_PRODUCTS}
   ORDER BY l.created_at, l.id
   LIMIT 1 FOR UPDATE OF l SKIP LOCKED),
retries AS (
  SELECT l.id FROM leads l
   WHERE l.status = 'no_reply' AND l.deleted_at IS NULL AND l.assigned_to IS NULL AND ${FREE} AND ${AGENT_PRODUCTS}
   ORDER BY l.call_attempts, l.last_call_at NULLS FIRST, l.id
   LIMIT 1 FOR UPDATE OF l SKIP LOCKED),
pick AS (
  SELECT coalesce((SELECT id FROM held), (SELECT id FROM mine), (SELECT id FROM callbacks), (SELECT id FROM fresh),
                  (SELECT id FROM retries)) AS id
    FROM agent WHERE cardinality(agent.products) > 0)
UPDATE leads l
   SET claimed_by = $1,
       claimed_until = CASE WHEN l.claimed_by = $1 AND l.claimed_until > now() THEN l.claimed_until
                            ELSE now() + make_interval(mins => s.claim_minutes) END
  FROM pick, s
 WHERE l.id = pick.id
RETURNING l.id, ${LEAD_JSON}::text AS json, iso_utc(l.claimed_until) AS claimed_until`;

export interface Claim {
  id: string;
  /** The lead's API JSON, as `leadJson` renders it. */
  json: string;
  claimed_until: string;
}

/**
 * Claims the agent's next lead of the products on their row in one statement (their held one
 * again while unexpired); undefined: nothing to call. Run it in a transaction, after a statement
 * locking the agent's row (`agentProfile(q, id, true)`): it may be sent before that one answers.
 */
export async function claimNext(q: Queryable, agentId: string): Promise<Claim | undefined> {
  const { rows } = await q.query<Claim>(CLAIM_NEXT, [agentId], { name: 'claim_next' });
  return rows[0] && { ...rows[0], json: compact(rows[0].json) };
}

/**
 * Takes again, for a fresh claim_minutes, the lead the agent's own claim on which ran out while
 * nobody else took it: still open, not assigned to another agent, and no other lead held by the
 * agent (one lead at a time, as claimNext: the agent's row is locked first). The new
 * claimed_until, or undefined when it is not theirs to take again.
 */
export async function claimAgain(db: Database, agentId: string, leadId: string): Promise<string | undefined> {
  const { rows } = await db.tx(async (q) => {
    await agentProfile(q, agentId, true);
    return q.query<{ claimed_until: string }>(
      `UPDATE leads l
        SET claimed_until = now() + make_interval(mins => (SELECT claim_minutes FROM call_centre_settings))
      WHERE l.id = $2 AND l.claimed_by = $1 AND l.claimed_until <= now() AND ${OPEN}
        AND (l.assigned_to IS NULL OR l.assigned_to = $1)
        AND NOT EXISTS (SELECT 1 FROM leads o WHERE o.claimed_by = $1 AND o.claimed_until > now() AND o.id <> l.id AND ${open('o')})
  RETURNING iso_utc(l.claimed_until) AS claimed_until`,
      [agentId, leadId],
    );
  });
  return rows[0]?.claimed_until;
}

export interface QueueCounts {
  callbacks: number;
  fresh: number;
  retries: number;
}

/** What the agent may get now: due callbacks, new and no_reply leads of their products, free, not someone else's. */
export async function queueCounts(q: Queryable, agentId: string, products: string[]): Promise<QueueCounts> {
  if (products.length === 0) return { callbacks: 0, fresh: 0, retries: 0 };
  const { rows } = await q.query<QueueCounts>(
    `SELECT count(*) FILTER (WHERE l.status = 'call_later')::int AS callbacks,
            count(*) FILTER (WHERE l.status = 'new')::int AS fresh,
            count(*) FILTER (WHERE l.status = 'no_reply')::int AS retries
       FROM leads l
      WHERE ${OPEN} AND ${DUE} AND (l.assigned_to IS NULL OR l.assigned_to = $1)
        AND (${FREE} OR l.claimed_by = $1) AND ${THEIR_PRODUCTS}`,
    [agentId, products],
  );
  return rows[0];
}

/** Ends the agent's claim on the lead; whether they held it. */
export async function releaseClaim(q: Queryable, agentId: string, leadId: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE leads SET claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND claimed_by = $2 AND claimed_until > now()`,
    [leadId, agentId],
  );
  return rowCount > 0;
}

/** Whether someone other than `agentId` holds an unexpired claim on the lead. */
export async function heldByAnother(q: Queryable, agentId: string, leadId: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM leads WHERE id = $1 AND claimed_by <> $2 AND claimed_until > now()', [leadId, agentId]);
  return rows.length > 0;
}

/** Whether `agentId` holds an unexpired claim on the lead. */
export async function holdsClaim(q: Queryable, agentId: string, leadId: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM leads WHERE id = $1 AND claimed_by = $2 AND claimed_until > now()', [leadId, agentId]);
  return rows.length > 0;
}

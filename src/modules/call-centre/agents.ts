import type { Actor } from '../../core/actor.js';
import type { Queryable } from '../../db/database.js';
import { isOpenLead } from '../leads/transitions.js';
import { startOfToday } from '../../lib/time-zone.js';

/**
 * The agents a supervisor works on (call-centre.md, domain.md): a call-center-manager the agents
 * of the call centres they manage and those assigned to them (`manager_id`), as their user pages
 * list them; a manager the agents assigned to them (`manager_id`); admins
 * and manager leaders every agent. `$1` is the supervisor's id in the SQL returned.
 */
export function agentScope(actor: Actor): string {
  if (actor.role === 'call-center-manager')
    return `(u.manager_id = $1 OR u.call_center_id IN (SELECT cc.id FROM call_centers cc WHERE cc.manager_id = $1))`;
  if (actor.role === 'manager') return 'u.manager_id = $1';
  return '$1::text IS NOT NULL';
}

export interface AgentRow {
  id: string;
  full_name: string;
  call_center: string | null;
  paused: boolean;
  claim: { lead_id: string; reference: string; claimed_until: string } | null;
  calls_today: number;
  confirmed_today: number;
  confirmation_rate: number;
  /** Open leads a manager assigned to the agent: they wait for this agent alone, paused or not. */
  assigned_open: number;
}

/** Each agent of the scope with their live claim and today's calls (today in `tz`). */
export async function agentBoard(q: Queryable, actor: Actor, tz: string): Promise<AgentRow[]> {
  const { rows } = await q.query<AgentRow>(
    `WITH today AS (SELECT $2::timestamptz AS since)
     SELECT u.id, u.full_name, cc.name AS call_center, u.paused_at IS NOT NULL AS paused,
            (SELECT json_build_object('lead_id', l.id, 'reference', l.reference, 'claimed_until', iso_utc(l.claimed_until))
               FROM leads l WHERE l.claimed_by = u.id AND l.claimed_until > now() AND l.deleted_at IS NULL LIMIT 1) AS claim,
            coalesce(c.calls, 0) AS calls_today, coalesce(c.confirmed, 0) AS confirmed_today,
            CASE WHEN coalesce(c.final, 0) = 0 THEN 0 ELSE round(c.confirmed::numeric / c.final, 4)::float8 END AS confirmation_rate,
            (SELECT count(*)::int FROM leads l
              WHERE l.assigned_to = u.id AND l.deleted_at IS NULL AND l.status IN ('new', 'no_reply', 'call_later')) AS assigned_open
       FROM users u
       LEFT JOIN call_centers cc ON cc.id = u.call_center_id
       LEFT JOIN LATERAL (
         SELECT count(*)::int AS calls, count(*) FILTER (WHERE lc.outcome = 'confirmed')::int AS confirmed,
                count(DISTINCT lc.lead_id) FILTER (WHERE lc.outcome IN ('confirmed', 'canceled', 'wrong'))::int AS final
           FROM lead_calls lc, today WHERE lc.agent_id = u.id AND lc.created_at >= today.since) c ON true
      WHERE u.role = 'agent' AND u.deleted_at IS NULL AND ${agentScope(actor)}
      ORDER BY lower(u.full_name), u.id`,
    [actor.userId, startOfToday(tz)],
  );
  return rows;
}

/** The agents of the actor's scope by name (the leads list's "assign to" choices). */
export async function agentChoices(q: Queryable, actor: Actor): Promise<{ id: string; full_name: string }[]> {
  const { rows } = await q.query<{ id: string; full_name: string }>(
    `SELECT u.id, u.full_name FROM users u
      WHERE u.role = 'agent' AND u.deleted_at IS NULL AND u.status = 'active' AND ${agentScope(actor)}
      ORDER BY lower(u.full_name), u.id LIMIT 500`,
    [actor.userId],
  );
  return rows;
}

export interface AgentChoice {
  id: string;
  full_name: string;
  status: string;
  paused: boolean;
}

/** Every agent of the actor's scope, inactive and paused ones too (the leads list's "Assigned to" filter). */
export async function agentsOfScope(q: Queryable, actor: Actor): Promise<AgentChoice[]> {
  const { rows } = await q.query<AgentChoice>(
    `SELECT u.id, u.full_name, u.status, u.paused_at IS NOT NULL AS paused FROM users u
      WHERE u.role = 'agent' AND u.deleted_at IS NULL AND ${agentScope(actor)}
      ORDER BY lower(u.full_name), u.id LIMIT 500`,
    [actor.userId],
  );
  return rows;
}

/**
 * Whom the lead waits for, when a manager assigned it: the user's name, status and pause, and
 * whether they are an agent of the actor's scope (`in_scope`: else the page names no one).
 */
export async function leadAssignee(q: Queryable, actor: Actor, leadId: string): Promise<(AgentChoice & { in_scope: boolean }) | undefined> {
  const { rows } = await q.query<AgentChoice & { in_scope: boolean }>(
    `SELECT u.id, u.full_name, u.status, u.paused_at IS NOT NULL AS paused,
            (u.role = 'agent' AND u.deleted_at IS NULL AND coalesce(${agentScope(actor)}, false)) AS in_scope
       FROM leads l JOIN users u ON u.id = l.assigned_to WHERE l.id = $2`,
    [actor.userId, leadId],
  );
  return rows[0];
}

/** The agent `agentId` when they are an agent of the actor's scope (with their status), else undefined. */
export async function agentInScope(q: Queryable, actor: Actor, agentId: string): Promise<{ status: string } | undefined> {
  const { rows } = await q.query<{ status: string }>(
    `SELECT u.status FROM users u WHERE u.id = $2 AND u.role = 'agent' AND u.deleted_at IS NULL AND ${agentScope(actor)}`,
    [actor.userId, agentId],
  );
  return rows[0];
}

export async function setPaused(q: Queryable, agentId: string, paused: boolean): Promise<void> {
  await q.query(`UPDATE users SET paused_at = CASE WHEN $2 THEN coalesce(paused_at, now()) END, updated_at = now() WHERE id = $1`, [
    agentId,
    paused,
  ]);
}

export interface AssignCheck {
  /** A lead assigned to, or held by, an agent outside the actor's scope (404). */
  outside: boolean;
  /** Leads the agent could never be offered, with why (422). */
  refused: { index: number; message: string }[];
}

/**
 * What stands in the way of giving `ids` to `agentId` (null: unassigning): leads another
 * supervisor's agent has (call-centre.md: 404), and leads the agent's queue would never offer (no
 * longer waiting for a call, or of no product the agent confirms), which would be stranded there.
 * The leads are locked (in id order) until the caller's transaction ends, so a call outcome or a
 * claim committed meanwhile is either seen here or waits for the assignment.
 */
export async function assignCheck(q: Queryable, actor: Actor, ids: string[], agentId: string | null): Promise<AssignCheck> {
  const { rows } = await q.query<{ id: string; reference: string; status: string; outside: boolean; of_agent: boolean }>(
    `SELECT l.id, l.reference, l.status,
            EXISTS (SELECT 1 FROM users u
                     WHERE u.id IN (l.assigned_to, CASE WHEN l.claimed_until > now() THEN l.claimed_by END)
                       AND NOT coalesce(${agentScope(actor)}, false)) AS outside,
            EXISTS (SELECT 1 FROM lead_lines ll JOIN users a ON a.id = $3
                     WHERE ll.lead_id = l.id AND a.products_ids_to_confirm ? ll.product_id) AS of_agent
       FROM leads l WHERE l.id = ANY($2::text[]) AND l.deleted_at IS NULL
      ORDER BY l.id FOR NO KEY UPDATE OF l`,
    [actor.userId, ids, agentId],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const refused: AssignCheck['refused'] = [];
  if (agentId) {
    ids.forEach((id, index) => {
      const l = byId.get(id);
      if (!l) return;
      if (!isOpenLead(l.status))
        refused.push({
          index,
          message: `The lead ${l.reference} is ${l.status}: only new, no_reply and call_later leads wait for a call.`,
        });
      else if (!l.of_agent) refused.push({ index, message: `The lead ${l.reference} has no product this agent confirms.` });
    });
  }
  return { outside: rows.some((r) => r.outside), refused };
}

/** Gives the account-visible leads among `ids` to the agent (null: back to everyone's queue); answers how many. */
export async function assignLeads(q: Queryable, ids: string[], agentId: string | null): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE leads SET assigned_to = $2, updated_at = now() WHERE id = ANY($1::text[]) AND deleted_at IS NULL`,
    [ids, agentId],
  );
  return rowCount;
}

/** An assignment the queue can no longer offer (`l` the lead, `u` its assignee): `u` is inactive, deleted or no agent, or confirms none of `l`'s products. */
const UNSERVABLE = `l.assigned_to = u.id AND l.status IN ('new', 'no_reply', 'call_later') AND l.deleted_at IS NULL
  AND (u.status <> 'active' OR u.deleted_at IS NOT NULL OR u.role <> 'agent'
       OR NOT EXISTS (SELECT 1 FROM lead_lines ll
                       WHERE ll.lead_id = l.id AND ll.product_id IN (SELECT jsonb_array_elements_text(u.products_ids_to_confirm))))`;

/**
 * Gives back to everyone's queue the open leads assigned to these users that their queue can no
 * longer offer (UNSERVABLE). Called in the transaction that changes such a user, or the agents of a
 * product (the assignment is checked only when made: call-centre audit found leads waiting in
 * nobody's queue).
 */
export async function unassignUnservable(q: Queryable, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  await q.query(`UPDATE leads l SET assigned_to = NULL, updated_at = now() FROM users u WHERE u.id = ANY($1::text[]) AND ${UNSERVABLE}`, [
    userIds,
  ]);
}

/** The same for these leads, in the transaction that changes their products. */
export async function unassignUnservableLeads(q: Queryable, leadIds: string[]): Promise<void> {
  if (leadIds.length === 0) return;
  await q.query(`UPDATE leads l SET assigned_to = NULL, updated_at = now() FROM users u WHERE l.id = ANY($1::text[]) AND ${UNSERVABLE}`, [
    leadIds,
  ]);
}

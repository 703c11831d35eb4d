import type { Actor } from '../../core/actor.js';
import type { Queryable } from '../../db/database.js';
import { agentScope } from './agents.js';

export interface AgentStats {
  agent_id: string;
  agent: string;
  calls: number;
  confirmed: number;
  canceled: number;
  no_reply: number;
  call_later: number;
  wrong: number;
  confirmation_rate: number;
  median_minutes_to_first_call: number | null;
}
export const STATS_COLUMNS: (keyof AgentStats)[] = [
  'agent_id',
  'agent',
  'calls',
  'confirmed',
  'canceled',
  'no_reply',
  'call_later',
  'wrong',
  'confirmation_rate',
  'median_minutes_to_first_call',
];

/** The actor's agents: an agent only themselves, supervisors their scope (agents.ts). */
const scopeOf = (actor: Actor) => (actor.role === 'agent' ? 'u.id = $1' : agentScope(actor));

/**
 * Per agent over [from, to] (whole days in `tz`), from their calls (`lead_calls`, the status each
 * call wrote): the counts by outcome; the confirmation rate, confirmed ÷ calls with a final outcome
 * (confirmed, canceled, wrong), 4 decimals; the median minutes from a lead's creation to its first
 * call, over the leads whose first call (by anyone) was this agent's and fell in the range.
 */
export async function agentStatistics(q: Queryable, actor: Actor, from: string, to: string, tz: string): Promise<AgentStats[]> {
  const { rows } = await q.query<AgentStats>(
    `WITH span AS (SELECT ($2::date::timestamp AT TIME ZONE $4) AS since, (($3::date + 1)::timestamp AT TIME ZONE $4) AS until),
     calls AS (
       SELECT lc.agent_id, lc.outcome FROM lead_calls lc, span WHERE lc.created_at >= span.since AND lc.created_at < span.until),
     firsts AS (
       SELECT DISTINCT ON (lc.lead_id) lc.lead_id, lc.agent_id, lc.created_at FROM lead_calls lc ORDER BY lc.lead_id, lc.created_at, lc.id),
     waits AS (
       SELECT f.agent_id, extract(epoch FROM f.created_at - l.created_at) / 60 AS minutes
         FROM firsts f JOIN leads l ON l.id = f.lead_id, span WHERE f.created_at >= span.since AND f.created_at < span.until)
     SELECT u.id AS agent_id, u.full_name AS agent,
            count(c.outcome)::int AS calls,
            count(*) FILTER (WHERE c.outcome = 'confirmed')::int AS confirmed,
            count(*) FILTER (WHERE c.outcome = 'canceled')::int AS canceled,
            count(*) FILTER (WHERE c.outcome = 'no_reply')::int AS no_reply,
            count(*) FILTER (WHERE c.outcome = 'call_later')::int AS call_later,
            count(*) FILTER (WHERE c.outcome = 'wrong')::int AS wrong,
            coalesce(round(count(*) FILTER (WHERE c.outcome = 'confirmed')::numeric
                           / nullif(count(*) FILTER (WHERE c.outcome IN ('confirmed', 'canceled', 'wrong')), 0), 4), 0)::float8
              AS confirmation_rate,
            (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY w.minutes)::numeric, 2)::float8 FROM waits w WHERE w.agent_id = u.id)
              AS median_minutes_to_first_call
       FROM users u LEFT JOIN calls c ON c.agent_id = u.id
      WHERE u.role = 'agent' AND u.deleted_at IS NULL AND ${scopeOf(actor)}
      GROUP BY u.id, u.full_name
      ORDER BY lower(u.full_name), u.id`,
    [actor.userId, from, to, tz],
  );
  return rows;
}

/** Calls and confirmations per day of the range, all the actor's agents together (the page's chart). */
export async function callsPerDay(q: Queryable, actor: Actor, from: string, to: string, tz: string) {
  const { rows } = await q.query<{ day: string; calls: number; confirmed: number }>(
    `SELECT to_char(d, 'YYYY-MM-DD') AS day,
            count(lc.id)::int AS calls, count(lc.id) FILTER (WHERE lc.outcome = 'confirmed')::int AS confirmed
       FROM generate_series($2::date, $3::date, interval '1 day') d
       LEFT JOIN lead_calls lc ON lc.created_at >= (d::timestamp AT TIME ZONE $4) AND lc.created_at < ((d + interval '1 day')::timestamp AT TIME ZONE $4)
        AND lc.agent_id IN (SELECT u.id FROM users u WHERE u.role = 'agent' AND ${scopeOf(actor)})
      GROUP BY d ORDER BY d`,
    [actor.userId, from, to, tz],
  );
  return rows;
}

const cell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The rows as CSV with a header line. */
export const statsCsv = (rows: AgentStats[]) =>
  [STATS_COLUMNS.join(','), ...rows.map((r) => STATS_COLUMNS.map((k) => cell(r[k])).join(','))].join('\r\n') + '\r\n';

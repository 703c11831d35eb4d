import type { Actor } from '../../core/actor.js';
import type { Queryable } from '../../db/database.js';
import { Where } from '../../db/where.js';
import { smallSheet } from '../../files/sheets.js';
import { visibleUsers } from '../users/queries.js';
import { DateTime } from 'luxon';
import { daySpan, dayOf } from '../../lib/time-zone.js';

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

/**
 * The WHERE of the actor's agents (on `users u`), its parameters taken in `w`: an agent only
 * themselves; a supervisor the team their user pages list (`visibleUsers`: domain.md gives a
 * manager leader the statistics of their own team, not every agent as the board shows them).
 */
function scopeOf(w: Where, actor: Actor): string {
  if (actor.role === 'agent')
    return w
      .and("u.role = 'agent'")
      .and(`u.id = ${w.param(actor.userId)}`)
      .toString();
  return visibleUsers(w, { id: actor.userId!, role: actor.role!, account_id: actor.accountId ?? null }, 'agent').toString();
}

/**
 * Per agent over [from, to] (whole days in `tz`), from their calls (`lead_calls`, the status each
 * call wrote): the counts by outcome; the confirmation rate, confirmed ÷ leads with a final outcome
 * (confirmed, canceled, wrong: a lead reopened and decided again counts once), 4 decimals; the median minutes from a lead's creation to its first
 * call, over the leads whose first call (by anyone) was this agent's and fell in the range.
 */
export async function agentStatistics(q: Queryable, actor: Actor, from: string, to: string, tz: string): Promise<AgentStats[]> {
  const span = daySpan(from, to, tz);
  const w = new Where();
  const [since, until] = [w.param(span.since), w.param(span.until)];
  const { rows } = await q.query<AgentStats>(
    `WITH span AS (SELECT ${since}::timestamptz AS since, ${until}::timestamptz AS until),
     scoped AS (SELECT u.id FROM users u ${scopeOf(w, actor)}),
     in_range AS (
       SELECT lc.agent_id, lc.lead_id, lc.outcome, lc.first_call_minutes FROM lead_calls lc, span
        WHERE lc.created_at >= span.since AND lc.created_at < span.until AND lc.agent_id IN (SELECT id FROM scoped)),
     per_agent AS (
       SELECT agent_id, count(*)::int AS calls,
              count(*) FILTER (WHERE outcome = 'confirmed')::int AS confirmed,
              count(*) FILTER (WHERE outcome = 'canceled')::int AS canceled,
              count(*) FILTER (WHERE outcome = 'no_reply')::int AS no_reply,
              count(*) FILTER (WHERE outcome = 'call_later')::int AS call_later,
              count(*) FILTER (WHERE outcome = 'wrong')::int AS wrong,
              count(DISTINCT lead_id) FILTER (WHERE outcome IN ('confirmed', 'canceled', 'wrong'))::int AS decided
         FROM in_range GROUP BY agent_id),
     medians AS (
       SELECT agent_id, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY first_call_minutes)::numeric, 2)::float8 AS median
         FROM in_range WHERE first_call_minutes IS NOT NULL GROUP BY agent_id)
     SELECT u.id AS agent_id, u.full_name AS agent,
            coalesce(p.calls, 0) AS calls, coalesce(p.confirmed, 0) AS confirmed, coalesce(p.canceled, 0) AS canceled,
            coalesce(p.no_reply, 0) AS no_reply, coalesce(p.call_later, 0) AS call_later, coalesce(p.wrong, 0) AS wrong,
            coalesce(round(p.confirmed::numeric / nullif(p.decided, 0), 4), 0)::float8 AS confirmation_rate,
            m.median AS median_minutes_to_first_call
       FROM users u LEFT JOIN per_agent p ON p.agent_id = u.id LEFT JOIN medians m ON m.agent_id = u.id
      WHERE u.id IN (SELECT id FROM scoped) AND u.deleted_at IS NULL
      ORDER BY lower(u.full_name), u.id`,
    w.params,
  );
  return rows;
}

export type ChartBucket = 'day' | 'week' | 'month';
export interface CallsOverTime {
  bucket: ChartBucket;
  points: { day: string; calls: number; confirmed: number }[];
}

/** A point per day up to a quarter, per week (from Monday) up to two years, per month beyond. */
export const chartBucket = (days: number): ChartBucket => (days <= 92 ? 'day' : days <= 731 ? 'week' : 'month');

const localDay = (at: Date, tz: string) => DateTime.fromJSDate(at, { zone: tz }).toISODate()!;

/**
 * Calls and confirmations over the range, all the actor's agents together (the page's chart), a
 * point per `chartBucket`. A range by months is cut to the days that have calls, so a range of
 * centuries costs what the data costs, not a point per month of it.
 */
export async function callsOverTime(q: Queryable, actor: Actor, from: string, to: string, tz: string): Promise<CallsOverTime> {
  const range = daySpan(from, to, tz);
  const bucket = chartBucket(Math.round((range.until.getTime() - range.since.getTime()) / 86_400_000));
  const within = new Where();
  within.params.push(range.since, range.until);
  const bounds = await q.query<{ first: Date | null; last: Date | null }>(
    `SELECT min(lc.created_at) AS first, max(lc.created_at) AS last FROM lead_calls lc
      WHERE lc.created_at >= $1 AND lc.created_at < $2 AND lc.agent_id IN (SELECT u.id FROM users u ${scopeOf(within, actor)})`,
    within.params,
  );
  const { first, last } = bounds.rows[0];
  let [start, end] = [from, to];
  if (bucket === 'month') {
    if (!first || !last) return { bucket, points: [] };
    [start, end] = [localDay(new Date(first), tz), localDay(new Date(last), tz)];
  }
  const span = first && last ? daySpan(from, to, tz, { first: new Date(first), last: new Date(last) }) : range;
  const w = new Where();
  w.params.push(start, end, span.since, span.until, span.starts, span.offsets, bucket); // $1 to $7 below
  const scope = scopeOf(w, actor);
  const { rows } = await q.query<{ day: string; calls: number; confirmed: number }>(
    `WITH per_day AS (
       SELECT ${dayOf('lc.created_at', '$5', '$6')} AS d, count(*)::int AS calls,
              count(*) FILTER (WHERE lc.outcome = 'confirmed')::int AS confirmed
         FROM lead_calls lc
        WHERE lc.created_at >= $3 AND lc.created_at < $4
          AND lc.agent_id IN (SELECT u.id FROM users u ${scope})
        GROUP BY 1),
     per_bucket AS (SELECT date_trunc($7::text, d::timestamp)::date AS b, sum(calls)::int AS calls, sum(confirmed)::int AS confirmed FROM per_day GROUP BY 1)
     SELECT to_char(s.b, 'YYYY-MM-DD') AS day, coalesce(p.calls, 0) AS calls, coalesce(p.confirmed, 0) AS confirmed
       FROM generate_series(date_trunc($7::text, $1::date::timestamp), $2::date::timestamp, ('1 ' || $7::text)::interval) s(b) LEFT JOIN per_bucket p ON p.b = s.b::date
      ORDER BY s.b`,
    w.params,
  );
  return { bucket, points: rows };
}

/**
 * The rows as CSV with a header line, written as the lead and order exports are (`files/sheets.ts`:
 * a BOM, a formula-like text neutralised: an agent named `=HYPERLINK(…)` was a live formula).
 */
export const statsCsv = (rows: AgentStats[]) =>
  smallSheet(
    'csv',
    STATS_COLUMNS,
    rows.map((r) => STATS_COLUMNS.map((k) => r[k])),
  );

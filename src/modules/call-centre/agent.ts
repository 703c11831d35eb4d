import type { Queryable } from '../../db/database.js';
import type { LeadStatus } from '../leads/transitions.js';

export interface WorkingHours {
  startTime: string;
  endTime: string;
}

/** What the queue needs to know about an agent. */
export interface AgentProfile {
  id: string;
  products: string[];
  hours: WorkingHours[];
  handlings: LeadStatus[];
  paused: boolean;
}

/**
 * The agent's profile; `lock` (inside the transaction of a claim) makes one agent's requests wait
 * for each other, so an agent asking twice at once still holds a single lead.
 */
export async function agentProfile(q: Queryable, userId: string, lock = false): Promise<AgentProfile> {
  const { rows } = await q.query<{ products: string[]; hours: WorkingHours[]; handlings: LeadStatus[]; paused: boolean }>(
    `SELECT products_ids_to_confirm AS products, agent_working_hours AS hours, agent_status_handlings AS handlings,
            paused_at IS NOT NULL AS paused
       FROM users WHERE id = $1${lock ? ' FOR NO KEY UPDATE' : ''}`,
    [userId],
    { name: lock ? 'agent_profile_lock' : 'agent_profile' },
  );
  const r = rows[0];
  return { id: userId, products: r?.products ?? [], hours: r?.hours ?? [], handlings: r?.handlings ?? [], paused: r?.paused ?? true };
}

/** The wall-clock time `HH:MM` at `now` in the time zone `tz`. */
export function clockIn(tz: string, now = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('hour')}:${get('minute')}`;
}

/** A range whose end comes before its start crosses midnight: 22:00–06:00 runs from 22:00 to 06:00 the next day. */
export const crossesMidnight = (h: WorkingHours) => h.endTime < h.startTime;

/** A range as pages show it: "09:00–17:00", "22:00–06:00 (next day)". */
export const hoursLabel = (h: WorkingHours) => `${h.startTime}–${h.endTime}${crossesMidnight(h) ? ' (next day)' : ''}`;

/**
 * Whether `now` falls within one of the agent's working hours (start included, end excluded), in
 * the platform's time zone; a range crossing midnight holds from its start to midnight and from
 * midnight to its end, every day. An agent without any working hours set works at any time
 * (docs/call-centre.md).
 */
export function isWorkingTime(hours: WorkingHours[], tz: string, now = new Date()): boolean {
  if (hours.length === 0) return true;
  const t = clockIn(tz, now);
  return hours.some((h) => (crossesMidnight(h) ? h.startTime <= t || t < h.endTime : h.startTime <= t && t < h.endTime));
}

import type { Queryable } from '../../db/database.js';
import { messages } from '../../http/validation.js';
import { createOrdersFromLeads } from '../orders/lifecycle.js';
import { appendHistories } from '../records/history.js';
import type { Actor } from '../../core/actor.js';
import { leadPolicy } from './policy.js';
import type { LeadStatus } from './schemas.js';

export const OPEN_LEAD_STATUSES: readonly LeadStatus[] = ['new', 'no_reply', 'call_later'];

/**
 * domain.md: an open lead (new, no_reply, call_later) may move to any other status — a repeated
 * no_reply or call_later records another call; a terminal one only back to new, by an admin
 * reopening it, and never once confirmed (its order carries on).
 */
export function leadTransitionError(from: LeadStatus, to: LeadStatus, actor: Actor): string | undefined {
  if (OPEN_LEAD_STATUSES.includes(from)) {
    return from === to && from === 'new' ? messages.statusTransition(from, to) : undefined;
  }
  if (to === 'new' && from !== 'confirmed' && leadPolicy.allows(actor.role, 'reopen')) return undefined;
  return messages.statusTransition(from, to);
}

export interface LeadTransition {
  id: string;
  from: LeadStatus;
  to: LeadStatus;
  callbackAt?: string | null;
  cancelReason?: string | null;
  comment?: string | null;
}

/** The one place that writes a lead's status; confirming creates the orders in the same transaction. */
export async function transitionLeads(q: Queryable, actor: Actor, accountId: string, ts: LeadTransition[]): Promise<void> {
  if (ts.length === 0) return;
  for (const t of ts) {
    const refused = leadTransitionError(t.from, t.to, actor);
    if (refused) throw new Error(`refused transition reached the lifecycle: ${refused}`);
  }
  await q.query(
    `UPDATE leads l SET status = c.to_status, updated_at = now(),
            call_attempts = l.call_attempts + (c.to_status = 'no_reply')::int,
            callback_at = CASE WHEN c.to_status = 'call_later' THEN c.callback_at::timestamptz ELSE NULL END,
            cancel_reason = CASE WHEN c.to_status = 'canceled' THEN c.cancel_reason
                                 WHEN c.to_status = 'new' THEN NULL ELSE l.cancel_reason END
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS c(id, to_status, callback_at, cancel_reason)
      WHERE l.id = c.id AND l.account_id = $5`,
    [ts.map((t) => t.id), ts.map((t) => t.to), ts.map((t) => t.callbackAt ?? null), ts.map((t) => t.cancelReason ?? null), accountId],
  );
  await appendHistories(
    q,
    'lead_histories',
    actor,
    accountId,
    ts.map((t) => ({ id: t.id, from: t.from, to: t.to, comment: t.comment ?? null })),
  );
  await createOrdersFromLeads(
    q,
    actor,
    accountId,
    ts.filter((t) => t.to === 'confirmed').map((t) => t.id),
  );
}

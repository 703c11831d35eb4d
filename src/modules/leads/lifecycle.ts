import type { Queryable } from '../../db/database.js';
import { createOrdersFromLeads } from '../orders/lifecycle.js';
import { appendHistories } from '../records/history.js';
import type { Actor } from '../../core/actor.js';
import { leadMoveFollowedBy, leadMoveRefusal, type LeadStatus } from './transitions.js';

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
    const refused = leadMoveRefusal(actor, t.from, t.to);
    if (refused) throw new Error(`refused transition reached the lifecycle: ${refused}`);
  }
  await q.query(
    `UPDATE leads l SET status = c.to_status, updated_at = now(),
            call_attempts = l.call_attempts + c.another_call::int,
            callback_at = CASE WHEN c.to_status = 'call_later' THEN c.callback_at::timestamptz ELSE NULL END,
            cancel_reason = CASE WHEN c.to_status = 'canceled' THEN c.cancel_reason
                                 WHEN c.to_status = 'new' THEN NULL ELSE l.cancel_reason END
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $6::boolean[]) AS c(id, to_status, callback_at, cancel_reason, another_call)
      WHERE l.id = c.id AND l.account_id = $5`,
    [
      ts.map((t) => t.id),
      ts.map((t) => t.to),
      ts.map((t) => t.callbackAt ?? null),
      ts.map((t) => t.cancelReason ?? null),
      accountId,
      ts.map((t) => leadMoveFollowedBy(t.from, t.to, 'another call')),
    ],
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
    ts.filter((t) => leadMoveFollowedBy(t.from, t.to, 'an order')).map((t) => t.id),
  );
}

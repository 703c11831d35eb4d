import type { Queryable } from '../../db/database.js';
import { createOrdersFromLeads } from '../orders/lifecycle.js';
import { appendHistories, type HistoryChanges } from '../records/history.js';
import { recordLeadEvents } from '../events/outbox.js';
import type { Actor } from '../../core/actor.js';
import { ErrorBag } from '../../http/validation.js';
import { deletedProductsOf, unsoldProducts } from '../records/unsold-products.js';
import { LEADS } from '../records/record-list.js';
import { isCallOutcome, leadMoveFollowedBy, leadMoveRefusal, type LeadStatus } from './transitions.js';
import { zonedInstant } from '../../lib/time-zone.js';

export interface LeadTransition {
  id: string;
  from: LeadStatus;
  to: LeadStatus;
  callbackAt?: string | null;
  cancelReason?: string | null;
  /** With `duplicate`: the reference of the lead it repeats. */
  duplicateOf?: string | null;
  comment?: string | null;
  /** What the same request changed of the lead's fields and lines, kept on its history row. */
  changes?: HistoryChanges | null;
  /** Where a refusal of its lines is reported (default `products`; bulk callers pass `leads.<i>.products`). */
  key?: string;
}

/** The 422 message of a confirmation whose lead names deleted products (their SKUs). */
export const noLongerSoldMessage = (skus: string[]) =>
  `${unsoldProducts(skus)} no longer sold and this lead cannot be confirmed: change the lead's products first.`;

/**
 * The one place that writes a lead's status; confirming creates the orders in the same transaction,
 * and is refused (422 on the transition's `key`, nothing written) while the lead's lines, as they
 * stand in this transaction, name a deleted product.
 * Every move ends the lead's claim; a call outcome by a person is a call (`lead_calls`, with the
 * status written: the agent statistics) and the lead's last call; the no_reply that reaches the settings' `max_attempts`
 * cancels the lead as `unreachable` instead (call-centre.md). A reopened lead (`→ new`) starts its
 * calls again from none: it had been canceled as unreachable on its first no_reply.
 */
export async function transitionLeads(q: Queryable, actor: Actor, accountId: string, ts: LeadTransition[]): Promise<void> {
  if (ts.length === 0) return;
  for (const t of ts) {
    const refused = leadMoveRefusal(actor, t.from, t.to);
    if (refused) throw new Error(`refused transition reached the lifecycle: ${refused}`);
  }
  const confirming = ts.filter((t) => leadMoveFollowedBy(t.from, t.to, 'an order'));
  const unsold = await deletedProductsOf(
    q,
    accountId,
    LEADS,
    confirming.map((t) => t.id),
  );
  if (unsold.size > 0) {
    const bag = new ErrorBag();
    for (const t of confirming) if (unsold.has(t.id)) bag.add(t.key ?? 'products', noLongerSoldMessage(unsold.get(t.id)!));
    bag.throwIfAny();
  }
  const { rows } = await q.query<{ id: string; status: LeadStatus }>(
    `WITH c AS (
       SELECT c.*, c.another_call AND l.call_attempts + 1 >= s.max_attempts AS unreachable
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $6::boolean[], $7::boolean[], $8::text[])
                AS c(id, to_status, callback_at, cancel_reason, another_call, a_call, duplicate_of)
         JOIN leads l ON l.id = c.id, call_centre_settings s)
     UPDATE leads l SET status = CASE WHEN c.unreachable THEN 'canceled' ELSE c.to_status END, updated_at = now(),
            call_attempts = CASE WHEN c.to_status = 'new' THEN 0 ELSE l.call_attempts + c.another_call::int END,
            callback_at = CASE WHEN c.to_status = 'call_later' THEN c.callback_at::timestamptz ELSE NULL END,
            cancel_reason = CASE WHEN c.unreachable THEN 'unreachable'
                                 WHEN c.to_status = 'canceled' THEN c.cancel_reason
                                 WHEN c.to_status = 'new' THEN NULL ELSE l.cancel_reason END,
            duplicate_of = CASE WHEN c.to_status = 'duplicate' THEN c.duplicate_of
                                WHEN c.to_status = 'new' THEN NULL ELSE l.duplicate_of END,
            last_call_at = CASE WHEN c.a_call THEN now() ELSE l.last_call_at END,
            claimed_by = NULL, claimed_until = NULL
       FROM c
      WHERE l.id = c.id AND l.account_id = $5
      RETURNING l.id, l.status`,
    [
      ts.map((t) => t.id),
      ts.map((t) => t.to),
      // A zone-less time is UTC (domain.md; the dashboard has made its own an instant), not the
      // zone of the database session, which ::timestamptz would read it in.
      ts.map((t) => (t.callbackAt ? zonedInstant(t.callbackAt, 'UTC') : null)),
      ts.map((t) => t.cancelReason ?? null),
      accountId,
      ts.map((t) => leadMoveFollowedBy(t.from, t.to, 'another call')),
      ts.map((t) => isCallOutcome(t.to)),
      ts.map((t) => t.duplicateOf ?? null),
    ],
  );
  const written = new Map(rows.map((r) => [r.id, r.status]));
  await appendHistories(
    q,
    'lead_histories',
    actor,
    accountId,
    ts.map((t) => ({ id: t.id, from: t.from, to: written.get(t.id) ?? t.to, comment: t.comment ?? null, changes: t.changes ?? null })),
  );
  const calls = ts.filter((t) => isCallOutcome(t.to));
  if (actor.userId && calls.length > 0) {
    await q.query(
      `INSERT INTO lead_calls (account_id, lead_id, agent_id, outcome) SELECT $1, c.id, $2, c.outcome FROM unnest($3::text[], $4::text[]) AS c(id, outcome)`,
      [accountId, actor.userId, calls.map((t) => t.id), calls.map((t) => written.get(t.id) ?? t.to)],
    );
  }
  // Under the stock lock deletedProductsOf took: the account's lock is taken once per confirmation.
  await createOrdersFromLeads(
    q,
    actor,
    accountId,
    confirming.map((t) => t.id),
    true,
  );
  // After the orders: a confirmed lead's event shows its order's reference.
  await recordLeadEvents(
    q,
    'lead.status_changed',
    accountId,
    ts.filter((t) => (written.get(t.id) ?? t.to) !== t.from).map((t) => ({ id: t.id, previousStatus: t.from })),
  );
}

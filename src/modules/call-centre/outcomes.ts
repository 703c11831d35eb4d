import { databaseOf, type Queryable } from '../../db/database.js';
import { forbidden, leadHeldByAnother } from '../../http/errors.js';
import { ErrorBag, messages } from '../../http/validation.js';
import type { WebUser } from '../../web/types.js';
import { LEAD_STATUSES, outcomeRefusal, type LeadStatus } from '../leads/transitions.js';
import { claimAgain } from './queue.js';
import { readSettings } from './settings.js';
import { zonedInstant } from '../../lib/time-zone.js';

/** `callback_at` as sent: a zone-less time is UTC, as the lifecycle stores it (the dashboard's form has been read in TIMEZONE). */
const instant = (v: string) => Date.parse(zonedInstant(v, 'UTC'));

/**
 * An agent edits only leads of their own queue (domain.md: agents VU "own queue"): not held by
 * another agent's live claim and not assigned to another agent (409). `lock` (inside the edit's
 * transaction) keeps the lead so until it commits; the edit page only reads. Other roles pass.
 */
export async function checkAgentEdit(q: Queryable, user: WebUser, leadId: string, { lock }: { lock: boolean }): Promise<void> {
  if (user.role !== 'agent') return;
  const { rows } = await q.query(
    `SELECT 1 FROM leads WHERE id = $1 AND (assigned_to IS NULL OR assigned_to = $2)
        AND (claimed_by IS NULL OR claimed_by = $2 OR claimed_until <= now())${lock ? ' FOR UPDATE' : ''}`,
    [leadId, user.id],
  );
  if (rows.length === 0) throw leadHeldByAnother();
}

const CLAIM_TAKEN_AGAIN =
  'Your hold on this lead ran out before you saved, so nothing was saved. The lead is yours again: check your outcome and save it.';

/**
 * An outcome sent without a live claim: 409 (call-centre.md). On the dashboard (decisions.md), the
 * agent whose own claim ran out while nobody took the lead gets it again and goes back to the call
 * screen with what they typed; otherwise back to the queue, told why. Decided once the outcome's
 * transaction has rolled back, so the claim taken again stays.
 */
function withoutClaim(q: Queryable, agentId: string, leadId: string) {
  const err = leadHeldByAnother();
  const db = databaseOf(q);
  err.page = async () =>
    db && (await claimAgain(db, agentId, leadId))
      ? { redirect: `/call-centre/leads/${leadId}`, flash: { error: CLAIM_TAKEN_AGAIN }, keepInput: true }
      : { redirect: '/call-centre', flash: { error: err.message } };
  return err;
}

/**
 * The call centre's rules on `PATCH /leads/{id}/status` (call-centre.md), inside its transaction:
 * an agent must hold the lead's claim (409) and may set only their handlings (403); `call_later`
 * needs a future `callback_at`, `canceled` a `cancel_reason` from the settings' list (422, into
 * `bag`: the caller's patch reports them with the lifecycle's).
 */
export async function checkOutcome(
  q: Queryable,
  user: WebUser,
  leadId: string,
  handlings: LeadStatus[] | null,
  input: { status?: unknown; callback_at?: unknown; cancel_reason?: unknown },
  bag: ErrorBag,
): Promise<void> {
  if (user.role === 'agent') {
    const { rows } = await q.query('SELECT 1 FROM leads WHERE id = $1 AND claimed_by = $2 AND claimed_until > now() FOR UPDATE', [
      leadId,
      user.id,
    ]);
    if (rows.length === 0) throw withoutClaim(q, user.id, leadId);
  }
  if (input.status === undefined || input.status === null || input.status === '') bag.add('status', messages.required('status'));
  // A value that is no text is the patch's to tell, in the rules' order ("must be a string." first, as the API).
  else if (typeof input.status !== 'string') return;
  // A status that does not exist is the field's error (422), as for everyone; one outside their handlings is 403.
  else if (!LEAD_STATUSES.includes(input.status as LeadStatus)) bag.add('status', messages.invalid('status'));
  else if (outcomeRefusal(handlings, input.status as LeadStatus)) throw forbidden();
  if (input.status === 'call_later' && typeof input.callback_at === 'string' && instant(input.callback_at) <= Date.now()) {
    bag.add('callback_at', messages.afterNow('callback_at'));
  }
  if (input.status === 'canceled') {
    const reason = input.cancel_reason;
    if (reason === undefined || reason === null || reason === '') bag.add('cancel_reason', messages.required('cancel_reason'));
    else if (typeof reason !== 'string') return;
    else if (!(await readSettings(q)).cancel_reasons.includes(String(reason))) bag.add('cancel_reason', messages.invalid('cancel_reason'));
  }
}

import type { Actor } from '../../core/actor.js';
import { messages } from '../../http/validation.js';
import { leadPolicy } from './policy.js';

export const LEAD_STATUSES = ['new', 'no_reply', 'call_later', 'confirmed', 'canceled', 'wrong', 'duplicate'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** Statuses a lead is still being worked in: its fields may change, and it may move anywhere. */
export const OPEN_LEAD_STATUSES: readonly LeadStatus[] = ['new', 'no_reply', 'call_later'];
export const isOpenLead = (status: string) => OPEN_LEAD_STATUSES.includes(status as LeadStatus);

/** What an agent records after a call (call-centre.md): each is a call for the statistics and ends the claim. */
export const CALL_OUTCOMES: readonly LeadStatus[] = ['no_reply', 'call_later', 'confirmed', 'canceled', 'wrong'];
export const isCallOutcome = (status: string) => CALL_OUTCOMES.includes(status as LeadStatus);

interface LeadMove {
  /** Who may: anyone the route lets update leads, or only the holders of a lead policy action. */
  by: 'anyone' | 'reopen';
  /** What the caller must give besides the status. */
  needs?: readonly ('callback_at' | 'duplicate_of')[];
  /** What follows besides the history: a call counted, or the lead's order created. */
  follows?: 'another call' | 'an order';
}

const OPEN_MOVES: Partial<Record<LeadStatus, LeadMove>> = {
  new: { by: 'anyone' },
  no_reply: { by: 'anyone', follows: 'another call' },
  call_later: { by: 'anyone', needs: ['callback_at'] },
  confirmed: { by: 'anyone', follows: 'an order' },
  canceled: { by: 'anyone' },
  wrong: { by: 'anyone' },
  duplicate: { by: 'anyone', needs: ['duplicate_of'] },
};
const REOPEN: Partial<Record<LeadStatus, LeadMove>> = { new: { by: 'reopen' } };

/**
 * The lead lifecycle (domain.md), its one table: from → to, who may, what it needs, what follows.
 * An open lead may move to any other status (a repeated no_reply or call_later records another
 * call); a closed one only back to new, by an admin reopening it, and never once confirmed (its
 * order carries on).
 */
const LEAD_LIFECYCLE: Record<LeadStatus, Partial<Record<LeadStatus, LeadMove>>> = {
  new: { ...OPEN_MOVES, new: undefined },
  no_reply: OPEN_MOVES,
  call_later: OPEN_MOVES,
  confirmed: {},
  canceled: REOPEN,
  wrong: REOPEN,
  duplicate: REOPEN,
};

/** Whether a history row from `status` to itself is a move (a repeated no_reply or call_later: another call), not a comment alone. */
export const repeatsAsAMove = (status: string): boolean =>
  (LEAD_LIFECYCLE as Record<string, Partial<Record<string, LeadMove>>>)[status]?.[status] !== undefined;

/** Why this actor cannot move a lead from `from` to `to` (the 422 message on `status`), or undefined. */
export function leadMoveRefusal(actor: Actor, from: LeadStatus, to: LeadStatus): string | undefined {
  const move = LEAD_LIFECYCLE[from][to];
  if (move && (move.by === 'anyone' || leadPolicy.authorize(actor, move.by))) return undefined;
  return messages.statusTransition(from, to);
}

/** What a move to `to` needs from its caller (checked even when the move itself is refused). */
export const leadMoveNeeds = (to: LeadStatus) => [...new Set(Object.values(LEAD_LIFECYCLE).flatMap((moves) => moves[to]?.needs ?? []))];

/** Whether the move from `from` to `to` is followed by `what`. */
export const leadMoveFollowedBy = (from: LeadStatus, to: LeadStatus, what: LeadMove['follows']) =>
  LEAD_LIFECYCLE[from][to]?.follows === what;

/**
 * The outcomes an agent may record (`agent_status_handlings`, null: every one): a status outside
 * them answers the 422 message on `status`.
 */
export const outcomeRefusal = (outcomes: readonly LeadStatus[] | null, to: LeadStatus) =>
  outcomes && !outcomes.includes(to) ? messages.invalid('status') : undefined;

/** The statuses this actor may move the lead to, within their outcomes (a lead page's choices). */
export const leadMovesFor = (actor: Actor, from: LeadStatus, outcomes: readonly LeadStatus[] | null): LeadStatus[] =>
  LEAD_STATUSES.filter((to) => !leadMoveRefusal(actor, from, to) && !outcomeRefusal(outcomes, to));

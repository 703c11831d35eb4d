import type { FastifyInstance } from 'fastify';
import { leadHeldByAnother, notFound } from '../../http/errors.js';
import { done } from '../../web/respond.js';
import { actorOfUser } from '../../web/actor.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { wantsJson } from '../../web/scope.js';
import type { IdRoute } from '../../web/types.js';
import { sendJson } from '../listing/api-helpers.js';
import { activeProducts } from '../records/hand-made.js';
import type { HistoryItem } from '../records/record-ui.js';
import { findLead, leadAccess, leadHistories, leadJson, unsoldLines } from '../leads/queries.js';
import { CALL_OUTCOMES, isOpenLead, leadMovesFor } from '../leads/transitions.js';
import { markUnsold, type LeadItem } from '../leads/views.js';
import { agentProfile, hoursLabel, isWorkingTime } from './agent.js';
import { customerRecord } from './customer.js';
import { callCentrePolicy } from './policy.js';
import { claimAgain, claimNext, heldByAnother, queueCounts, releaseClaim } from './queue.js';
import { readSettings } from './settings.js';
import { callCentreSettingsPages } from './settings-pages.js';
import { callCentreManagerPages } from './manager-pages.js';
import { agentStatisticsPages } from './statistics-pages.js';
import { CallScreen, QueuePage } from './views.js';

export const EMPTY_QUEUE = 'No lead to call right now.';
export const OUTSIDE_HOURS = 'You are outside your working hours.';
const PAUSED = 'Your manager paused your queue.';
/** Thrown inside the claim's transaction to roll it back when the queue is closed. */
const CLOSED = Symbol('queue closed');
const screenUrl = (id: string) => `/call-centre/leads/${id}`;

/** A lead's JSON text with more keys appended. */
const withKeys = (json: string, extra: Record<string, unknown>) => `${json.slice(0, -1)},${JSON.stringify(extra).slice(1)}`;

export async function callCentrePages(web: FastifyInstance) {
  const { db, config } = web;
  await web.register(callCentreSettingsPages);
  await web.register(callCentreManagerPages);
  await web.register(agentStatisticsPages);
  addNav({ label: 'Call queue', href: '/call-centre', icon: 'phone', visible: callCentrePolicy.can('queue') });
  const queue = { config: { can: callCentrePolicy.can('queue') } };

  /** Why the agent gets nothing now (paused, outside working hours), or undefined. */
  const closedBecause = (p: { paused: boolean; hours: { startTime: string; endTime: string }[] }) =>
    p.paused ? PAUSED : !isWorkingTime(p.hours, config.timezone) ? OUTSIDE_HOURS : undefined;

  web.get('/call-centre', queue, async (req, reply) => {
    const user = req.user!;
    const profile = await agentProfile(db, user.id);
    const [counts, held] = await Promise.all([
      queueCounts(db, user.id, profile.products),
      db.query<{ id: string; reference: string }>(
        `SELECT id, reference FROM leads WHERE claimed_by = $1 AND claimed_until > now() AND deleted_at IS NULL LIMIT 1`,
        [user.id],
      ),
    ]);
    const message = closedBecause(profile);
    if (wantsJson(req)) return reply.send({ data: counts, message: message ?? null });
    // Outside their hours, the agent is told when they are (their profile is not theirs to open).
    const hours = message === OUTSIDE_HOURS ? `${profile.hours.map(hoursLabel).join(', ')} (${config.timezone})` : undefined;
    return renderPage(req, reply, {
      title: 'Call queue',
      body: <QueuePage counts={counts} message={message} hours={hours} held={held.rows[0]} />,
    });
  });

  web.post('/call-centre/next', queue, async (req, reply) => {
    const user = req.user!;
    let closed: string | undefined;
    const claim = await db
      .tx(async (q) => {
        // Sent together, one round trip: the lock on the agent's row, then the claim, whose snapshot
        // is taken once the lock is held. A closed queue (paused, outside hours) undoes the claim.
        const [profile, claimed] = await Promise.all([agentProfile(q, user.id, true), claimNext(q, user.id)]);
        closed = closedBecause(profile);
        if (closed) throw CLOSED;
        return claimed;
      })
      .catch((err: unknown) => {
        if (err === CLOSED) return undefined;
        throw err;
      });
    const message = closed === OUTSIDE_HOURS ? OUTSIDE_HOURS : EMPTY_QUEUE;
    if (!claim) {
      if (wantsJson(req)) return reply.send({ data: null, message });
      if (!closed) req.session.flash = { error: message }; // a closed queue's page says why itself
      return reply.redirect('/call-centre', 302);
    }
    if (!wantsJson(req)) return reply.redirect(screenUrl(claim.id), 302);
    return sendJson(reply, `{"data":${withKeys(claim.json, { claimed_until: claim.claimed_until })}}`);
  });

  web.get<IdRoute>('/call-centre/leads/:id', { config: { can: callCentrePolicy.can('screen') } }, async (req, reply) => {
    const user = req.user!;
    const access = await leadAccess(db, user);
    const row = await findLead(db, access.scope, req.params.id);
    if (!row) throw notFound();
    const [json, customer, claim, unsold] = await Promise.all([
      leadJson(db, row.account_id, row.reference),
      customerRecord(db, row.id),
      db.query<{ claimed_by: string | null; claimed_until: string | null }>(
        `SELECT claimed_by, CASE WHEN claimed_until > now() THEN iso_utc(claimed_until) END AS claimed_until FROM leads WHERE id = $1`,
        [row.id],
      ),
      unsoldLines(db, row.id),
    ]);
    if (wantsJson(req)) return sendJson(reply, `{"data":${withKeys(json!, { customer: customer.record })}}`);
    // Its lines of deleted products say so, and the confirmation cannot resend them (docs/decisions.md).
    const lead = markUnsold(JSON.parse(json!) as LeadItem, unsold);
    const held = claim.rows[0];
    const mine = held.claimed_until !== null && held.claimed_by === user.id;
    // The agent's own claim ran out and nobody took the lead since: offered to them again, not a dead page.
    const lapsed = user.role === 'agent' && held.claimed_until === null && held.claimed_by === user.id && isOpenLead(row.status);
    const outcomes =
      user.role !== 'agent' || mine
        ? leadMovesFor(actorOfUser(user), row.status, access.handlings).filter((s) => CALL_OUTCOMES.includes(s))
        : [];
    const [histories, settings, products] = await Promise.all([
      leadHistories(db, row.id, { impersonator: true }),
      readSettings(db),
      activeProducts(db, row.account_id),
    ]);
    return renderPage(req, reply, {
      title: `${lead.reference} · ${lead.full_name}`,
      body: (
        <CallScreen
          lead={lead}
          claimedUntil={mine ? held.claimed_until : null}
          record={customer.record}
          recordRows={customer.rows}
          histories={JSON.parse(histories) as HistoryItem[]}
          outcomes={outcomes}
          takeAgain={lapsed}
          cancelReasons={settings.cancel_reasons}
          products={products}
        />
      ),
    });
  });

  // "Take this lead again": the agent's own claim that ran out, nobody else's since (queue.ts claimAgain).
  web.post<IdRoute>('/call-centre/leads/:id/claim', queue, async (req, reply) => {
    const user = req.user!;
    const access = await leadAccess(db, user);
    const row = await findLead(db, access.scope, req.params.id);
    if (!row) throw notFound();
    const until = await claimAgain(db, user.id, row.id);
    if (!until) {
      const err = leadHeldByAnother();
      const why = (await heldByAnother(db, user.id, row.id)) ? err.message : `${row.reference} is no longer yours to take again.`;
      err.page = () => Promise.resolve({ redirect: '/call-centre', flash: { error: why } });
      throw err;
    }
    return done(req, reply, { message: `${row.reference} is yours again.`, redirect: screenUrl(row.id), data: { claimed_until: until } });
  });

  web.post<IdRoute>('/call-centre/leads/:id/release', queue, async (req, reply) => {
    const user = req.user!;
    const access = await leadAccess(db, user);
    const row = await findLead(db, access.scope, req.params.id);
    if (!row) throw notFound();
    // Releasing a lead nobody holds (a claim that expired, a second click) leaves it where it is: in the queue.
    if (!(await releaseClaim(db, user.id, row.id)) && (await heldByAnother(db, user.id, row.id))) throw leadHeldByAnother();
    return done(req, reply, { message: `${row.reference} is back in the queue.`, redirect: '/call-centre' });
  });
}

import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../http/errors.js';
import { compile, ErrorBag } from '../../http/validation.js';
import { actorOfUser } from '../../web/actor.js';
import { audit } from '../../web/audit.js';
import { formBody } from '../../web/form-body.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { backUrl, done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import { listQuery } from '../../web/list-query.js';
import type { IdRoute } from '../../web/types.js';
import { pick } from '../records/record-ui.js';
import { transitionOrders } from '../orders/lifecycle.js';
import { findOrder, lockOrders, orderScopeOf } from '../orders/queries.js';
import { orderMoveRefusal } from '../orders/transitions.js';
import { followUpPolicy } from './policy.js';
import { followUpDays, followUpQueue, setFollowUpDays } from './queries.js';
import { FollowUpPage, type Tier } from './views.js';

const PAGE = '/follow-up';
/** The lists' query (`page`, `per_page` 1–1000, default 25): the queue keeps its one order, oldest first. */
const followUpQuery = listQuery({
  sorts: ['since'],
  defaultSort: 'since',
  filters: {
    tier: Type.String({ enum: ['shipped', 'returned'] }),
    account_id: Type.String({ minLength: 1, maxLength: 100 }),
  },
});
const RenewBody = Type.Object({ comment: Type.Optional(Type.String({ maxLength: 1000, nullable: true })) });
const renewBody = compile(RenewBody);
const SettingsBody = Type.Object({ follow_up_days: Type.Integer({ minimum: 1, maximum: 365 }) });
const settingsBody = compile(SettingsBody);

/**
 * `/follow-up` (fulfilment.md): the follow-up agents' queue — orders `shipped` for more than
 * `follow_up_days` and `returned` orders — with the customer's phone and the courier's last event;
 * renewing (returned → new, domain.md) goes through transitionOrders, which reserves again.
 */
export async function followUpPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  addNav({ label: 'Follow-up', href: PAGE, icon: 'phone', visible: followUpPolicy.can('view') });

  web.get(PAGE, { config: { can: followUpPolicy.can('view') } }, async (req, reply) => {
    const user = req.user!;
    const query = followUpQuery(req);
    const tier = (query.tier as Tier | undefined) ?? 'shipped';
    const accountId = (query.account_id as string | undefined) ?? null;
    const { page, per_page } = query;
    const days = await followUpDays(db);
    const search = query.search?.trim() || null;
    const [list, other] = await Promise.all([
      followUpQueue(db, tier, days, { page, per_page }, accountId, search),
      // The other tab's count, under the same search: only its total is read.
      followUpQueue(db, tier === 'shipped' ? 'returned' : 'shipped', days, { page: 1, per_page: 1 }, accountId, search),
    ]);
    const meta = { current_page: page, per_page, total: list.total, last_page: Math.max(1, Math.ceil(list.total / per_page)) };
    if (wantsJson(req)) return reply.send({ data: list.rows, meta, follow_up_days: days });
    const counts = { [tier]: list.total, [tier === 'shipped' ? 'returned' : 'shipped']: other.total } as Record<Tier, number>;
    return renderPage(req, reply, {
      title: 'Follow-up',
      body: (
        <FollowUpPage
          tier={tier}
          rows={list.rows}
          meta={meta}
          counts={counts}
          days={days}
          canSettings={followUpPolicy.can('settings')(user)}
          canRenew={followUpPolicy.can('renew')(user)}
        />
      ),
    });
  });

  route<IdRoute>('PATCH', `${PAGE}/:id/renew`, { config: { can: followUpPolicy.can('renew') } }, async (req, reply) => {
    const user = req.user!;
    const actor = actorOfUser(user);
    const row = await findOrder(db, orderScopeOf(user), req.params.id);
    if (!row) throw notFound();
    const bag = new ErrorBag();
    const input = renewBody.check(pick(formBody(req), ['comment']), bag);
    bag.throwIfAny(RenewBody);
    await db.tx(async (q) => {
      const current = (await lockOrders(q, row.account_id, [row.reference])).get(row.reference);
      if (!current) throw notFound();
      const refused = orderMoveRefusal(actor, current, 'new');
      if (refused) bag.add('status', refused);
      bag.throwIfAny(RenewBody);
      await transitionOrders(q, actor, row.account_id, [
        {
          id: row.id,
          from: current.status,
          courierId: current.delivery_user_id,
          to: 'new',
          comment: input.comment ?? 'Renewed from follow-up',
        },
      ]);
    });
    return done(req, reply, {
      message: `${row.reference} is new again (renewed).`,
      // Back to the queue as it was looked at (its page, account, search), as a courier's mark goes back to their round.
      redirect: backUrl(req, `${PAGE}?tier=returned`, [PAGE]),
      data: { id: row.id, reference: row.reference, status: 'new' },
    });
  });

  route('PATCH', `${PAGE}/settings`, { config: { can: followUpPolicy.can('settings'), back: PAGE } }, async (req, reply) => {
    const bag = new ErrorBag();
    const input = settingsBody.check(pick(formBody(req), ['follow_up_days']), bag);
    bag.throwIfAny(SettingsBody);
    await db.tx(async (q) => {
      await setFollowUpDays(q, input.follow_up_days);
      await audit(q, req.user!, 'follow-up.settings', { type: 'settings', id: 'follow-up' }, input);
    });
    return done(req, reply, { message: 'Follow-up setting saved.', redirect: PAGE, data: { follow_up_days: input.follow_up_days } });
  });
}

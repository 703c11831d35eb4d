import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../http/errors.js';
import { ErrorBag, validate } from '../../http/validation.js';
import { formBody } from '../../web/form-body.js';
import { listQuery } from '../../web/list-query.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { queryRecord } from '../../web/query.js';
import { done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import type { IdRoute, WebUser } from '../../web/types.js';
import { messages } from '../../http/validation.js';
import { ledgerPolicy } from './policy.js';
import { accountOptions } from '../accounts/queries.js';
import { accountExists } from '../accounts/service.js';
import { balanceOf, feesOf, ledgerPage, type LedgerRow } from './queries.js';
import { adjustBody, AMOUNT_ZERO, balanceQuery, cents, feesPatch, ledgerFilters, type FeesInput } from './schemas.js';
import { adjustBalance, updateFees } from './service.js';
import { FeesForm, LedgerPage } from './views.js';

const ledgerList = listQuery({ sorts: ['created_at'], defaultSort: 'created_at', filters: ledgerFilters });

/**
 * The account whose money the request reads: a seller's own (naming another answers 404, as if
 * it did not exist), or the `account_id` a staff member names (required where `required`).
 */
export async function moneyAccount(
  q: FastifyInstance['db'],
  user: WebUser,
  asked: string | undefined,
  required: boolean,
): Promise<string | null> {
  if (user.role === 'seller') {
    if (asked && asked !== user.account_id) throw notFound();
    return user.account_id!;
  }
  if (!asked) {
    if (required) {
      const bag = new ErrorBag();
      bag.add('account_id', messages.required('account_id'));
      bag.throwIfAny();
    }
    return null;
  }
  if (!(await accountExists(q, asked))) throw notFound();
  return asked;
}

/** Fees (admin), the balance, the ledger and adjustments (finance.md). */
export async function ledgerPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  addNav({ label: 'Balance', href: '/balance-histories', icon: 'layers', visible: ledgerPolicy.can('view'), section: 'Finance' });

  web.get<IdRoute>('/accounts/:id/fees', { config: { can: ledgerPolicy.can('fees') } }, async (req, reply) => {
    const fees = await feesOf(db, req.params.id);
    if (!fees) throw notFound();
    if (wantsJson(req)) return reply.send({ data: fees });
    const { rows } = await db.query<{ name: string }>('SELECT name FROM accounts WHERE id = $1', [req.params.id]);
    return renderPage(req, reply, { title: 'Fees', body: <FeesForm accountId={req.params.id} accountName={rows[0].name} fees={fees} /> });
  });

  const patchFees = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    if (!(await feesOf(db, req.params.id))) throw notFound();
    const bag = new ErrorBag();
    const body = formBody(req);
    const input = feesPatch.check(body, bag) as FeesInput;
    bag.throwIfAny(feesPatch.schema);
    await db.tx((q) => updateFees(q, req.user!, req.params.id, input));
    return done(req, reply, { message: 'Fees saved.', redirect: `/accounts/${req.params.id}/fees`, data: await feesOf(db, req.params.id) });
  };
  route<IdRoute>('PATCH', '/accounts/:id/fees', { config: { can: ledgerPolicy.can('fees') } }, patchFees);

  web.get('/balance', { config: { can: ledgerPolicy.can('view') } }, async (req, reply) => {
    const asked = validate(balanceQuery, queryRecord(req)).account_id;
    // Staff's browser without an account: the ledger of every account, as a seller's goes to theirs (JSON keeps the 422).
    if (!asked && req.user!.role !== 'seller' && !wantsJson(req)) return reply.redirect('/balance-histories', 302);
    const accountId = (await moneyAccount(db, req.user!, asked, true))!;
    const balance = (await balanceOf(db, accountId))!;
    if (wantsJson(req)) return reply.send({ data: balance });
    return reply.redirect(`/balance-histories${req.user!.role === 'seller' ? '' : `?account_id=${encodeURIComponent(accountId)}`}`, 302);
  });

  web.get('/balance-histories', { config: { can: ledgerPolicy.can('view') } }, async (req, reply) => {
    const f = Object.assign(ledgerList(req), { zone: req.server.config.timezone });
    const accountId = await moneyAccount(db, req.user!, f.account_id as string | undefined, false);
    const json = wantsJson(req);
    const body = await ledgerPage(db, accountId, f, !json);
    if (json) return reply.type('application/json; charset=utf-8').send(body);
    const page = JSON.parse(body) as {
      data: LedgerRow[];
      meta: { current_page: number; per_page: number; total: number; last_page: number };
    };
    const [balance, accounts] = await Promise.all([
      accountId ? balanceOf(db, accountId) : undefined,
      req.user!.role === 'seller' ? null : accountOptions(db, accountId),
    ]);
    return renderPage(req, reply, {
      title: 'Balance',
      body: (
        <LedgerPage
          balance={balance}
          rows={page.data}
          meta={page.meta}
          accountId={accountId ?? undefined}
          accounts={accounts}
          canAdjust={ledgerPolicy.authorize(req.user!, 'adjust')}
        />
      ),
    });
  });

  web.post('/balance-histories/adjust', { config: { can: ledgerPolicy.can('adjust') } }, async (req, reply) => {
    const bag = new ErrorBag();
    const input = adjustBody.check(formBody(req), bag);
    if (!bag.has('amount') && input.amount === 0) bag.add('amount', AMOUNT_ZERO);
    if (input.account_id && !bag.has('account_id') && !(await accountExists(db, input.account_id)))
      bag.add('account_id', messages.invalid('account_id'));
    bag.throwIfAny(adjustBody.schema);
    await db.tx((q) => adjustBalance(q, req.user!, input.account_id, cents(input.amount), input.comment));
    return done(req, reply, {
      message: 'Balance adjusted.',
      redirect: `/balance-histories?account_id=${encodeURIComponent(input.account_id)}`,
      data: await balanceOf(db, input.account_id),
      status: 201,
    });
  });
}

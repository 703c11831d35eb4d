import type { IdRoute } from '../../web/types.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../../db/database.js';
import { invalid, nothingDeleted, notFound } from '../../http/errors.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { audit } from '../../web/audit.js';
import { formBody } from '../../web/form-body.js';
import { listQuery } from '../../web/list-query.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { renderFormPage } from '../../web/form-page.js';
import { done } from '../../web/respond.js';
import { formRoutes, updateRoutes, wantsJson } from '../../web/scope.js';
import { accountPolicy } from './policy.js';
import { ACCOUNT_SORTS, accountFigures, accountSellers, findAccount, listAccounts, type AccountJson } from './queries.js';
import { ACCOUNT_STATUSES, accountCreate, accountUpdate } from './schemas.js';
import { count } from '../catalog/deletion.js';
import { deleteRoute } from '../catalog/named-records.js';
import { accountsInUse, createAccount, deleteAccounts, lockAccounts, renameAccount, setAccountStatus } from './service.js';
import { AccountForm, AccountPage, AccountsList, showUrl } from './views.js';

const accountList = listQuery({ sorts: ACCOUNT_SORTS, defaultSort: 'created_at', statuses: ACCOUNT_STATUSES });

const AND = new Intl.ListFormat('en', { type: 'conjunction' });

/** "3 leads and 1 order": what an account in use holds. */
const holdings = (r: Awaited<ReturnType<typeof accountsInUse>>[number]) =>
  AND.format(
    [
      count(r.leads, 'lead'),
      count(r.orders, 'order'),
      count(r.stocks, 'stock'),
      count(r.money, 'ledger entry or payout', 'ledger entries or payouts'),
    ].filter((s) => !s.startsWith('0 ')),
  );

/**
 * Why accounts cannot be deleted (undefined: they can): "This account has 3 leads and cannot be
 * deleted: deactivate it instead." for one; each one's sentence and "Nothing was deleted." for several.
 */
async function deleteRefusal(q: Queryable, ids: string[]): Promise<string | undefined> {
  const used = await accountsInUse(q, ids);
  if (used.length === 0) return undefined;
  if (ids.length === 1) return `This account has ${holdings(used[0])} and cannot be deleted: deactivate it instead.`;
  return nothingDeleted(used.map((r) => `The account ${r.name} has ${holdings(r)} and cannot be deleted.`));
}

async function loadAccount(web: FastifyInstance, req: FastifyRequest<IdRoute>): Promise<AccountJson> {
  const account = await findAccount(web.db, req.params.id);
  if (!account) throw notFound();
  return account;
}

export async function accountsPages(web: FastifyInstance) {
  const route = formRoutes(web);
  const view = { config: { can: accountPolicy.can('view') } };
  addNav({ label: 'Accounts', href: '/accounts', icon: 'building', visible: accountPolicy.can('view') });

  web.get('/accounts', view, async (req, reply) => {
    const page = await listAccounts(web.db, accountList(req));
    if (wantsJson(req)) return reply.send({ data: page.rows.map((r) => r.data), meta: page.meta });
    return renderPage(req, reply, { title: 'Accounts', body: <AccountsList rows={page.rows} meta={page.meta} /> });
  });

  web.get('/accounts/create', { config: { can: accountPolicy.can('create') } }, async (req, reply) =>
    renderFormPage(req, reply, {
      title: 'New account',
      subtitle: 'A seller business. Add its sellers once it exists.',
      back: { href: '/accounts', label: 'Accounts' },
      form: <AccountForm />,
    }),
  );

  web.post('/accounts/store', { config: { can: accountPolicy.can('create') } }, async (req, reply) => {
    const body = formBody(req);
    const bag = new ErrorBag();
    const input = accountCreate.check(body, bag);
    bag.throwIfAny(accountCreate.schema);
    const account = await web.db.tx(async (q) => {
      const { id } = await createAccount(q, { name: input.name, status: input.status as 'active' | 'inactive' | undefined });
      await audit(
        q,
        req.user!,
        'accounts.create',
        { type: 'account', id, accountId: id },
        { name: input.name, status: input.status ?? 'active' },
      );
      return (await findAccount(q, id))!;
    });
    return done(req, reply, { message: 'Account created.', redirect: showUrl(account.id), data: account, status: 201 });
  });

  web.get<IdRoute>('/accounts/:id/show', view, async (req, reply) => {
    const account = await loadAccount(web, req);
    if (wantsJson(req)) return reply.send({ data: account });
    const [figures, sellers] = await Promise.all([accountFigures(web.db, account.id), accountSellers(web.db, account.id)]);
    return renderPage(req, reply, { title: account.name, body: <AccountPage account={account} figures={figures} sellers={sellers} /> });
  });

  web.get<IdRoute>('/accounts/:id/edit', { config: { can: accountPolicy.can('update') } }, async (req, reply) => {
    const account = await loadAccount(web, req);
    return renderFormPage(req, reply, {
      title: `Edit ${account.name}`,
      back: { href: showUrl(account.id), label: account.name },
      form: <AccountForm account={account} />,
    });
  });

  const update = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const body = formBody(req);
    const bag = new ErrorBag();
    const input = accountUpdate.check(body, bag);
    if ('name' in body && input.name === undefined) bag.add('name', messages.required('name')); // emptied: refused, not ignored
    bag.throwIfAny(accountUpdate.schema);
    const before = await loadAccount(web, req);
    const account = await web.db.tx(async (q) => {
      if (input.name !== undefined && input.name !== before.name) {
        await renameAccount(q, before.id, input.name);
        await audit(
          q,
          req.user!,
          'accounts.update',
          { type: 'account', id: before.id, accountId: before.id },
          { name: [before.name, input.name] },
        );
      }
      return (await findAccount(q, before.id))!;
    });
    return done(req, reply, { message: 'Account updated.', redirect: showUrl(account.id), data: account });
  };
  updateRoutes<IdRoute>(route, '/accounts/:id/update', { config: { can: accountPolicy.can('update') } }, update);

  for (const [action, status] of [
    ['activate', 'active'],
    ['deactivate', 'inactive'],
  ] as const) {
    route<IdRoute>('PATCH', `/accounts/:id/${action}`, { config: { can: accountPolicy.can('activate') } }, async (req, reply) => {
      const before = await loadAccount(web, req);
      const account = await web.db.tx(async (q) => {
        if (await setAccountStatus(q, before.id, status)) {
          await audit(
            q,
            req.user!,
            `accounts.${action}`,
            { type: 'account', id: before.id, accountId: before.id },
            { status: [before.status, status] },
          );
        }
        return (await findAccount(q, before.id))!;
      });
      web.bearer.forgetAll();
      return done(req, reply, {
        message:
          status === 'active'
            ? `${account.name} is active again.`
            : `${account.name} is deactivated: its users are logged out and its API keys stop working.`,
        redirect: showUrl(account.id),
        data: account,
      });
    });
  }

  deleteRoute(web, {
    url: '/accounts/delete',
    list: '/accounts',
    can: accountPolicy.can('delete'),
    noun: ['account'],
    audit: { action: 'accounts.delete', type: 'account' },
    refusal: (ids) => deleteRefusal(web.db, ids),
    remove: async (q, ids) => {
      // Asked again under the accounts' locks: a lead or a stock may have come since.
      await lockAccounts(q, ids);
      const why = await deleteRefusal(q, ids);
      if (why) throw invalid({ ids: [why] });
      return deleteAccounts(q, ids);
    },
    afterDelete: () => web.bearer.forgetAll(),
  });
}

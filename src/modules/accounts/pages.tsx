import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../http/errors.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { audit } from '../../web/audit.js';
import { formBody } from '../../web/form-body.js';
import { formatDate, formatDateTime } from '../../web/format.js';
import { listQuery } from '../../web/list-query.js';
import type { PageMeta } from '../../db/paging.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { usePage } from '../../web/page-context.js';
import { done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import {
  Button,
  Card,
  DataTable,
  DefinitionList,
  Field,
  Filters,
  Form,
  Kpi,
  LinkButton,
  PageHeader,
  Pagination,
  Select,
  StatusBadge,
} from '../../web/ui.js';
import { accountPolicy } from './policy.js';
import { ACCOUNT_SORTS, accountFigures, accountSellers, findAccount, listAccounts, type AccountJson } from './queries.js';
import { ACCOUNT_STATUSES, accountCreate, accountUpdate } from './schemas.js';
import { createAccount, renameAccount, setAccountStatus } from './service.js';

const accountList = listQuery({ sorts: ACCOUNT_SORTS, defaultSort: 'created_at', statuses: ACCOUNT_STATUSES });
const STATUS_OPTIONS: [string, string][] = [
  ['active', 'Active'],
  ['inactive', 'Inactive'],
];

const showUrl = (id: string) => `/accounts/${id}/show`;

async function loadAccount(web: FastifyInstance, req: FastifyRequest): Promise<AccountJson> {
  const account = await findAccount(web.db, (req.params as { id: string }).id);
  if (!account) throw notFound();
  return account;
}

function StatusToggle({ account, small }: { account: AccountJson; small?: boolean }) {
  const active = account.status === 'active';
  return (
    <Form
      action={`/accounts/${account.id}/${active ? 'deactivate' : 'activate'}`}
      method="PATCH"
      class="inline-form"
      label={active ? `Deactivate ${account.name}` : `Activate ${account.name}`}
      confirm={active ? `Deactivate ${account.name}? Its users are logged out and its API keys stop working.` : undefined}
    >
      <Button kind={active ? 'danger' : 'secondary'} small={small}>
        {active ? 'Deactivate' : 'Activate'}
      </Button>
    </Form>
  );
}

function AccountsList({ rows, meta }: { rows: { data: AccountJson; sellers: number }[]; meta: PageMeta }) {
  const { user, url } = usePage();
  const admin = accountPolicy.authorize(user!, 'update');
  return (
    <>
      <PageHeader
        title="Accounts"
        subtitle="Every seller business on the platform."
        actions={accountPolicy.authorize(user!, 'create') && <LinkButton href="/accounts/create">New account</LinkButton>}
      />
      <Filters search="Account name" searchLabel="Search by name">
        <Select name="status" label="Status" options={STATUS_OPTIONS} value={url.searchParams.get('status')} placeholder="Any status" />
      </Filters>
      <DataTable
        caption="Accounts"
        rows={rows}
        empty="No account matches these filters."
        columns={[
          { label: 'Name', sort: 'name', render: (r) => <a href={showUrl(r.data.id)}>{r.data.name}</a> },
          { label: 'Status', render: (r) => <StatusBadge status={r.data.status} /> },
          { label: 'Sellers', class: 'num', render: (r) => r.sellers },
          { label: 'Created', sort: 'created_at', render: (r) => formatDate(r.data.created_at) },
          {
            label: 'Actions',
            render: (r) => (
              <div class="row-actions">
                <LinkButton href={showUrl(r.data.id)} kind="secondary" small>
                  View
                </LinkButton>
                {admin && (
                  <LinkButton href={`/accounts/${r.data.id}/edit`} kind="secondary" small>
                    Edit
                  </LinkButton>
                )}
              </div>
            ),
          },
        ]}
      />
      <Pagination meta={meta} />
    </>
  );
}

function AccountForm({ account }: { account?: AccountJson }) {
  return (
    <Card>
      <Form
        action={account ? `/accounts/${account.id}/update` : '/accounts/store'}
        method={account ? 'PATCH' : 'POST'}
        label={account ? 'Edit account' : 'New account'}
      >
        <Field
          name="name"
          label="Account name"
          value={account?.name}
          required
          hint="The seller's business, as your team will recognise it."
        />
        {!account && <Select name="status" label="Status" options={STATUS_OPTIONS} value="active" />}
        <div class="form-actions">
          <Button>{account ? 'Save changes' : 'Create account'}</Button>
          <a href={account ? showUrl(account.id) : '/accounts'} class="btn btn-link">
            Cancel
          </a>
        </div>
      </Form>
    </Card>
  );
}

function AccountPage(p: {
  account: AccountJson;
  figures: Awaited<ReturnType<typeof accountFigures>>;
  sellers: Awaited<ReturnType<typeof accountSellers>>;
}) {
  const { user } = usePage();
  const { account } = p;
  const admin = accountPolicy.authorize(user!, 'update');
  return (
    <>
      <PageHeader
        title={account.name}
        subtitle="Account"
        back={{ href: '/accounts', label: 'Accounts' }}
        actions={
          admin && (
            <>
              <LinkButton href={`/accounts/${account.id}/edit`} kind="secondary">
                Edit
              </LinkButton>
              <StatusToggle account={account} />
            </>
          )
        }
      />
      <div class="kpis">
        <Kpi label="Sellers" value={p.figures.sellers} />
        <Kpi label="Products" value={p.figures.products} />
        <Kpi label="Leads" value={p.figures.leads} />
        <Kpi label="Orders" value={p.figures.orders} />
      </div>
      <Card title="Details">
        <DefinitionList
          items={[
            ['Status', <StatusBadge status={account.status} />],
            ['Created', formatDateTime(account.created_at)],
            ['Last updated', formatDateTime(account.updated_at)],
            ['Account ID', <code>{account.id}</code>],
          ]}
        />
      </Card>
      <Card title="Sellers">
        <div class="card-actions">
          <a href={`/users/sellers?account_id=${account.id}`}>All sellers of this account</a>
          {admin && (
            <LinkButton href={`/users/sellers/create?account_id=${account.id}`} small>
              Add a seller
            </LinkButton>
          )}
        </div>
        <DataTable
          caption={`Sellers of ${account.name}`}
          rows={p.sellers}
          empty="No seller yet: add one so this account can log in."
          columns={[
            { label: 'Name', render: (s) => <a href={`/users/sellers/${s.id}/show`}>{s.full_name}</a> },
            { label: 'Email', render: (s) => s.email },
            { label: 'Status', render: (s) => <StatusBadge status={s.status} /> },
            { label: 'Since', render: (s) => formatDate(s.created_at) },
          ]}
        />
      </Card>
    </>
  );
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
    renderPage(req, reply, {
      title: 'New account',
      body: (
        <>
          <PageHeader
            title="New account"
            subtitle="A seller business. Add its sellers once it exists."
            back={{ href: '/accounts', label: 'Accounts' }}
          />
          <AccountForm />
        </>
      ),
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

  web.get('/accounts/:id/show', view, async (req, reply) => {
    const account = await loadAccount(web, req);
    if (wantsJson(req)) return reply.send({ data: account });
    const [figures, sellers] = await Promise.all([accountFigures(web.db, account.id), accountSellers(web.db, account.id)]);
    return renderPage(req, reply, { title: account.name, body: <AccountPage account={account} figures={figures} sellers={sellers} /> });
  });

  web.get('/accounts/:id/edit', { config: { can: accountPolicy.can('update') } }, async (req, reply) => {
    const account = await loadAccount(web, req);
    return renderPage(req, reply, {
      title: `Edit ${account.name}`,
      body: (
        <>
          <PageHeader title={`Edit ${account.name}`} back={{ href: showUrl(account.id), label: account.name }} />
          <AccountForm account={account} />
        </>
      ),
    });
  });

  const update = async (req: FastifyRequest, reply: FastifyReply) => {
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
  const updateOpts = { config: { can: accountPolicy.can('update') } };
  route('PATCH', '/accounts/:id/update', updateOpts, update);
  route('PUT', '/accounts/:id/update', updateOpts, update);

  for (const [action, status] of [
    ['activate', 'active'],
    ['deactivate', 'inactive'],
  ] as const) {
    route('PATCH', `/accounts/:id/${action}`, { config: { can: accountPolicy.can('activate') } }, async (req, reply) => {
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
}

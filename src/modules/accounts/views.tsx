import { formatDate, formatDateTime } from '../../web/format.js';
import type { PageMeta } from '../../db/paging.js';
import { usePage } from '../../web/page-context.js';
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
  FilterSelect,
  Select,
  StatusBadge,
} from '../../web/ui.js';
import { RecordForm } from '../../web/record-form.js';
import { DeleteButton, viewEditColumn } from '../catalog/deletion.js';
import { accountPolicy } from './policy.js';
import { accountFigures, accountSellers, type AccountJson } from './queries.js';

const STATUS_OPTIONS: [string, string][] = [
  ['active', 'Active'],
  ['inactive', 'Inactive'],
];

export const showUrl = (id: string) => `/accounts/${id}/show`;

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

export function AccountsList({ rows, meta }: { rows: { data: AccountJson; sellers: number }[]; meta: PageMeta }) {
  const { user } = usePage();
  const admin = accountPolicy.authorize(user!, 'update');
  return (
    <>
      <PageHeader
        title="Accounts"
        subtitle="Every seller business on the platform."
        actions={accountPolicy.authorize(user!, 'create') && <LinkButton href="/accounts/create">New account</LinkButton>}
      />
      <Filters search="Account name" searchLabel="Search by name">
        <FilterSelect name="status" label="Status" options={STATUS_OPTIONS} placeholder="Any status" />
      </Filters>
      <DataTable
        caption="Accounts"
        rows={rows}
        empty="No account matches these filters."
        none="No account yet: create one for each seller business, then add its sellers."
        columns={[
          { label: 'Name', sort: 'name', render: (r) => <a href={showUrl(r.data.id)}>{r.data.name}</a> },
          { label: 'Status', render: (r) => <StatusBadge status={r.data.status} /> },
          { label: 'Sellers', class: 'num', render: (r) => r.sellers },
          { label: 'Created', sort: 'created_at', render: (r) => formatDate(r.data.created_at) },
          viewEditColumn('/accounts', admin, (r: { data: AccountJson }) => r.data.id),
        ]}
      />
      <Pagination meta={meta} />
    </>
  );
}

export function AccountForm({ account }: { account?: AccountJson }) {
  return (
    <RecordForm base="/accounts" id={account?.id} noun="account" cancel={account ? showUrl(account.id) : '/accounts'}>
      <Field
        name="name"
        label="Account name"
        value={account?.name}
        required
        hint="The seller's business, as your team will recognise it."
      />
      {!account && <Select name="status" label="Status" options={STATUS_OPTIONS} value="active" />}
    </RecordForm>
  );
}

export function AccountPage(p: {
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
              <LinkButton href={`/accounts/${account.id}/fees`} kind="secondary">
                Fees
              </LinkButton>
              <LinkButton href={`/balance-histories?account_id=${account.id}`} kind="secondary">
                Balance
              </LinkButton>
              <StatusToggle account={account} />
              {/* Offered while the account holds no lead or order (the delete's refusal says the rest). */}
              {accountPolicy.authorize(user!, 'delete') && p.figures.leads + p.figures.orders === 0 && (
                <DeleteButton
                  action="/accounts/delete"
                  id={account.id}
                  name={account.name}
                  confirm={`Delete the account ${account.name}? Its sellers are removed, its products deleted and its API keys stop working. Only an account without leads, orders, stock or money can be deleted.`}
                />
              )}
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

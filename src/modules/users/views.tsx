import type { ComponentChildren } from 'preact';
import { displayZone, formatDate, formatDateTime } from '../../web/format.js';
import { ROLE_LABELS, ROLE_PLURALS } from '../../web/labels.js';
import type { PageMeta } from '../../db/paging.js';
import { usePage } from '../../web/page-context.js';
import type { WebUser } from '../../web/types.js';
import {
  Badge,
  Button,
  Card,
  CheckboxGroup,
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
  type Column,
  FieldErrorList,
  longValueClass,
} from '../../web/ui.js';
import { LEAD_STATUSES } from '../leads/transitions.js';
import { hoursLabel } from '../call-centre/agent.js';
import { mayAct, mayCreate } from './policy.js';
import type { UserRow } from './queries.js';
import { ROLE_SLUGS, type Role } from '../../core/roles.js';
import { EXTRA_FIELDS, hasStatusField, MANAGED_BY, MAX_WORKING_HOURS } from './schemas.js';

export const usersUrl = (role: Role) => `/users/${ROLE_SLUGS[role]}`;
export const userUrl = (u: { id: string; role: Role }) => `${usersUrl(u.role)}/${u.id}/show`;

const LEAD_STATUS_LABELS: Record<string, string> = {
  new: 'New',
  no_reply: 'No reply',
  call_later: 'Call later',
  confirmed: 'Confirmed',
  canceled: 'Canceled',
  wrong: 'Wrong number',
  duplicate: 'Duplicate',
};

const STATUS_OPTIONS: [string, string][] = [
  ['active', 'Active'],
  ['inactive', 'Inactive'],
];

const isTeamView = (viewer: WebUser, role: Role) => viewer.role === 'seller' && role === 'seller';

export interface FormOptions {
  accounts?: [string, string][];
  managers?: { id: string; full_name: string; role: Role; status: string }[];
  products?: { id: string; sku: string; name: string; account_name: string; status: string }[];
  warehouses?: { id: string; name: string; city: string | null }[];
  callCenters?: [string, string][];
}

/** Role cards with their head counts: the admin's Users page and a manager's Team page. */
export function RoleOverview(p: {
  title: string;
  subtitle: string;
  roles: readonly Role[];
  counts: Record<string, { total: number; active: number }>;
}) {
  const { user } = usePage();
  return (
    <>
      <PageHeader title={p.title} subtitle={p.subtitle} />
      <div class="kpis">
        {p.roles.map((r) => (
          <a class="kpi-link" href={usersUrl(r)}>
            <Kpi label={ROLE_PLURALS[r]} value={p.counts[r].total} hint={`${p.counts[r].active} active`} />
          </a>
        ))}
      </div>
      {user?.role === 'admin' && (
        <Card title="Add someone">
          <div class="row-actions">
            {p.roles.map((r) => (
              <LinkButton href={`${usersUrl(r)}/create`} kind="secondary" small>
                New {ROLE_LABELS[r].toLowerCase()}
              </LinkButton>
            ))}
          </div>
        </Card>
      )}
    </>
  );
}

function StatusToggle({ user, small }: { user: Pick<UserRow, 'id' | 'role' | 'status' | 'full_name'>; small?: boolean }) {
  const active = user.status === 'active';
  return (
    <Form
      action={`${usersUrl(user.role)}/${user.id}/${active ? 'deactivate' : 'activate'}`}
      method="PATCH"
      class="inline-form"
      label={`${active ? 'Deactivate' : 'Activate'} ${user.full_name}`}
      confirm={active ? `Deactivate ${user.full_name}? They are logged out at once and their API keys stop working.` : undefined}
    >
      <Button kind={active ? 'danger' : 'secondary'} small={small}>
        {active ? 'Deactivate' : 'Activate'}
      </Button>
    </Form>
  );
}

function DeleteButton({ user, small }: { user: Pick<UserRow, 'id' | 'role' | 'full_name'>; small?: boolean }) {
  return (
    <Form
      action={`${usersUrl(user.role)}/delete`}
      method="DELETE"
      class="inline-form"
      label={`Remove ${user.full_name}`}
      confirm={`Remove ${user.full_name}? They can no longer log in.`}
    >
      <input type="hidden" name="ids[]" value={user.id} />
      <Button kind="danger" small={small}>
        Remove
      </Button>
    </Form>
  );
}

function ImpersonateButton({ user }: { user: Pick<UserRow, 'id' | 'full_name'> }) {
  return (
    <Form action={`/users/${user.id}/impersonate`} class="inline-form" label={`Log in as ${user.full_name}`}>
      <Button kind="secondary">Log in as</Button>
    </Form>
  );
}

export function UsersList(p: {
  role: Role;
  rows: UserRow[];
  meta: PageMeta;
  accounts?: [string, string][];
  managers?: FormOptions['managers'];
}) {
  const { user, url } = usePage();
  const viewer = user!;
  const { role } = p;
  const team = isTeamView(viewer, role);
  const columns: Column<UserRow>[] = [
    { label: 'Name', sort: 'full_name', render: (u) => <a href={userUrl(u)}>{u.full_name}</a> },
    { label: 'Email', sort: 'email', render: (u) => u.email },
    { label: 'Phone', render: (u) => u.phone ?? '—' },
  ];
  if (role === 'seller' && !team) {
    columns.push({
      label: 'Account',
      render: (u) => (viewer.role === 'seller' ? u.account_name : <a href={`/accounts/${u.account_id}/show`}>{u.account_name}</a>),
    });
  }
  if (MANAGED_BY[role]) columns.push({ label: 'Manager', render: (u) => u.manager_name ?? '—' });
  columns.push(
    { label: 'Status', render: (u) => <StatusBadge status={u.status} /> },
    { label: 'Since', sort: 'created_at', render: (u) => formatDate(u.created_at) },
    {
      label: 'Actions',
      render: (u) => (
        <div class="row-actions">
          <LinkButton href={userUrl(u)} kind="secondary" small>
            View
          </LinkButton>
          {mayAct(viewer, 'update', u) && (
            <LinkButton href={`${usersUrl(role)}/${u.id}/edit`} kind="secondary" small>
              Edit
            </LinkButton>
          )}
          {mayAct(viewer, 'activate', u) && <StatusToggle user={u} small />}
          {mayAct(viewer, 'delete', u) && <DeleteButton user={u} small />}
        </div>
      ),
    },
  );
  const title = team ? 'Team' : ROLE_PLURALS[role];
  return (
    <>
      <PageHeader
        title={title}
        subtitle={
          team
            ? 'The people who can log in to your shop.'
            : `${p.meta.total} ${p.meta.total === 1 ? ROLE_LABELS[role].toLowerCase() : ROLE_PLURALS[role].toLowerCase()}`
        }
        back={
          viewer.role === 'admin'
            ? { href: '/users', label: 'Users' }
            : viewer.role !== 'seller'
              ? { href: '/users/team', label: 'Team' }
              : undefined
        }
        actions={
          mayCreate(viewer, role) && (
            <LinkButton
              href={`${usersUrl(role)}/create${url.searchParams.get('account_id') ? `?account_id=${url.searchParams.get('account_id')}` : ''}`}
            >
              {team ? 'Add a team member' : `New ${ROLE_LABELS[role].toLowerCase()}`}
            </LinkButton>
          )
        }
      />
      <Filters search="Name or email" searchLabel="Search by name or email">
        <FilterSelect name="status" label="Status" options={STATUS_OPTIONS} placeholder="Any status" />
        {p.accounts && <FilterSelect name="account_id" label="Account" options={p.accounts} placeholder="Any account" />}
        {p.managers && p.managers.length > 0 && (
          <FilterSelect name="manager_id" label="Manager" options={p.managers.map((m) => [m.id, m.full_name])} placeholder="Any manager" />
        )}
      </Filters>
      <DataTable
        caption={title}
        rows={p.rows}
        columns={columns}
        empty="Nobody matches these filters."
        none={`No ${ROLE_PLURALS[role].toLowerCase()} yet.`}
      />
      <Pagination meta={p.meta} />
    </>
  );
}

/** Every message of the keys under `prefix.` (the items of an array field). */
function ItemErrors({ prefix }: { prefix: string }) {
  const { errors } = usePage();
  const list = errors.where((k) => k.startsWith(`${prefix}.`));
  if (list.length === 0) return null;
  return (
    <ul class="field-errors" id={`f-${prefix}-items-error`}>
      {list.map((m) => (
        <li>{m}</li>
      ))}
    </ul>
  );
}

/** Sends an empty list when every box is unticked (a form sends nothing for those). */
const NoneMarker = ({ name }: { name: string }) => <input type="hidden" name={`${name}[]`} value="" />;

function WorkingHours({ value }: { value: { startTime: string; endTime: string }[] }) {
  const { errors, old } = usePage();
  const rows =
    'agent_working_hours' in old ? ((old.agent_working_hours as { startTime?: string; endTime?: string }[] | undefined) ?? []) : value;
  const count = Math.min(MAX_WORKING_HOURS, Math.max(3, rows.length + 2));
  const top = errors.of('agent_working_hours');
  return (
    <fieldset class="field fieldset">
      <legend>Working hours</legend>
      <p class="hint">
        The times of day this agent takes calls, in {displayZone()} time; a To before its From runs past midnight (22:00 to 06:00 the next
        day). Leave a line empty to remove it.
      </p>
      {top.length > 0 && (
        <ul class="field-errors">
          {top.map((m) => (
            <li>{m}</li>
          ))}
        </ul>
      )}
      <div class="hours">
        {Array.from({ length: count }, (_, i) => {
          const row = rows[i] ?? { startTime: '', endTime: '' };
          return (
            <div class="hours-row">
              {(['startTime', 'endTime'] as const).map((k) => {
                const id = `f-agent_working_hours-${i}-${k}`;
                const messages = errors.of(`agent_working_hours.${i}.${k}`);
                return (
                  <div class={messages.length ? 'field has-error' : 'field'}>
                    <label for={id}>
                      {k === 'startTime' ? 'From' : 'To'} <span class="sr-only">(line {i + 1})</span>
                    </label>
                    <input
                      id={id}
                      type="time"
                      name={`agent_working_hours[${i}][${k}]`}
                      value={row[k] ?? ''}
                      aria-invalid={messages.length ? 'true' : undefined}
                      aria-describedby={messages.length ? `${id}-error` : undefined}
                    />
                    <FieldErrorList id={id} messages={messages} />
                  </div>
                );
              })}
            </div>
          );
        })}
      </div>
    </fieldset>
  );
}

/** The create and edit form of a user of `role`, with that role's fields. */
export function UserForm(p: { role: Role; user?: UserRow; options: FormOptions; preset?: { account_id?: string; manager_id?: string } }) {
  const { user: viewer } = usePage();
  const { role, user, options } = p;
  const fields = EXTRA_FIELDS[role];
  const has = (f: (typeof fields)[number]) => fields.includes(f);
  const editing = Boolean(user);
  const team = isTeamView(viewer!, role);
  const action = editing ? `${usersUrl(role)}/${user!.id}/update` : `${usersUrl(role)}/store`;
  const noun = team ? 'team member' : ROLE_LABELS[role].toLowerCase();
  return (
    <Form action={action} method={editing ? 'PATCH' : 'POST'} label={editing ? `Edit ${user!.full_name}` : `New ${noun}`}>
      <Card title="Contact">
        <div class="form-grid">
          <Field name="full_name" label="Full name" value={user?.full_name} required autocomplete="off" />
          <Field name="email" label="Email" type="email" value={user?.email} required autocomplete="off" hint="They log in with it." />
          <Field name="phone" label="Phone" type="tel" value={user?.phone} required />
          {has('whatsapp_phone') && <Field name="whatsapp_phone" label="WhatsApp number" type="tel" value={user?.whatsapp_phone} />}
          {has('company') && <Field name="company" label="Company" value={user?.company} />}
        </div>
      </Card>

      {options.accounts && (
        <Card title="Account">
          <Select
            name="account_id"
            label="Account"
            options={options.accounts}
            value={p.preset?.account_id}
            placeholder="Choose the seller's account"
            required
          />
          <p class="hint">
            No account yet? <a href="/accounts/create">Create the account</a> first.
          </p>
        </Card>
      )}

      {options.managers && (
        <Card title="Reports to">
          <Select
            name="manager_id"
            label="Manager"
            options={options.managers
              .filter((m) => m.id !== user?.id)
              .map((m) => [m.id, `${m.full_name} (${ROLE_LABELS[m.role]}${m.status === 'active' ? '' : ', inactive'})`])}
            value={user?.manager_id ?? p.preset?.manager_id}
            placeholder="Nobody"
          />
        </Card>
      )}

      {options.callCenters && (
        <Card title="Call centre">
          <Select
            name="call_center_id"
            label="Call centre"
            options={options.callCenters}
            value={user?.call_center_id ?? null}
            placeholder="No call centre"
          />
        </Card>
      )}

      {role === 'agent' && (
        <Card title="Confirmation work">
          <div class="form-grid">
            <Field
              name="salary"
              label="Salary"
              type="number"
              step="0.01"
              min={0}
              value={user?.salary}
              hint="Monthly, in the platform's currency."
            />
          </div>
          <NoneMarker name="agent_status_handlings" />
          <CheckboxGroup
            name="agent_status_handlings"
            legend="Lead statuses they may set"
            options={LEAD_STATUSES.map((s) => [s, LEAD_STATUS_LABELS[s]])}
            values={user?.agent_status_handlings}
          />
          <ItemErrors prefix="agent_status_handlings" />
          <NoneMarker name="products_ids_to_confirm" />
          {options.products && options.products.length > 0 ? (
            <CheckboxGroup
              name="products_ids_to_confirm"
              legend="Products to confirm"
              options={options.products.map((x) => [
                x.id,
                `${x.sku} — ${x.name} (${x.account_name})${x.status === 'active' ? '' : ' · inactive'}`,
              ])}
              values={user?.products_ids_to_confirm}
            />
          ) : (
            <p class="muted">Products to confirm: no product exists yet.</p>
          )}
          <ItemErrors prefix="products_ids_to_confirm" />
          <WorkingHours value={user?.agent_working_hours ?? []} />
        </Card>
      )}

      {has('warehouses_ids_to_manage') && (
        <Card title="Warehouses">
          <NoneMarker name="warehouses_ids_to_manage" />
          {options.warehouses && options.warehouses.length > 0 ? (
            <CheckboxGroup
              name="warehouses_ids_to_manage"
              legend="Warehouses to manage"
              options={options.warehouses.map((w) => [w.id, w.city ? `${w.name} (${w.city})` : w.name])}
              values={user?.warehouses_ids_to_manage}
            />
          ) : (
            <p class="muted">Warehouses to manage: no warehouse exists yet.</p>
          )}
          <ItemErrors prefix="warehouses_ids_to_manage" />
        </Card>
      )}

      <Card title="Sign-in">
        <div class="form-grid">
          <Field
            name="password"
            label={editing ? 'New password' : 'Password'}
            type="password"
            required={!editing}
            autocomplete="new-password"
            hint={editing ? 'Leave empty to keep the current password. At least 8 characters.' : 'At least 8 characters.'}
          />
          <Field
            name="password_confirmation"
            label={editing ? 'Confirm the new password' : 'Confirm password'}
            type="password"
            required={!editing}
            autocomplete="new-password"
          />
          {hasStatusField(role) && <Select name="status" label="Status" options={STATUS_OPTIONS} value={user?.status ?? 'active'} />}
        </div>
        {!hasStatusField(role) && editing && (
          <p class="hint">Use Activate or Deactivate on their page to change whether they can log in.</p>
        )}
      </Card>

      <div class="form-actions">
        <Button>{editing ? 'Save changes' : `Create ${noun}`}</Button>
        <a href={editing ? userUrl(user!) : usersUrl(role)} class="btn btn-link">
          Cancel
        </a>
      </div>
    </Form>
  );
}

function Chips({ children }: { children: ComponentChildren }) {
  return <span class="chips">{children}</span>;
}

export function UserPage(p: {
  user: UserRow;
  labels: {
    products: { id: string; sku: string; name: string; account_name: string }[];
    warehouses: { id: string; name: string; city: string | null }[];
  };
  reports: { id: string; role: Role; full_name: string; email: string; status: string }[];
}) {
  const { user: viewer } = usePage();
  const v = viewer!;
  const u = p.user;
  const fields = EXTRA_FIELDS[u.role];
  const team = isTeamView(v, u.role);
  const self = u.id === v.id;
  const contact: [string, ComponentChildren][] = [
    ['Email', <a href={`mailto:${u.email}`}>{u.email}</a>],
    ['Phone', u.phone],
  ];
  if (fields.includes('whatsapp_phone')) contact.push(['WhatsApp number', u.whatsapp_phone]);
  if (fields.includes('company')) contact.push(['Company', u.company]);
  const access: [string, ComponentChildren][] = [
    ['Status', <StatusBadge status={u.status} />],
    ['Role', ROLE_LABELS[u.role]],
  ];
  if (u.role === 'seller')
    access.push(['Account', v.role === 'seller' ? u.account_name : <a href={`/accounts/${u.account_id}/show`}>{u.account_name}</a>]);
  if (MANAGED_BY[u.role]) access.push(['Manager', u.manager_name]);
  if (fields.includes('call_center_id')) access.push(['Call centre', u.call_center_name]);
  access.push(['Member since', formatDateTime(u.created_at)], ['Last updated', formatDateTime(u.updated_at)]);
  const hours = u.agent_working_hours ?? [];
  return (
    <>
      <PageHeader
        title={u.full_name}
        subtitle={`${team ? 'Team member' : ROLE_LABELS[u.role]}${self ? ' · you' : ''}`}
        back={{ href: usersUrl(u.role), label: team ? 'Team' : ROLE_PLURALS[u.role] }}
        actions={
          <>
            {mayAct(v, 'update', u) && (
              <LinkButton href={`${usersUrl(u.role)}/${u.id}/edit`} kind="secondary">
                Edit
              </LinkButton>
            )}
            {mayAct(v, 'impersonate', u) && u.status === 'active' && <ImpersonateButton user={u} />}
            {mayAct(v, 'activate', u) && <StatusToggle user={u} />}
            {mayAct(v, 'delete', u) && <DeleteButton user={u} />}
          </>
        }
      />
      <div class="grid-2">
        <Card title="Contact">
          <DefinitionList items={contact} />
        </Card>
        <Card title="Access">
          <DefinitionList items={access} />
        </Card>
      </div>
      {u.role === 'agent' && (
        <Card title="Confirmation work">
          <DefinitionList
            items={[
              ['Salary', v.hide_money ? <span class="muted">Hidden</span> : u.salary === null ? null : u.salary.toFixed(2)],
              [
                'Lead statuses they may set',
                u.agent_status_handlings.length ? (
                  <Chips>
                    {u.agent_status_handlings.map((s) => (
                      <Badge tone="blue">{LEAD_STATUS_LABELS[s] ?? s}</Badge>
                    ))}
                  </Chips>
                ) : null,
              ],
              [
                'Working hours',
                hours.length ? (
                  <>
                    <Chips>
                      {hours.map((h) => (
                        <Badge>{hoursLabel(h)}</Badge>
                      ))}
                    </Chips>
                    <span class="muted small">{displayZone()} time</span>
                  </>
                ) : null,
              ],
            ]}
          />
          <h3 class="subheading">Products to confirm</h3>
          <DataTable
            caption="Products to confirm"
            rows={p.labels.products}
            empty="No product assigned: this agent gets no leads to confirm."
            columns={[
              { label: 'SKU', render: (x) => <code class={longValueClass(x.sku)}>{x.sku}</code> },
              { label: 'Product', render: (x) => <span class={longValueClass(x.name)}>{x.name}</span> },
              { label: 'Account', render: (x) => x.account_name },
            ]}
          />
        </Card>
      )}
      {fields.includes('warehouses_ids_to_manage') && (
        <Card title="Warehouses to manage">
          {p.labels.warehouses.length ? (
            <Chips>
              {p.labels.warehouses.map((w) => (
                <Badge>{w.city ? `${w.name} (${w.city})` : w.name}</Badge>
              ))}
            </Chips>
          ) : (
            <p class="muted">No warehouse assigned yet.</p>
          )}
        </Card>
      )}
      {Object.values(MANAGED_BY).some((r) => r.includes(u.role)) && (
        <Card title="Reports to them">
          <DataTable
            caption={`People reporting to ${u.full_name}`}
            rows={p.reports}
            empty="Nobody reports to them yet."
            columns={[
              { label: 'Name', render: (r) => <a href={userUrl(r)}>{r.full_name}</a> },
              { label: 'Role', render: (r) => ROLE_LABELS[r.role] },
              { label: 'Email', render: (r) => r.email },
              { label: 'Status', render: (r) => <StatusBadge status={r.status} /> },
            ]}
          />
        </Card>
      )}
    </>
  );
}

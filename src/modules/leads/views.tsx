import { ExportForm } from '../spreadsheets/views.js';
import type { ComponentChildren } from 'preact';
import { displayZone, formatDate, formatDateTime } from '../../web/format.js';
import type { PageMeta } from '../../db/paging.js';
import { usePage } from '../../web/page-context.js';
import { RowCheck } from '../catalog/deletion.js';
import {
  Badge,
  Button,
  Card,
  DataTable,
  DateTimeCell,
  DefinitionList,
  Field,
  Filters,
  Form,
  LinkButton,
  PageHeader,
  Pagination,
  Select,
  TableWrap,
  TextArea,
  type Column,
  PhoneLink,
  longValueClass,
} from '../../web/ui.js';
import {
  AccountSelect,
  BulkDeleteButton,
  BulkDeleteForm,
  CustomerCard,
  RecordHeader,
  HistoryCard,
  StatusLine,
  hidesMoney,
  LineRows,
  changedBy,
  HistoryChanges,
  HistoryHead,
  historyKind,
  Money,
  RecordStatus,
  statusLabel,
  StatusTabs,
  Timeline,
  type HistoryItem,
  type LineValue,
} from '../records/record-ui.js';
import type { HandMadeTarget } from '../records/hand-made.js';
import { isOpenLead, LEAD_STATUSES } from './transitions.js';
import { noLongerSoldMessage } from './lifecycle.js';
import { LEAD_MAX_LINES } from './schemas.js';

/** A lead as the API represents it (api-v1.md). */
export interface LeadItem {
  id: string;
  reference: string;
  status: string;
  full_name: string;
  phone: string;
  city: string | null;
  area: string | null;
  address: string | null;
  /** `unsold`: the line's product was deleted (the dashboard only: markUnsold). */
  products: { sku: string; name: string; quantity: number; price: number; total: number; unsold?: boolean }[];
  total: number;
  data: { key: string; value: string }[];
  call_attempts: number;
  callback_at: string | null;
  cancel_reason: string | null;
  duplicate_of: string | null;
  order_reference: string | null;
  created_at: string;
  updated_at: string;
}

export interface LeadListRow {
  item: LeadItem;
  account_name?: string;
}

export const leadUrl = (id: string, action: 'show' | 'edit' = 'show') => `/leads/${id}/${action}`;

type Account = { id: string; name: string };

/** An agent a lead may be assigned to, as the "Assigned to" filter and the lead's page name them. */
export interface Assignee {
  id: string;
  full_name: string;
  status: string;
  paused: boolean;
}

/** Why an assigned agent's queue would not offer the lead now: inactive, or paused by a manager. */
const assigneeState = (a: Assignee) => (a.status !== 'active' ? 'inactive' : a.paused ? 'paused' : null);

/** Who a lead waits for; an agent outside the viewer's team is not named. */
function AssigneeName({ a }: { a: Assignee & { in_scope: boolean } }) {
  if (!a.in_scope) return <span>An agent outside your team</span>;
  const state = assigneeState(a);
  return (
    <span>
      {a.full_name} {state && <Badge tone="amber">{state}</Badge>}
    </span>
  );
}

/** The leads list's "Assigned to" filter: an agent of the viewer's team, or the leads no one was given. */
function AssigneeFilter({ agents }: { agents: Assignee[] }) {
  const { url } = usePage();
  const label = (a: Assignee) => {
    const state = assigneeState(a);
    return state ? `${a.full_name} (${state})` : a.full_name;
  };
  return (
    <Select
      name="assigned_to"
      label="Assigned to"
      options={[['none', 'Not assigned'], ...agents.map((a): [string, string] => [a.id, label(a)])]}
      value={url.searchParams.get('assigned_to')}
      placeholder="Anyone or no one"
    />
  );
}

/** The filters beyond the search box, folded away on phones unless one is in use. */
function MoreFilters(p: { accounts?: Account[]; reference: string; extra?: preact.ComponentChildren }) {
  const { url } = usePage();
  const get = (k: string) => url.searchParams.get(k);
  const open = ['reference', 'phone', 'sku', 'created_from', 'created_to', 'account_id', 'tracking_number', 'assigned_to'].some((k) =>
    get(k),
  );
  return (
    <details class="more-filters" open={open}>
      <summary>More filters</summary>
      <div class="filter-grid">
        {p.accounts && <AccountSelect accounts={p.accounts} value={get('account_id')} placeholder="Every account" />}
        <Field name="reference" label="Reference" value={get('reference')} placeholder={p.reference} />
        <Field name="phone" label="Phone" type="tel" value={get('phone')} />
        <Field name="sku" label="SKU" value={get('sku')} />
        {p.extra}
        <Field name="created_from" label="Created from" type="date" value={get('created_from')} />
        <Field name="created_to" label="Created to" type="date" value={get('created_to')} />
      </div>
    </details>
  );
}

/** `reference`: an example reference of the list's kind (`LD-00001`, `ORD-00001`), the filter's placeholder. */
export function ListFilters(p: { accounts?: Account[]; searchHint: string; reference: string; extra?: preact.ComponentChildren }) {
  const { url } = usePage();
  const status = url.searchParams.get('status');
  return (
    <Filters search={p.searchHint} searchLabel="Search">
      {status && <input type="hidden" name="status" value={status} />}
      <MoreFilters accounts={p.accounts} reference={p.reference} extra={p.extra} />
    </Filters>
  );
}

/**
 * "2 × ARGAN-100, 1 × AMLOU-250": the cell wraps between lines first; a line wider than the cell on
 * its own ("1000 × RHASSOUL-200," beside a 999,999.00 total at 1280 px) breaks before its SKU, never
 * inside it (a nowrap line scrolled the admin's orders table 45 px sideways).
 */
export function ProductsSummary(p: { products: { quantity: number; sku: string }[] }) {
  const last = p.products.length - 1;
  return (
    <span>
      {p.products.map((x, i) => (
        <>
          <span class="summary-line">
            {/* The comma inside the SKU's box: after a long SKU's box it stood alone on a line. */}
            {x.quantity} ×{' '}
            <span class={longValueClass(x.sku) ?? 'nowrap'}>
              {x.sku}
              {i < last && ','}
            </span>
          </span>
          {i < last && ' '}
        </>
      ))}
    </span>
  );
}

export function LeadsList(p: {
  rows: LeadListRow[];
  meta: PageMeta;
  counts: Map<string, number>;
  accounts?: Account[];
  canCreate: boolean;
  canDelete: boolean;
  canImport?: boolean;
  canExport?: boolean;
  /** The agents the user may give leads to (call-centre.md), when they may assign. */
  agents?: { id: string; full_name: string }[];
  /** Every agent of the user's team, for the "Assigned to" filter, when they may assign. */
  assignees?: Assignee[];
}) {
  const hide = hidesMoney();
  // One form for the ticked rows: a box belongs to one form, and assigning shares the delete's boxes.
  const bulkForm = p.agents ? 'lead-bulk' : 'bulk-delete';
  const columns: Column<LeadListRow>[] = [
    {
      label: 'Reference',
      render: (r) => (
        <a href={leadUrl(r.item.id)} class="ref">
          {r.item.reference}
        </a>
      ),
    },
    {
      label: 'Customer',
      sort: 'full_name',
      render: (r) => (
        <span class="stack">
          <span>{r.item.full_name}</span>
          <PhoneLink phone={r.item.phone} class="muted" />
        </span>
      ),
    },
    { label: 'City', sort: 'city', render: (r) => r.item.city ?? '—' },
    { label: 'Products', render: (r) => <ProductsSummary products={r.item.products} /> },
    ...(hide ? [] : [{ label: 'Total', sort: 'total', class: 'num', render: (r: LeadListRow) => <Money value={r.item.total} /> }]),
    {
      label: 'Status',
      render: (r) => (
        <span class="stack">
          <RecordStatus status={r.item.status} />
          {r.item.status === 'call_later' && r.item.callback_at && (
            <span class="muted small">Call {formatDateTime(r.item.callback_at)}</span>
          )}
          {r.item.duplicate_of && <span class="muted small">of {r.item.duplicate_of}</span>}
          {r.item.call_attempts > 0 && (
            <span class="muted small">
              {r.item.call_attempts} call{r.item.call_attempts > 1 ? 's' : ''}
            </span>
          )}
        </span>
      ),
    },
    ...(p.accounts ? [{ label: 'Account', render: (r: LeadListRow) => r.account_name ?? '—' }] : []),
    { label: 'Created', sort: 'created_at', render: (r) => <DateTimeCell iso={r.item.created_at} /> },
  ];
  if (p.canDelete || p.agents) {
    columns.unshift({
      label: 'Select',
      class: 'select-col',
      render: (r) => <RowCheck form={bulkForm} id={r.item.id} name={r.item.reference} />,
    });
  }
  return (
    <>
      <PageHeader
        title="Leads"
        subtitle={p.accounts ? 'Every account you work on.' : 'Your shop’s leads, newest first.'}
        actions={
          <>
            <LinkButton href="/lead-histories" kind="secondary">
              Lead histories
            </LinkButton>
            {p.canExport && <ExportForm records="leads" />}
            {p.canImport && (
              <LinkButton href="/leads/import" kind="secondary">
                Import
              </LinkButton>
            )}
            {p.canCreate && <LinkButton href="/leads/create">New lead</LinkButton>}
          </>
        }
      />
      <StatusTabs statuses={LEAD_STATUSES} counts={p.counts} label="Lead status" />
      <ListFilters
        accounts={p.accounts}
        searchHint="Reference, phone or name"
        reference="LD-00001"
        extra={p.assignees && <AssigneeFilter agents={p.assignees} />}
      />
      <DataTable caption="Leads" rows={p.rows} columns={columns} empty="No lead matches these filters." none="No lead yet." />
      <div class="list-footer">
        {p.agents && p.rows.length > 0 && <LeadBulkForm id={bulkForm} agents={p.agents} canDelete={p.canDelete} />}
        {!p.agents && p.canDelete && p.rows.length > 0 && (
          <BulkDeleteForm
            action="/leads/delete"
            confirm={DELETE_CONFIRM}
            label="Delete selected leads"
            empty="Select at least one lead to delete."
          />
        )}
        <Pagination meta={p.meta} />
      </div>
    </>
  );
}

const DELETE_CONFIRM = 'Delete the selected leads? Confirmed leads cannot be deleted.';

/**
 * The leads list's actions on the ticked rows for those who may assign (managers, admins): give
 * them to an agent, first in that agent's queue (`PATCH /leads/assign`), or back to everyone's
 * queue; and, for those who may, delete them. Each button sends its own `_method` and action.
 */
function LeadBulkForm(p: { id: string; agents: { id: string; full_name: string }[]; canDelete: boolean }) {
  const { csrf, old } = usePage();
  return (
    <form
      method="post"
      action="/leads/assign"
      id={p.id}
      class="inline-form bulk-actions"
      data-empty="Select at least one lead first."
      aria-label="Selected leads"
    >
      <input type="hidden" name="_token" value={csrf} />
      <label for="f-bulk-agent">Assign to</label>
      <select id="f-bulk-agent" name="agent_id">
        <option value="">Everyone's queue</option>
        {p.agents.map((a) => (
          <option value={a.id} selected={a.id === old.agent_id}>
            {a.full_name}
          </option>
        ))}
      </select>
      <button type="submit" name="_method" value="PATCH" class="btn btn-secondary btn-small">
        Assign selected
      </button>
      {p.canDelete && <BulkDeleteButton action="/leads/delete" confirm={DELETE_CONFIRM} />}
    </form>
  );
}

/** Marks the lines of a lead or an order whose product was deleted (unsoldLinesOf's places), for its pages. */
export function markUnsold<T extends { products: { unsold?: boolean }[] }>(record: T, unsold: { index: number }[]): T {
  for (const { index } of unsold) if (record.products[index]) record.products[index].unsold = true;
  return record;
}

/**
 * The lines of an open lead naming deleted products: the lifecycle's refusal, said before the agent
 * tries to confirm (docs/decisions.md, "The agent on a lead keeps it when its products are deleted").
 */
export function UnsoldNotice({ lead }: { lead: LeadItem }) {
  const skus = [...new Set(lead.products.filter((x) => x.unsold).map((x) => x.sku))].sort();
  if (skus.length === 0 || !isOpenLead(lead.status)) return null;
  return <p class="notice unsold-notice">{noLongerSoldMessage(skus)}</p>;
}

function ProductsTable({ products, total }: { products: LeadItem['products']; total: number }) {
  const hide = hidesMoney();
  return (
    <TableWrap label="Products">
      <table class="table lines-table">
        <caption class="sr-only">Products</caption>
        <thead>
          <tr>
            <th scope="col">SKU</th>
            <th scope="col">Product</th>
            <th scope="col" class="num">
              Quantity
            </th>
            {!hide && (
              <>
                <th scope="col" class="num">
                  Price
                </th>
                <th scope="col" class="num">
                  Total
                </th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {products.map((x) => (
            <tr>
              <td data-label="SKU">
                <code class={longValueClass(x.sku)}>{x.sku}</code>
              </td>
              <td data-label="Product">
                <span class={longValueClass(x.name)}>{x.name}</span>
                {x.unsold && (
                  <>
                    {' '}
                    <Badge tone="red">No longer sold</Badge>
                  </>
                )}
              </td>
              <td data-label="Quantity" class="num">
                {x.quantity}
              </td>
              {!hide && (
                <>
                  <td data-label="Price" class="num">
                    <Money value={x.price} />
                  </td>
                  <td data-label="Total" class="num">
                    <Money value={x.total} />
                  </td>
                </>
              )}
            </tr>
          ))}
        </tbody>
        {!hide && (
          <tfoot>
            <tr>
              <th scope="row" colSpan={4} class="num">
                Total
              </th>
              <td class="num total-cell" data-label="Total">
                <Money value={total} />
              </td>
            </tr>
          </tfoot>
        )}
      </table>
    </TableWrap>
  );
}
export { ProductsTable };

/** The lifecycle form: only the statuses this user may set from here; one-tap buttons for the common calls. */
function LeadStatusForm({ lead, options, cancelReasons }: { lead: LeadItem; options: string[]; cancelReasons: string[] }) {
  const quick = options.filter((s) => s === 'confirmed' || s === 'no_reply');
  return (
    <Card title="Change status" class="status-card">
      {quick.length > 0 && (
        <div class="quick-actions" role="group" aria-label="Quick actions">
          {quick.map((s) => (
            <Form
              action={`/leads/${lead.id}/status`}
              method="PATCH"
              class="inline-form"
              label={s === 'confirmed' ? 'Confirm the lead' : 'Record a call without reply'}
            >
              <input type="hidden" name="status" value={s} />
              <Button kind={s === 'confirmed' ? 'primary' : 'secondary'}>{s === 'confirmed' ? 'Confirm' : 'No reply'}</Button>
            </Form>
          ))}
        </div>
      )}
      <Form action={`/leads/${lead.id}/status`} method="PATCH" label="Change status">
        <Select name="status" label="Status" options={options.map((s) => [s, statusLabel(s)])} placeholder="Choose a status" required />
        <div class="form-grid">
          {options.includes('call_later') && (
            <Field name="callback_at" label="Call back at" type="datetime-local" hint={`Needed for Call later (${displayZone()} time).`} />
          )}
          {options.includes('canceled') && (
            <Select
              name="cancel_reason"
              label="Cancel reason"
              options={cancelReasons.map((r) => [r, statusLabel(r).replace(/_/g, ' ')])}
              placeholder="For Canceled: why"
            />
          )}
          {options.includes('duplicate') && (
            <Field name="duplicate_of" label="Duplicate of" hint="For Duplicate: the reference of the lead it repeats." />
          )}
        </div>
        <TextArea name="comment" label="Comment" rows={2} />
        <div class="form-actions">
          <Button>Save status</Button>
        </div>
      </Form>
    </Card>
  );
}

export function LeadPage(p: {
  lead: LeadItem;
  accountName?: string;
  orderId: string | null;
  /** The lead a duplicate repeats, when the viewer sees it (a link). */
  originalId?: string;
  histories: HistoryItem[];
  options: string[];
  /** The call-centre settings' list, offered when Canceled is among the options. */
  cancelReasons: string[];
  canEdit: boolean;
  canDelete: boolean;
  canSeeOrder: boolean;
  /** An agent on an open lead they have not claimed: their calls are recorded from the call queue. */
  callFromQueue?: boolean;
  /** The agent a manager gave the lead to, told to those who may assign. */
  assignee?: Assignee & { in_scope: boolean };
}) {
  const { lead } = p;
  const open = isOpenLead(lead.status);
  return (
    <>
      <RecordHeader
        kind="lead"
        record={lead}
        accountName={p.accountName}
        canEdit={p.canEdit && open}
        canDelete={p.canDelete && lead.status !== 'confirmed'}
      />
      <StatusLine
        status={lead.status}
        related={{
          label: 'Order',
          reference: lead.order_reference,
          href: p.canSeeOrder && p.orderId ? `/orders/${p.orderId}/show` : undefined,
        }}
      />
      <div class="record-grid">
        <div class="record-main">
          <CustomerCard record={lead} />
          <Card title="Products" class="card-products" region={false}>
            <UnsoldNotice lead={lead} />
            <ProductsTable products={lead.products} total={lead.total} />
          </Card>
          <Card title="Call">
            <DefinitionList
              items={[
                ['Call attempts', String(lead.call_attempts)],
                ...(p.assignee ? [['Assigned to', <AssigneeName a={p.assignee} />] as [string, ComponentChildren]] : []),
                ['Call back at', lead.callback_at ? formatDateTime(lead.callback_at) : null],
                ['Cancel reason', lead.cancel_reason],
                ['Duplicate of', p.originalId ? <a href={leadUrl(p.originalId)}>{lead.duplicate_of}</a> : lead.duplicate_of],
                ['Created', formatDateTime(lead.created_at)],
                ['Last updated', formatDateTime(lead.updated_at)],
              ]}
            />
          </Card>
          {lead.data.length > 0 && (
            <Card title="Extra data">
              <DefinitionList items={lead.data.map((d): [string, string] => [d.key, d.value])} />
            </Card>
          )}
        </div>
        <div class="record-side">
          {p.options.length > 0 && <LeadStatusForm lead={lead} options={p.options} cancelReasons={p.cancelReasons} />}
          {p.callFromQueue && (
            <Card title="Change status">
              <p class="muted">
                A call is recorded from the <a href="/call-centre">call queue</a>, on the lead it gives you: this one is not yours to call
                right now.
              </p>
            </Card>
          )}
          <HistoryCard reference={lead.reference} items={p.histories} page={`/lead-histories/${lead.id}/show`} />
        </div>
      </div>
    </>
  );
}

export function LeadForm(p: {
  lead?: LeadItem;
  products: { sku: string; name: string; price: number }[];
  accountId?: string;
  accountName?: string;
}) {
  const { lead } = p;
  const action = lead ? `/leads/${lead.id}/update` : '/leads/store';
  const lines: LineValue[] = lead ? lead.products.map((x) => ({ sku: x.sku, quantity: x.quantity, price: x.price, unsold: x.unsold })) : [];
  return (
    <Card>
      <Form action={action} method={lead ? 'PATCH' : 'POST'} label={lead ? `Edit ${lead.reference}` : 'New lead'}>
        {p.accountId && !lead && <input type="hidden" name="account_id" value={p.accountId} />}
        {p.accountName && (
          <p class="muted">
            Account: <strong>{p.accountName}</strong>
          </p>
        )}
        <div class="form-grid">
          <Field name="full_name" label="Full name" value={lead?.full_name} required autocomplete="off" />
          <Field name="phone" label="Phone" type="tel" value={lead?.phone} required autocomplete="off" />
          <Field name="city" label="City" value={lead?.city} />
          <Field name="area" label="Area" value={lead?.area} />
        </div>
        <TextArea name="address" label="Address" value={lead?.address} rows={2} />
        {p.products.length === 0 && !lead ? (
          <p class="flash flash-error">This account has no active product yet: add or activate one first.</p>
        ) : (
          <LineRows products={p.products} lines={lines} max={LEAD_MAX_LINES} blank={lead ? 1 : 3} />
        )}
        <div class="form-actions">
          <Button>{lead ? 'Save changes' : 'Create lead'}</Button>
          <a href={lead ? leadUrl(lead.id) : '/leads'} class="btn btn-link">
            Cancel
          </a>
        </div>
      </Form>
    </Card>
  );
}

/** Staff creating a lead first pick the account (its products fill the SKU selects). */
function AccountPicker(p: { accounts: Account[]; action: string }) {
  return (
    <Card title="Which account is it for?">
      <form method="get" action={p.action} class="form" aria-label="Choose the account">
        <AccountSelect accounts={p.accounts} />
        <div class="form-actions">
          <Button kind="secondary">Continue</Button>
        </div>
      </form>
    </Card>
  );
}

/** A create page: the record's form once its account is known, else the account picker. */
export function CreateRecordPage(p: {
  title: string;
  subtitle: string;
  back: { href: string; label: string };
  target: HandMadeTarget;
  form: (t: HandMadeTarget & { accountId: string }) => ComponentChildren;
}) {
  const { accountId } = p.target;
  return (
    <>
      <PageHeader title={p.title} subtitle={p.subtitle} back={p.back} />
      {accountId ? p.form({ ...p.target, accountId }) : <AccountPicker accounts={p.target.accounts} action={`${p.back.href}/create`} />}
    </>
  );
}

export interface HistoryRow {
  item: HistoryItem & { lead_reference?: string; order_reference?: string };
  record_id: string;
  account_name?: string;
  impersonated_by?: string | null;
  /** What the row's request changed (the page only: the item stays as api-v1.md quotes it). */
  changes?: HistoryItem['changes'];
  /** Whether the row's request set no status (a lead's comment alone: migration 0045; the page only). */
  without_status?: boolean | null;
}

/** /lead-histories and /orders-histories: every history row, newest first, each told as the record's timeline tells it. */
export function HistoriesList(p: { kind: 'lead' | 'order'; rows: HistoryRow[]; meta: PageMeta; accounts?: Account[] }) {
  const { url } = usePage();
  const get = (k: string) => url.searchParams.get(k);
  const base = p.kind === 'lead' ? '/leads' : '/orders';
  const title = p.kind === 'lead' ? 'Lead histories' : 'Order histories';
  return (
    <>
      <PageHeader
        title={title}
        subtitle="Every status change, comment and edit: who, when, and why."
        back={{ href: base, label: p.kind === 'lead' ? 'Leads' : 'Orders' }}
      />
      <Filters search="Reference, phone or name" label={`Filter ${title.toLowerCase()}`}>
        <div class="field field-inline">
          <label for="f-reference">Reference</label>
          <input
            id="f-reference"
            type="text"
            name="reference"
            value={get('reference') ?? ''}
            placeholder={p.kind === 'lead' ? 'LD-00001' : 'ORD-00001'}
          />
        </div>
        {p.accounts && <AccountSelect accounts={p.accounts} value={get('account_id')} placeholder="Every account" />}
        <Field name="from" label="From" type="date" value={get('from')} />
        <Field name="to" label="To" type="date" value={get('to')} />
      </Filters>
      <DataTable
        caption={title}
        rows={p.rows}
        empty="No status change matches these filters."
        none="No status change yet."
        columns={[
          {
            label: p.kind === 'lead' ? 'Lead' : 'Order',
            render: (r) => (
              <a href={`${base}/${r.record_id}/show`} class="ref">
                {r.item.lead_reference ?? r.item.order_reference}
              </a>
            ),
          },
          {
            label: 'Change',
            render: (r) => (
              <div class="change">
                <HistoryHead item={{ ...r.item, changes: r.changes, without_status: r.without_status }} />
                {r.changes && <HistoryChanges changes={r.changes} />}
              </div>
            ),
          },
          { label: 'Changed by', render: (r) => changedBy(r.item.changed_by, r.impersonated_by) },
          { label: 'Comment', render: (r) => r.item.comment ?? '—' },
          ...(p.accounts ? [{ label: 'Account', render: (r: HistoryRow) => r.account_name ?? '—' }] : []),
          {
            label: 'When',
            sort: 'created_at',
            render: (r) => <time datetime={r.item.changed_at}>{formatDateTime(r.item.changed_at)}</time>,
          },
        ]}
      />
      <Pagination meta={p.meta} />
    </>
  );
}

const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * "2 status changes, 1 edit and 1 comment": a history's rows after its creation, each counted as its
 * timeline tells it (historyKind), so an edit or a comment is not a status change; edits and comments
 * only when there are some.
 */
export function historyTally(items: HistoryItem[]): string {
  const n = { move: 0, edit: 0, comment: 0 };
  for (const h of items) {
    const kind = historyKind(h);
    if (kind !== 'created') n[kind]++;
  }
  const parts = [
    counted(n.move, 'status change'),
    ...(n.edit ? [counted(n.edit, 'edit')] : []),
    ...(n.comment ? [counted(n.comment, 'comment')] : []),
  ];
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** /lead-histories/{lead}/show and /orders-histories/{order}/show: one record's timeline. */
export function RecordHistory(p: {
  kind: 'lead' | 'order';
  id: string;
  reference: string;
  status: string;
  histories: HistoryItem[];
  accountName?: string;
  /** Shown under the timeline (an order's courier events). */
  after?: ComponentChildren;
}) {
  const base = p.kind === 'lead' ? '/leads' : '/orders';
  const list = p.kind === 'lead' ? '/lead-histories' : '/orders-histories';
  return (
    <>
      <PageHeader
        title={`History of ${p.reference}`}
        subtitle={p.accountName ? `${p.kind === 'lead' ? 'Lead' : 'Order'} of ${p.accountName}` : undefined}
        back={{ href: list, label: p.kind === 'lead' ? 'Lead histories' : 'Order histories' }}
        actions={
          <LinkButton href={`${base}/${p.id}/show`} kind="secondary">
            Open {p.reference}
          </LinkButton>
        }
      />
      <Card title="Timeline">
        <p>
          Status now: <RecordStatus status={p.status} /> · {historyTally(p.histories)} since{' '}
          {p.histories[0] ? formatDate(p.histories[0].changed_at) : '—'}
        </p>
        <Timeline items={p.histories} label={`History of ${p.reference}`} />
      </Card>
      {p.after}
    </>
  );
}

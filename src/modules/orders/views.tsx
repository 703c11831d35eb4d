import type { ComponentChildren } from 'preact';
import type { LedgerRow } from '../ledger/queries.js';
import { LedgerTable } from '../ledger/views.js';
import type { CourierEventRow } from './queries.js';
import type { PushFailure } from '../shipping/push-failures.js';
import { formatDateTime } from '../../web/format.js';
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
  Form,
  LinkButton,
  PageHeader,
  Pagination,
  Select,
  TextArea,
  type Column,
  PhoneLink,
} from '../../web/ui.js';
import { ListFilters, ProductsSummary, ProductsTable } from '../leads/views.js';
import { ExportForm } from '../spreadsheets/views.js';
import {
  BulkDeleteButton,
  CustomerCard,
  RecordHeader,
  HistoryCard,
  StatusLine,
  hidesMoney,
  LineRows,
  Money,
  RecordStatus,
  statusLabel,
  StatusTabs,
  type HistoryItem,
  type LineValue,
} from '../records/record-ui.js';
import { ORDER_STATUSES } from './transitions.js';
import { ORDER_MAX_LINES, SHIPMENT_WAYS, shipmentWay } from './schemas.js';

/** An order as the API represents it (api-v1.md). */
export interface OrderItem {
  id: string;
  reference: string;
  status: string;
  lead_reference: string | null;
  full_name: string;
  phone: string;
  email: string | null;
  city: string | null;
  area: string | null;
  address: string | null;
  shipment_way: number;
  is_fees_paid_by_customer: boolean;
  total: number;
  /** `unsold`: the line's product was deleted (its page and edit page only: markUnsold). */
  products: { sku: string; name: string; quantity: number; price: number; total: number; unsold?: boolean }[];
  shipping_company: string | null;
  tracking_number: string | null;
  created_at: string;
  updated_at: string;
}

export interface OrderListRow {
  item: OrderItem;
  account_name?: string | null;
  delivery_user_name?: string | null;
  waiting_for_stock?: boolean;
}

/**
 * domain.md's "waiting for stock": a new order holding no reservation, which cannot be shipped yet.
 * Its why is text under it, not a `title` tooltip, which neither a keyboard, a phone nor most screen readers reach;
 * in a list one short line, which keeps the row short at 1280 px (the whole sentence is on the order's page).
 */
const WaitingForStockBadge = () => <Badge tone="amber">Waiting for stock</Badge>;
/** The same in a list's row (the orders list, Push orders), as text, not a badge (a badge widened the orders table). */
export const WaitingForStockNote = () => (
  <>
    <span class="small waiting-note">Waiting for stock</span>
    <span class="small muted">No stock reserved</span>
  </>
);

export const orderUrl = (id: string, action: 'show' | 'edit' = 'show') => `/orders/${id}/${action}`;

type Account = { id: string; name: string };

/**
 * The orders list's actions on the ticked rows: their labels in one PDF (a new tab), and, for those
 * who may, their deletion. Each button sends its own action and `_method`, as the leads list's.
 */
function OrderBulkForm(p: { canDelete: boolean; canLabel: boolean }) {
  const { csrf } = usePage();
  return (
    <form
      method="post"
      action={p.canLabel ? '/orders/labels' : '/orders/delete'}
      id="order-bulk"
      class="inline-form bulk-actions"
      data-empty="Select at least one order first."
      aria-label="Selected orders"
    >
      <input type="hidden" name="_token" value={csrf} />
      {p.canLabel && (
        <button type="submit" formaction="/orders/labels" formtarget="_blank" class="btn btn-secondary btn-small">
          Labels of the selected (PDF)
        </button>
      )}
      {p.canDelete && (
        <BulkDeleteButton action="/orders/delete" confirm="Delete the selected orders? Only new and canceled orders can be deleted." />
      )}
    </form>
  );
}

export function OrdersList(p: {
  rows: OrderListRow[];
  meta: PageMeta;
  counts: Map<string, number>;
  accounts?: Account[];
  canCreate: boolean;
  canDelete: boolean;
  canHistory: boolean;
  canImport?: boolean;
  canExport?: boolean;
  /** Labels of the ticked orders in one PDF (fulfilment.md), whatever ships them. */
  canLabel?: boolean;
}) {
  const hide = hidesMoney();
  const { url } = usePage();
  const columns: Column<OrderListRow>[] = [
    {
      label: 'Reference',
      render: (r) => (
        <a href={orderUrl(r.item.id)} class="ref">
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
    // Between the phones' cards and 1280 px, city, total, account and date sit under the cell before
    // them (DataTable's `under`): the admin's nine columns scrolled sideways beside the menu.
    { label: 'City', sort: 'city', under: 'Customer', render: (r) => r.item.city ?? '—' },
    { label: 'Products', render: (r) => <ProductsSummary products={r.item.products} /> },
    ...(hide
      ? []
      : [{ label: 'Total', sort: 'total', class: 'num', under: 'Products', render: (r: OrderListRow) => <Money value={r.item.total} /> }]),
    {
      // The tracking number and the courier under the status: one column less, so the list fits at 1280 px.
      label: 'Status',
      render: (r) => (
        <span class="stack">
          <RecordStatus status={r.item.status} />
          {r.waiting_for_stock && <WaitingForStockNote />}
          {r.item.tracking_number && <code class="ref">{r.item.tracking_number}</code>}
          {r.delivery_user_name && <span class="muted small">{r.delivery_user_name}</span>}
        </span>
      ),
    },
    ...(p.accounts ? [{ label: 'Account', under: 'Reference', render: (r: OrderListRow) => r.account_name ?? '—' }] : []),
    { label: 'Created', sort: 'created_at', under: 'Reference', render: (r) => <DateTimeCell iso={r.item.created_at} /> },
  ];
  if (p.canDelete || p.canLabel) {
    columns.unshift({
      label: 'Select',
      class: 'select-col',
      render: (r) => <RowCheck form="order-bulk" id={r.item.id} name={r.item.reference} />,
    });
  }
  return (
    <>
      <PageHeader
        title="Orders"
        subtitle={p.accounts ? 'Every order you work on.' : 'Your shop’s orders, newest first.'}
        actions={
          <>
            {p.canHistory && (
              <LinkButton href="/orders-histories" kind="secondary">
                Order histories
              </LinkButton>
            )}
            {p.canExport && <ExportForm records="orders" />}
            {p.canImport && (
              <LinkButton href="/orders/import" kind="secondary">
                Import
              </LinkButton>
            )}
            {p.canCreate && <LinkButton href="/orders/create">New order</LinkButton>}
          </>
        }
      />
      <StatusTabs statuses={ORDER_STATUSES} counts={p.counts} label="Order status" />
      <ListFilters
        accounts={p.accounts}
        searchHint="Reference, phone or name"
        reference="ORD-00001"
        extra={<Field name="tracking_number" label="Tracking number" value={url.searchParams.get('tracking_number')} />}
      />
      <DataTable caption="Orders" rows={p.rows} columns={columns} empty="No order matches these filters." none="No order yet." />
      <div class="list-footer">
        {(p.canDelete || p.canLabel) && p.rows.length > 0 && <OrderBulkForm canDelete={p.canDelete} canLabel={p.canLabel === true} />}
        <Pagination meta={p.meta} />
      </div>
    </>
  );
}

function OrderStatusForm(p: {
  order: OrderItem;
  options: string[];
  couriers: { id: string; full_name: string }[];
  companies: { id: string; name: string }[];
  /** The user may push orders: a company reached through its API is not in this form but on Push orders. */
  canPush: boolean;
}) {
  const { order, options } = p;
  const label = (s: string) =>
    ({
      shipped: 'Shipped (to a courier or company)',
      delivered: 'Delivered',
      returned: 'Returned',
      canceled: 'Canceled',
      new: 'New (renew)',
    })[s] ?? statusLabel(s);
  return (
    <Card title="Change status" class="status-card">
      <Form action={`/orders/${order.id}/status`} method="PATCH" label="Change status">
        <Select name="status" label="Status" options={options.map((s) => [s, label(s)])} placeholder="Choose a status" required />
        {options.includes('shipped') && (
          <fieldset class="field fieldset">
            <legend>For Shipped</legend>
            {p.canPush && (
              <p class="hint">
                A shipping company reached through its API takes its orders from <a href="/orders/push">Push orders</a>, not from here.
              </p>
            )}
            <div class="form-grid">
              <Field name="tracking_number" label="Tracking number" hint="Optional with a delivery person: the reference is used." />
              <Select
                name="delivery_user_id"
                label="Delivery person"
                options={p.couriers.map((c) => [c.id, c.full_name])}
                placeholder={p.couriers.length ? 'Choose who delivers it' : 'No delivery person yet'}
              />
              {p.companies.length > 0 && (
                <Select
                  name="shipping_company_id"
                  label="Shipping company (shipped by hand)"
                  options={p.companies.map((c) => [c.id, c.name])}
                  placeholder="Or choose the company carrying it"
                />
              )}
            </div>
          </fieldset>
        )}
        <TextArea name="comment" label="Comment" rows={2} />
        <div class="form-actions">
          <Button>Save status</Button>
        </div>
      </Form>
    </Card>
  );
}

export function OrderPage(p: {
  order: OrderItem;
  accountName?: string;
  leadId: string | null;
  deliveryUserName: string | null;
  histories: HistoryItem[];
  events: CourierEventRow[];
  /** The order's ledger rows (finance.md), for those who see money; undefined for the others. */
  ledger?: LedgerRow[];
  options: string[];
  couriers: { id: string; full_name: string }[];
  /** The total, plus the delivery fee when the customer pays it. */
  codAmount: number;
  /** Active `manual` shipping companies, for shipping by hand. */
  companies: { id: string; name: string }[];
  /** New and holding no stock (stocks/effects.ts WAITING_FOR_STOCK): it cannot be shipped yet. */
  waitingForStock: boolean;
  /** Why its last push left it new (operations.md: "with the reason shown"), until it moves. */
  pushFailure?: PushFailure;
  canEdit: boolean;
  canDelete: boolean;
  canSeeLead: boolean;
  canHistory: boolean;
  canLabel: boolean;
  canPush: boolean;
}) {
  const { order } = p;
  return (
    <>
      <RecordHeader
        kind="order"
        record={order}
        accountName={p.accountName}
        canEdit={p.canEdit && order.status === 'new'}
        canDelete={p.canDelete && (order.status === 'new' || order.status === 'canceled')}
      />
      <StatusLine
        status={order.status}
        related={{
          label: 'From lead',
          reference: order.lead_reference,
          href: p.canSeeLead && p.leadId ? `/leads/${p.leadId}/show` : undefined,
        }}
      />
      {p.waitingForStock && (
        <p class="record-status">
          <WaitingForStockBadge /> <span class="muted">It cannot be shipped until its products are reserved.</span>
        </p>
      )}
      {p.pushFailure && (
        <p class="record-status">
          <Badge tone="red">Push failed</Badge>{' '}
          <span>{`${p.pushFailure.company}, ${formatDateTime(p.pushFailure.failed_at.toISOString())}: ${p.pushFailure.message}`}</span>
        </p>
      )}
      <div class="record-grid">
        <div class="record-main">
          <CustomerCard record={order} />
          <Card title="Products" class="card-products" region={false}>
            <ProductsTable products={order.products} total={order.products.reduce((s, x) => s + x.total, 0)} />
            <p class="collect">
              Cash to collect: <Money value={p.codAmount} />
            </p>
          </Card>
          <Card title="Delivery">
            <DefinitionList
              items={[
                ['Shipment way', shipmentWay(order.shipment_way)],
                ['Delivery fees paid by the customer', order.is_fees_paid_by_customer ? 'Yes' : 'No'],
                ['Tracking number', order.tracking_number ? <code>{order.tracking_number}</code> : null],
                ...(p.canLabel
                  ? [['Label', <a href={`/orders/${order.id}/label`}>Shipping label (PDF)</a>] as [string, ComponentChildren]]
                  : []),
                ['Delivery person', p.deliveryUserName],
                ['Shipping company', order.shipping_company],
                ['Created', formatDateTime(order.created_at)],
                ['Last updated', formatDateTime(order.updated_at)],
              ]}
            />
          </Card>
          {p.ledger && p.ledger.length > 0 && (
            <Card title="Fees and balance" class="card-ledger">
              <LedgerTable rows={p.ledger} caption="The order's ledger rows" ofOrder />
            </Card>
          )}
          <CourierEventsCard events={p.events} />
        </div>
        <div class="record-side">
          {p.options.length > 0 && (
            <OrderStatusForm order={order} options={p.options} couriers={p.couriers} companies={p.companies} canPush={p.canPush} />
          )}
          <HistoryCard
            reference={order.reference}
            items={p.histories}
            page={p.canHistory ? `/orders-histories/${order.id}/show` : undefined}
          />
        </div>
      </div>
    </>
  );
}

export function OrderForm(p: {
  order?: OrderItem;
  products: { sku: string; name: string; price: number }[];
  accountId?: string;
  accountName?: string;
}) {
  const { order } = p;
  const lines: LineValue[] = order
    ? order.products.map((x) => ({ sku: x.sku, quantity: x.quantity, price: x.price, unsold: x.unsold }))
    : [];
  return (
    <Card>
      <Form
        action={order ? `/orders/${order.id}/update` : '/orders/store'}
        method={order ? 'PATCH' : 'POST'}
        label={order ? `Edit ${order.reference}` : 'New order'}
      >
        {p.accountId && !order && <input type="hidden" name="account_id" value={p.accountId} />}
        {p.accountName && (
          <p class="muted">
            Account: <strong>{p.accountName}</strong>
          </p>
        )}
        <div class="form-grid">
          <Field name="full_name" label="Full name" value={order?.full_name} required autocomplete="off" />
          <Field name="phone" label="Phone" type="tel" value={order?.phone} required autocomplete="off" />
          <Field name="email" label="Email" type="email" value={order?.email} autocomplete="off" />
          <Field name="city" label="City" value={order?.city} required />
          <Field name="area" label="Area" value={order?.area} />
          <TextArea name="address" label="Address" value={order?.address} rows={3} required wide />
          <Select name="shipment_way" label="Shipment way" options={SHIPMENT_WAYS} value={String(order?.shipment_way ?? 1)} />
          <Select
            name="is_fees_paid_by_customer"
            label="Delivery fees paid by the customer"
            options={[
              ['0', 'No'],
              ['1', 'Yes'],
            ]}
            value={order?.is_fees_paid_by_customer ? '1' : '0'}
          />
          <Field
            name="total"
            label="Total to collect"
            type="number"
            step="0.01"
            min="1"
            value={order?.total}
            required
            hint="What the courier collects, in MAD."
          />
        </div>
        {p.products.length === 0 && !order ? (
          <p class="flash flash-error">This account has no active product yet: add or activate one first.</p>
        ) : (
          <LineRows products={p.products} lines={lines} max={ORDER_MAX_LINES} blank={order ? 1 : 3} />
        )}
        <div class="form-actions">
          <Button>{order ? 'Save changes' : 'Create order'}</Button>
          <a href={order ? orderUrl(order.id) : '/orders'} class="btn btn-link">
            Cancel
          </a>
        </div>
      </Form>
    </Card>
  );
}

/** What the courier said about the order's parcel, newest first (nothing when it said nothing): the order's page and its history's. */
export function CourierEventsCard({ events }: { events: CourierEventRow[] }) {
  if (events.length === 0) return null;
  return (
    <Card title="Courier events">
      <ul class="plain-list">
        {events.map((e) => (
          <li>
            <strong>{e.status}</strong> <span class="muted">{formatDateTime(e.at)}</span>
            {e.note ? ` — ${e.note}` : ''}
          </li>
        ))}
      </ul>
    </Card>
  );
}

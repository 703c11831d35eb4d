import { formatDate, formatDateTime } from '../../web/format.js';
import type { PageMeta } from '../../db/paging.js';
import { usePage } from '../../web/page-context.js';
import { DeleteButton, ListFooter, RowCheck, viewEditColumn } from '../catalog/deletion.js';
import type { WebUser } from '../../web/types.js';
import {
  Badge,
  Button,
  Card,
  Checkbox,
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
  TextArea,
} from '../../web/ui.js';
import { STOCK_REASONS, type StockReason } from './effects.js';
import { stockPolicy } from './policy.js';
import { reservingOrders, type HistoryRow, type StockDetail, type StockHistoryJson, type StockRow } from './queries.js';
import { changedBy } from '../records/record-ui.js';

const STATUS_OPTIONS: [string, string][] = [
  ['active', 'Active'],
  ['inactive', 'Inactive'],
];

/** How each movement reads on a page. */
const REASONS: Record<StockReason, { label: string; tone: 'green' | 'red' | 'amber' | 'blue' | 'gray' }> = {
  increment: { label: 'Added', tone: 'green' },
  decrement: { label: 'Removed', tone: 'red' },
  reserve: { label: 'Reserved', tone: 'blue' },
  release: { label: 'Released', tone: 'gray' },
  ship: { label: 'Shipped', tone: 'amber' },
  return: { label: 'Returned', tone: 'green' },
};
const REASON_OPTIONS: [string, string][] = STOCK_REASONS.map((r) => [r, REASONS[r].label]);

export const showUrl = (stockId: string) => `/stocks/${stockId}/show`;
const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');
const staff = (u: WebUser) => u.role !== 'seller';

function ReasonBadge({ reason }: { reason: StockReason }) {
  return <Badge tone={REASONS[reason].tone}>{REASONS[reason].label}</Badge>;
}

/** Available quantity, flagged when at or under the warning quantity (the row is highlighted too). */
function Available({ available, low }: { available: number; low: boolean }) {
  return low ? (
    <span class="low-stock">
      {available} <Badge tone="red">Low stock</Badge>
    </span>
  ) : (
    <>{available}</>
  );
}

function ProductCell({ row }: { row: StockRow }) {
  const { user } = usePage();
  return (
    <div class="cell-stack">
      <span>
        <a href={showUrl(row.data.id)}>{row.product_name}</a>
        {row.data.status === 'inactive' && (
          <>
            {' '}
            <Badge>inactive</Badge>
          </>
        )}
      </span>
      <span class="muted">
        SKU {row.sku}
        {staff(user!) ? ` · ${row.account_name}` : ''}
      </span>
    </div>
  );
}

export function StocksList(p: { rows: StockRow[]; meta: PageMeta; warehouses: [string, string][] }) {
  const { user, url } = usePage();
  const can = (a: Parameters<typeof stockPolicy.authorize>[1]) => stockPolicy.authorize(user!, a);
  const deletable = can('delete');
  return (
    <>
      <PageHeader
        title="Stocks"
        subtitle="What each warehouse holds, what open orders have reserved, and what is left to sell."
        actions={
          <>
            {can('history') && (
              <LinkButton href="/stocks-histories" kind="secondary">
                Stock histories
              </LinkButton>
            )}
            {can('create') && <LinkButton href="/stocks/create">New stock</LinkButton>}
          </>
        }
      />
      <Filters search="Product name or SKU" searchLabel="Search products">
        <FilterSelect name="warehouse_id" label="Warehouse" options={p.warehouses} placeholder="Any warehouse" />
        <FilterSelect name="status" label="Status" options={STATUS_OPTIONS} placeholder="Any status" />
        <Checkbox name="low_stock" label="Low stock only" checked={['1', 'true'].includes(url.searchParams.get('low_stock') ?? '')} />
      </Filters>
      <DataTable
        caption="Stocks"
        rows={p.rows}
        empty="No stock matches these filters."
        none="No stock yet."
        columns={[
          ...(deletable
            ? [
                {
                  label: 'Select',
                  class: 'select-col',
                  render: (r: StockRow) => (
                    <RowCheck form="stocks-delete" id={r.data.id} name={`${r.product_name} in ${r.warehouse_name}`} />
                  ),
                },
              ]
            : []),
          { label: 'Product', sort: 'product', render: (r) => <ProductCell row={r} /> },
          { label: 'Warehouse', sort: 'warehouse', render: (r) => r.warehouse_name },
          { label: 'Quantity', sort: 'quantity', class: 'num', render: (r) => r.data.quantity },
          { label: 'Reserved', class: 'num', render: (r) => r.data.reserved },
          { label: 'Available', sort: 'available', class: 'num', render: (r) => <Available available={r.available} low={r.low} /> },
          { label: 'Warning at', class: 'num', render: (r) => r.data.warning_quantity },
          viewEditColumn('/stocks', can('update'), (r: StockRow) => r.data.id),
        ]}
      />
      <ListFooter
        bulk={deletable && { id: 'stocks-delete', action: '/stocks/delete', confirm: 'Delete the selected stocks? Their history is kept.' }}
        rows={p.rows.length}
        meta={p.meta}
      />
    </>
  );
}

export function StockForm(p: {
  stock?: StockDetail;
  products: [string, string][];
  warehouses: [string, string][];
  productId?: string | null;
}) {
  const s = p.stock;
  const fixed = s?.moved ?? false;
  return (
    <Card>
      <Form action={s ? `/stocks/${s.data.id}/update` : '/stocks/store'} method={s ? 'PUT' : 'POST'} label={s ? 'Edit stock' : 'New stock'}>
        {fixed ? (
          <DefinitionList
            items={[
              ['Product', `${s!.product_name} (SKU ${s!.sku})`],
              ['Warehouse', s!.warehouse_name],
            ]}
          />
        ) : (
          <div class="form-grid">
            <Select
              name="product_id"
              label="Product"
              options={p.products}
              value={s?.data.product_id ?? p.productId}
              placeholder="Choose a product"
              required
            />
            <Select
              name="warehouse_id"
              label="Warehouse"
              options={p.warehouses}
              value={s?.data.warehouse_id}
              placeholder="Choose a warehouse"
              required
            />
          </div>
        )}
        {fixed && (
          <p class="hint">This stock has moved, so its product and warehouse stay as they are. Create another stock for another pair.</p>
        )}
        <div class="form-grid">
          <Field
            name="warning_quantity"
            label="Warning quantity"
            type="number"
            min={0}
            step="1"
            value={s?.data.warning_quantity ?? 0}
            hint="The stock shows as low when what is available falls to this number."
          />
          <Select name="status" label="Status" options={STATUS_OPTIONS} value={s?.data.status ?? 'active'} />
        </div>
        {s ? (
          <p class="hint">
            Quantity: <strong>{s.data.quantity}</strong> ({s.data.reserved} reserved). It changes only by adding or removing stock and by
            orders.
          </p>
        ) : (
          <p class="hint">The quantity starts at 0: add goods from the stock's page once it exists.</p>
        )}
        <div class="form-actions">
          <Button>{s ? 'Save changes' : 'Create stock'}</Button>
          <a href={s ? showUrl(s.data.id) : '/stocks'} class="btn btn-link">
            Cancel
          </a>
        </div>
      </Form>
    </Card>
  );
}

/** One form, two buttons: each posts to its own route (`formaction`), so errors show once. */
function MoveForm({ stock }: { stock: StockDetail }) {
  const s = stock.data;
  return (
    <Card title="Add or remove stock">
      <Form action={`/stocks/${s.id}/increment`} method="PUT" label="Add or remove stock">
        <div class="form-grid">
          <Field
            name="quantity"
            label="Quantity"
            type="number"
            min={1}
            step="1"
            required
            hint={`Up to ${stock.available} can be removed: ${s.reserved} reserved by open orders.`}
          />
          <TextArea name="comment" label="Comment" rows={2} />
        </div>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" formaction={`/stocks/${s.id}/increment`}>
            Add to stock
          </button>
          <button type="submit" class="btn btn-danger" formaction={`/stocks/${s.id}/decrement`}>
            Remove from stock
          </button>
        </div>
      </Form>
    </Card>
  );
}

/** What a movement did: `+40`, `+4 reserved`, `−2 · −2 reserved`. */
function movementText(h: StockHistoryJson): string {
  const parts = [h.change !== 0 ? signed(h.change) : '', h.reserved_change !== 0 ? `${signed(h.reserved_change)} reserved` : ''].filter(
    Boolean,
  );
  return parts.length ? parts.join(' · ') : '0';
}

/** A time on two lines: the day, then the hour. */
function When({ iso }: { iso: string }) {
  const [day, time] = formatDateTime(iso).split(', ');
  return (
    <span class="cell-date">
      {day}
      <br />
      <span class="muted">{time}</span>
    </span>
  );
}

type AnyHistory = HistoryRow | { data: StockHistoryJson };

function HistoryTable({ rows, withStock }: { rows: AnyHistory[]; withStock?: boolean }) {
  return (
    <DataTable
      caption="Stock history"
      rows={rows}
      empty="No movement matches these filters."
      none="No movement yet."
      columns={[
        // Sortable on /stocks-histories (its query takes `sort=created_at`), not on a stock's own page.
        { label: 'Date', ...(withStock ? { sort: 'created_at' } : {}), render: (r) => <When iso={r.data.created_at} /> },
        ...(withStock
          ? [
              {
                label: 'Stock',
                render: (r: AnyHistory) => {
                  const h = r as HistoryRow;
                  return (
                    <div class="cell-stack">
                      <a href={showUrl(h.data.stock_id)}>{h.product_name}</a>
                      <span class="muted">
                        SKU {h.sku} · {h.warehouse_name}
                      </span>
                    </div>
                  );
                },
              },
            ]
          : []),
        { label: 'Movement', render: (r) => <ReasonBadge reason={r.data.reason} /> },
        { label: 'Change', class: 'num', render: (r) => <span class="nowrap">{movementText(r.data)}</span> },
        {
          label: 'After',
          class: 'num',
          render: (r) => (
            <span class="nowrap">
              {r.data.quantity_after} <span class="muted">({r.data.reserved_after} reserved)</span>
            </span>
          ),
        },
        {
          label: 'Order',
          render: (r) =>
            r.data.order_id ? (
              <a href={`/orders/${r.data.order_id}/show`} class="ref">
                {r.data.order_reference}
              </a>
            ) : (
              '—'
            ),
        },
        { label: 'Comment', render: (r) => r.data.comment ?? '—' },
        { label: 'By', render: (r) => changedBy(r.data.changed_by, r.data.impersonated_by) },
      ]}
    />
  );
}

export function StockPage(p: {
  stock: StockDetail;
  histories: StockHistoryJson[];
  reserving: Awaited<ReturnType<typeof reservingOrders>>;
}) {
  const { user } = usePage();
  const { stock } = p;
  const s = stock.data;
  const can = (a: Parameters<typeof stockPolicy.authorize>[1]) => stockPolicy.authorize(user!, a);
  return (
    <>
      <PageHeader
        title={stock.product_name}
        subtitle={`Stock in ${stock.warehouse_name} · SKU ${stock.sku}`}
        back={{ href: '/stocks', label: 'Stocks' }}
        actions={
          <>
            {can('update') && (
              <LinkButton href={`/stocks/${s.id}/edit`} kind="secondary">
                Edit
              </LinkButton>
            )}
            {can('delete') && (
              <DeleteButton
                action="/stocks/delete"
                id={s.id}
                name={`${stock.product_name} in ${stock.warehouse_name}`}
                confirm="Delete this stock? Its history is kept."
              />
            )}
          </>
        }
      />
      {stock.low && (
        <div class="flash flash-error">
          Low stock: {stock.available} available, at or under the warning quantity of {s.warning_quantity}.
        </div>
      )}
      <div class="kpis">
        <Kpi label="Quantity" value={s.quantity} hint="In the warehouse" />
        <Kpi label="Reserved" value={s.reserved} hint="By open orders" />
        <Kpi label="Available" value={stock.available} hint={`Warning at ${s.warning_quantity}`} />
        <Kpi label="Orders waiting" value={stock.waiting_orders} hint="For this product, in any warehouse" />
      </div>
      {can('move') && <MoveForm stock={stock} />}
      <div class="grid-2">
        <Card title="Details">
          <DefinitionList
            items={[
              ['Product', <a href={`/products/${s.product_id}/show`}>{stock.product_name}</a>],
              ['SKU', stock.sku],
              ['Account', stock.account_name],
              ['Warehouse', stock.warehouse_name],
              ['Warning quantity', s.warning_quantity],
              ['Status', <StatusBadge status={s.status} />],
              ['Created', formatDate(stock.created_at)],
              ['Last updated', formatDateTime(stock.updated_at)],
            ]}
          />
        </Card>
        <Card title="Reserved by">
          {p.reserving.length === 0 ? (
            <p class="muted">No open order holds goods of this stock.</p>
          ) : (
            <DataTable
              caption="Open orders holding this stock"
              rows={p.reserving}
              columns={[
                {
                  label: 'Order',
                  render: (o) => (
                    <a href={`/orders/${o.id}/show`} class="ref">
                      {o.reference}
                    </a>
                  ),
                },
                { label: 'Quantity', class: 'num', render: (o) => o.quantity },
                { label: 'Since', render: (o) => formatDate(o.created_at) },
              ]}
            />
          )}
        </Card>
      </div>
      <Card title="History">
        <div class="card-actions">
          <span class="muted">Latest movements first. The quantity is always the sum of this history.</span>
          <a href={`/stocks-histories?stock_id=${s.id}`}>All movements</a>
        </div>
        <HistoryTable rows={p.histories.slice(0, 50).map((data) => ({ data }))} />
      </Card>
    </>
  );
}

export function HistoriesList(p: { rows: HistoryRow[]; meta: PageMeta; warehouses: [string, string][] }) {
  const { url } = usePage();
  const stockId = url.searchParams.get('stock_id');
  return (
    <>
      <PageHeader
        title="Stock histories"
        subtitle="Every movement of stock: added, removed, reserved, released, shipped and returned."
        back={stockId ? { href: showUrl(stockId), label: 'Stock' } : { href: '/stocks', label: 'Stocks' }}
      />
      <Filters search="Product, SKU or order reference" searchLabel="Search">
        <FilterSelect name="warehouse_id" label="Warehouse" options={p.warehouses} placeholder="Any warehouse" />
        <FilterSelect name="reason" label="Movement" options={REASON_OPTIONS} placeholder="Any movement" />
        {stockId && <input type="hidden" name="stock_id" value={stockId} />}
      </Filters>
      <HistoryTable rows={p.rows} withStock />
      <Pagination meta={p.meta} />
    </>
  );
}

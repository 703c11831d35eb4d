import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../http/errors.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { actorOfUser } from '../../web/actor.js';
import { audit, auditMany } from '../../web/audit.js';
import { formBody } from '../../web/form-body.js';
import { formatDate, formatDateTime } from '../../web/format.js';
import { listQuery } from '../../web/list-query.js';
import { queryText } from '../../web/query.js';
import type { PageMeta } from '../../db/paging.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { usePage } from '../../web/page-context.js';
import { count, DeleteButton, listAfterDelete, ListFooter, readIds, refuseDelete, RowCheck } from '../catalog/deletion.js';
import { done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import type { WebUser, IdRoute } from '../../web/types.js';
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
  Select,
  StatusBadge,
  TextArea,
} from '../../web/ui.js';
import { STOCK_REASONS, type StockReason } from './effects.js';
import { stockPolicy } from './policy.js';
import {
  findStock,
  latestHistories,
  listHistories,
  listStocks,
  productOptions,
  reservingOrders,
  STOCK_SORTS,
  stockJson,
  visibleWarehouses,
  warehouseOptions,
  type HistoryFilters,
  type HistoryRow,
  type StockDetail,
  type StockFilters,
  type StockHistoryJson,
  type StockRow,
} from './queries.js';
import { STOCK_STATUSES, stockCreate, stockMove, stockUpdate } from './schemas.js';
import { createStock, decrementStock, deleteStocks, incrementStock, updateStock, type StockFields } from './service.js';

const id = Type.String({ maxLength: 100 });
const stockList = listQuery({
  sorts: STOCK_SORTS,
  defaultSort: 'created_at',
  statuses: STOCK_STATUSES,
  filters: { warehouse_id: id, product_id: id, account_id: id, low_stock: Type.Boolean() },
});
const historyList = listQuery({
  sorts: ['created_at'],
  defaultSort: 'created_at',
  filters: { stock_id: id, warehouse_id: id, reason: Type.String({ enum: [...STOCK_REASONS] }) },
});

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

const showUrl = (stockId: string) => `/stocks/${stockId}/show`;
const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');
const staff = (u: WebUser) => u.role !== 'seller';

async function loadStock(web: FastifyInstance, req: FastifyRequest<IdRoute>): Promise<StockDetail> {
  const stock = await findStock(web.db, req.user!, req.params.id);
  if (!stock) throw notFound();
  return stock;
}

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

function StocksList(p: { rows: StockRow[]; meta: PageMeta; warehouses: [string, string][] }) {
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
        <Select
          name="warehouse_id"
          label="Warehouse"
          options={p.warehouses}
          value={url.searchParams.get('warehouse_id')}
          placeholder="Any warehouse"
        />
        <Select name="status" label="Status" options={STATUS_OPTIONS} value={url.searchParams.get('status')} placeholder="Any status" />
        <Checkbox name="low_stock" label="Low stock only" checked={['1', 'true'].includes(url.searchParams.get('low_stock') ?? '')} />
      </Filters>
      <DataTable
        caption="Stocks"
        rows={p.rows}
        empty={url.search ? 'No stock matches these filters.' : 'No stock yet.'}
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
          {
            label: 'Actions',
            render: (r) => (
              <div class="row-actions">
                <LinkButton href={showUrl(r.data.id)} kind="secondary" small>
                  View
                </LinkButton>
                {can('update') && (
                  <LinkButton href={`/stocks/${r.data.id}/edit`} kind="secondary" small>
                    Edit
                  </LinkButton>
                )}
              </div>
            ),
          },
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

function StockForm(p: { stock?: StockDetail; products: [string, string][]; warehouses: [string, string][]; productId?: string | null }) {
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
      empty="No movement yet."
      columns={[
        { label: 'Date', render: (r) => <When iso={r.data.created_at} /> },
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
        { label: 'By', render: (r) => r.data.changed_by },
      ]}
    />
  );
}

function StockPage(p: { stock: StockDetail; histories: StockHistoryJson[]; reserving: Awaited<ReturnType<typeof reservingOrders>> }) {
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
        <div class="flash flash-error" role="status">
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

function HistoriesList(p: { rows: HistoryRow[]; meta: PageMeta; warehouses: [string, string][] }) {
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
        <Select
          name="warehouse_id"
          label="Warehouse"
          options={p.warehouses}
          value={url.searchParams.get('warehouse_id')}
          placeholder="Any warehouse"
        />
        <Select name="reason" label="Movement" options={REASON_OPTIONS} value={url.searchParams.get('reason')} placeholder="Any movement" />
        {stockId && <input type="hidden" name="stock_id" value={stockId} />}
      </Filters>
      <HistoryTable rows={p.rows} withStock />
      <Pagination meta={p.meta} />
    </>
  );
}

export async function stocksPages(web: FastifyInstance) {
  const route = formRoutes(web);
  addNav(
    { label: 'Stocks', href: '/stocks', icon: 'layers', visible: stockPolicy.can('view') },
    { label: 'Stock histories', href: '/stocks-histories', icon: 'history', visible: stockPolicy.can('history') },
  );

  web.get('/stocks', { config: { can: stockPolicy.can('view') } }, async (req, reply) => {
    const page = await listStocks(web.db, req.user!, stockList(req) as StockFilters);
    if (wantsJson(req)) return reply.send({ data: page.rows.map((r) => r.data), meta: page.meta });
    const warehouses = await visibleWarehouses(web.db, req.user!);
    return renderPage(req, reply, { title: 'Stocks', body: <StocksList rows={page.rows} meta={page.meta} warehouses={warehouses} /> });
  });

  web.get('/stocks/create', { config: { can: stockPolicy.can('create') } }, async (req, reply) => {
    const [products, warehouses] = await Promise.all([productOptions(web.db), warehouseOptions(web.db, req.user!)]);
    const productId = queryText(req, 'product_id') ?? null;
    return renderPage(req, reply, {
      title: 'New stock',
      body: (
        <>
          <PageHeader
            title="New stock"
            subtitle="A product kept in a warehouse. One stock per product and warehouse."
            back={{ href: '/stocks', label: 'Stocks' }}
          />
          <StockForm products={products} warehouses={warehouses} productId={productId} />
        </>
      ),
    });
  });

  web.post('/stocks/store', { config: { can: stockPolicy.can('create') } }, async (req, reply) => {
    const body = formBody(req);
    const bag = new ErrorBag();
    const input = stockCreate.check(body, bag);
    bag.throwIfAny(stockCreate.schema);
    const data = await web.db.tx(async (q) => {
      const stockId = await createStock(q, req.user!, input as StockFields);
      const json = await stockJson(q, stockId);
      await audit(q, req.user!, 'stocks.create', { type: 'stock', id: stockId }, { ...json });
      return json;
    });
    return done(req, reply, { message: 'Stock created. Add goods to it below.', redirect: showUrl(data.id), data, status: 201 });
  });

  web.get<IdRoute>('/stocks/:id/show', { config: { can: stockPolicy.can('view') } }, async (req, reply) => {
    const stock = await loadStock(web, req);
    const histories = await latestHistories(web.db, stock.data.id);
    if (wantsJson(req)) return reply.send({ data: { ...stock.data, histories } });
    const reserving = await reservingOrders(web.db, stock.data.id);
    return renderPage(req, reply, {
      title: `${stock.product_name} · ${stock.warehouse_name}`,
      body: <StockPage stock={stock} histories={histories} reserving={reserving} />,
    });
  });

  web.get<IdRoute>('/stocks/:id/edit', { config: { can: stockPolicy.can('update') } }, async (req, reply) => {
    const stock = await loadStock(web, req);
    const [products, warehouses] = stock.moved
      ? [[], []]
      : await Promise.all([productOptions(web.db), warehouseOptions(web.db, req.user!)]);
    return renderPage(req, reply, {
      title: `Edit stock · ${stock.product_name}`,
      body: (
        <>
          <PageHeader
            title="Edit stock"
            subtitle={`${stock.product_name} in ${stock.warehouse_name}`}
            back={{ href: showUrl(stock.data.id), label: stock.product_name }}
          />
          <StockForm stock={stock} products={products} warehouses={warehouses} />
        </>
      ),
    });
  });

  const update = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const body = formBody(req);
    const bag = new ErrorBag();
    const input = stockUpdate.check(body, bag);
    // Emptied on purpose: refused, not ignored.
    for (const f of ['product_id', 'warehouse_id', 'warning_quantity'] as const)
      if (f in body && input[f] === undefined && !bag.has(f)) bag.add(f, messages.required(f));
    bag.throwIfAny(stockUpdate.schema);
    const before = await loadStock(web, req);
    const data = await web.db.tx(async (q) => {
      const changes = await updateStock(q, req.user!, actorOfUser(req.user!), before, input as Partial<StockFields>);
      if (Object.keys(changes).length > 0) await audit(q, req.user!, 'stocks.update', { type: 'stock', id: before.data.id }, changes);
      return stockJson(q, before.data.id);
    });
    return done(req, reply, { message: 'Stock updated.', redirect: showUrl(data.id), data });
  };
  const updateOpts = { config: { can: stockPolicy.can('update') } };
  route<IdRoute>('PUT', '/stocks/:id/update', updateOpts, update);
  route<IdRoute>('PATCH', '/stocks/:id/update', updateOpts, update);

  for (const direction of ['increment', 'decrement'] as const) {
    route<IdRoute>('PUT', `/stocks/:id/${direction}`, { config: { can: stockPolicy.can('move') } }, async (req, reply) => {
      const body = formBody(req);
      const bag = new ErrorBag();
      const input = stockMove.check(body, bag);
      bag.throwIfAny(stockMove.schema);
      const stock = await loadStock(web, req);
      const actor = actorOfUser(req.user!);
      const comment = input.comment ?? null;
      const { data, reserved } = await web.db.tx(async (q) => {
        const reserved =
          direction === 'increment'
            ? await incrementStock(q, actor, stock.data.id, input.quantity, comment)
            : (await decrementStock(q, actor, stock.data.id, input.quantity, comment), 0);
        return { data: await stockJson(q, stock.data.id), reserved };
      });
      const message =
        direction === 'increment'
          ? `Added ${input.quantity} to the stock.${reserved > 0 ? ` ${reserved} waiting ${reserved === 1 ? 'order is' : 'orders are'} now reserved.` : ''}`
          : `Removed ${input.quantity} from the stock.`;
      return done(req, reply, { message, redirect: showUrl(stock.data.id), data });
    });
  }

  // Deleting follows the catalog's convention (src/modules/shared/deletion.tsx): all or nothing, a refusal on `ids`.
  route('DELETE', '/stocks/delete', { config: { can: stockPolicy.can('delete') } }, async (req, reply) => {
    const ids = readIds(req);
    const outcome = await web.db.tx(async (q) => {
      const o = await deleteStocks(q, req.user!, ids);
      if (o.deleted.length > 0)
        await auditMany(
          q,
          req.user!,
          'stocks.delete',
          'stock',
          o.deleted.map((id) => ({ id })),
        );
      return o;
    });
    if (outcome.refused.length > 0) {
      const message = outcome.refused.join(' ') + (ids.length > 1 ? ' Nothing was deleted.' : '');
      return refuseDelete(req, reply, message, '/stocks');
    }
    if (outcome.deleted.length === 0) throw notFound();
    const n = outcome.deleted.length;
    return done(req, reply, {
      message: n === 1 ? 'Stock deleted.' : `${count(n, 'stock')} deleted.`,
      redirect: listAfterDelete(req, '/stocks'),
    });
  });

  web.get('/stocks-histories', { config: { can: stockPolicy.can('history') } }, async (req, reply) => {
    const page = await listHistories(web.db, req.user!, historyList(req) as HistoryFilters);
    if (wantsJson(req)) return reply.send({ data: page.rows.map((r) => r.data), meta: page.meta });
    const warehouses = await visibleWarehouses(web.db, req.user!);
    return renderPage(req, reply, {
      title: 'Stock histories',
      body: <HistoriesList rows={page.rows} meta={page.meta} warehouses={warehouses} />,
    });
  });
}

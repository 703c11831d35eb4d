import { actorOfUser } from '../../web/actor.js';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ErrorBag, checkEachExists, distinctStrings, compile, messages } from '../../http/validation.js';
import { enqueue } from '../../jobs/enqueue.js';
import { formBody } from '../../web/form-body.js';
import { JobProgress } from '../../web/job-progress.js';
import { Money } from '../../web/money.js';
import { renderPage } from '../../web/page.js';
import { done } from '../../web/respond.js';
import { wantsJson } from '../../web/scope.js';
import { addNav } from '../../web/nav.js';
import { useOldTicked } from '../../web/page-context.js';
import { Button, Card, DataTable, DateTimeCell, Form, PageHeader, Select } from '../../web/ui.js';
import type { JobJson } from '../../jobs/registry.js';
import { visibleJob } from '../jobs/queries.js';
import { orderPolicy } from '../orders/policy.js';
import { shippingCompanyPolicy } from '../shipping-companies/policy.js';
import { WaitingForStockNote } from '../orders/views.js';
import { companyForPush, liveOrderIds, pushableOrders, pushCompanies, type PushableOrder } from './push-queries.js';
import { pushJob } from './push.js';

const PAGE = '/orders/push';
const PushBody = compile(
  Type.Object({
    ids: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 1000 }),
    shipping_company_id: Type.String({ minLength: 1, maxLength: 100 }),
  }),
);
const MANUAL = 'The selected shipping company ships by hand: give the tracking number on each order instead.';

/** A sentence whose references (`ORD-00235`) never break at their hyphen in a narrow cell. */
const KeepReferences = ({ text }: { text: string }) => (
  <>{text.split(/\b([A-Z]{2,}-\d+)\b/).map((part, i) => (i % 2 ? <span class="nowrap">{part}</span> : part))}</>
);

function PushPage(p: {
  orders: PushableOrder[];
  companies: [string, string][];
  job?: JobJson;
  canCreateCompany: boolean;
  canLabel: boolean;
}) {
  // A refused push (no company chosen, one that ships by hand) comes back with the same orders ticked.
  const ticked = useOldTicked('ids');
  return (
    <>
      <PageHeader
        title="Push orders"
        subtitle="Send new orders to a shipping company: each gets a parcel and its tracking number, and leaves the stock."
        back={{ href: '/orders', label: 'Orders' }}
      />
      {p.job && (
        <Card title="Last push">
          <JobProgress job={p.job} label="Pushing orders" reloadWhenDone />
        </Card>
      )}
      {p.companies.length === 0 ? (
        <Card>
          {p.canCreateCompany ? (
            <p class="muted">
              No active shipping company with the HTTP adapter yet: <a href="/shipping-companies/create">add one</a> first.
            </p>
          ) : (
            <p class="muted">No active shipping company with the HTTP adapter yet: an admin adds one first.</p>
          )}
          <p class="muted">
            Orders that leave by hand (a company with the manual adapter, or your own couriers) are shipped by an admin from each order's
            page; their labels are printed from the orders list.
          </p>
        </Card>
      ) : (
        <Form action={PAGE} label="Push orders">
          <div class="form-grid">
            <Select
              name="shipping_company_id"
              label="Shipping company"
              options={p.companies}
              placeholder="Choose a shipping company"
              required
            />
          </div>
          <DataTable
            caption="New orders"
            rows={p.orders}
            empty="No new order to push."
            columns={[
              {
                label: 'Select',
                class: 'select-col',
                render: (o) => (
                  <input
                    type="checkbox"
                    name="ids[]"
                    value={o.id}
                    checked={ticked.has(o.id)}
                    aria-label={`Select ${o.reference} (${o.account})`}
                  />
                ),
              },
              {
                label: 'Reference',
                render: (o) => (
                  <span class="stack">
                    <a href={`/orders/${o.id}/show`}>{o.reference}</a>
                    {o.waiting_for_stock && <WaitingForStockNote />}
                    {o.push_failure && (
                      <span class="small failed-note">
                        Push failed: <KeepReferences text={o.push_failure.message} />{' '}
                        <span class="muted">
                          ({o.push_failure.company}, <DateTimeCell iso={o.push_failure.failed_at} />)
                        </span>
                      </span>
                    )}
                  </span>
                ),
              },
              { label: 'Customer', render: (o) => o.full_name },
              { label: 'City', render: (o) => o.city },
              { label: 'Total', class: 'num', render: (o) => <Money value={o.total} /> },
              { label: 'Account', render: (o) => o.account },
              { label: 'Created', render: (o) => <DateTimeCell iso={o.created_at} /> },
            ]}
          />
          <div class="form-actions">
            <Button>Push the selected orders</Button>
            {p.canLabel && (
              <button type="submit" formaction="/orders/labels" formtarget="_blank" class="btn btn-secondary">
                Labels of the selected orders (PDF)
              </button>
            )}
          </div>
        </Form>
      )}
    </>
  );
}

/** `POST /orders/push` and its page: the selection goes to a job (fulfilment.md's Push). */
export async function pushPages(web: FastifyInstance) {
  const { db } = web;
  const can = { config: { can: orderPolicy.can('push') } };
  addNav({ label: 'Push orders', href: PAGE, icon: 'truck', visible: orderPolicy.can('push') });

  web.get<{ Querystring: { job?: string } }>(PAGE, can, async (req, reply) => {
    const job = await visibleJob(db, req.user!, req.query.job);
    const [orders, companies] = [await pushableOrders(db), await pushCompanies(db)];
    // JSON on request (dashboard.md), as the page's selection: what may be pushed, where to, and the job asked for.
    if (wantsJson(req))
      return reply.send({
        data: { orders, shipping_companies: companies.map(([id, name]) => ({ id, name })), ...(job ? { job } : {}) },
      });
    return renderPage(req, reply, {
      title: 'Push orders',
      body: (
        <PushPage
          orders={orders}
          companies={companies}
          job={job}
          canCreateCompany={shippingCompanyPolicy.authorize(req.user!, 'create')}
          canLabel={orderPolicy.authorize(req.user!, 'label')}
        />
      ),
    });
  });

  web.post(PAGE, can, async (req, reply) => {
    const bag = new ErrorBag();
    const body = PushBody.check(formBody(req), bag);
    const ids = distinctStrings(body.ids);
    if (body.shipping_company_id && !bag.has('shipping_company_id')) {
      const company = await companyForPush(db, body.shipping_company_id);
      if (!company || company.status !== 'active') bag.add('shipping_company_id', messages.invalid('shipping_company_id'));
      else if (company.adapter !== 'http') bag.add('shipping_company_id', MANUAL);
    }
    if (!bag.has('ids')) {
      const live = await liveOrderIds(db, ids);
      checkEachExists(bag, 'ids', body.ids, (id) => live.has(id));
    }
    bag.throwIfAny(PushBody.schema);
    const jobId = await db.tx((q) =>
      enqueue(
        q,
        pushJob.kind,
        { companyId: body.shipping_company_id, orderIds: ids, actor: actorOfUser(req.user!) },
        { userId: req.user!.id, total: ids.length },
      ),
    );
    if (wantsJson(req)) return reply.code(202).send({ data: { job_id: jobId, total: ids.length } });
    return done(req, reply, {
      message: `Pushing ${ids.length} ${ids.length === 1 ? 'order' : 'orders'}.`,
      redirect: `${PAGE}?job=${jobId}`,
    });
  });
}

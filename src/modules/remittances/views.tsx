import { Money } from '../../web/money.js';
import { todayIn } from '../../lib/time-zone.js';
import { displayZone } from '../../web/format.js';
import { useOldTicked } from '../../web/page-context.js';
import type { PageMeta } from '../../db/paging.js';
import { Button, Card, Checkbox, DataTable, Field, Filters, Form, LinkButton, PageHeader, Pagination, TextArea } from '../../web/ui.js';
import type { Courier, CourierCash, PendingOrder } from './queries.js';

/** The form's fields that show their own errors. */
const param = (c: Courier) => (c.type === 'shipping_company' ? 'shipping_company_id' : 'delivery_user_id');

export function CourierCashPage(p: { rows: CourierCash[]; meta: PageMeta }) {
  return (
    <>
      <PageHeader title="Courier cash" subtitle="Cash collected by couriers: expected, received, and what is still owed" />
      <Filters search="Courier" searchLabel="Search by courier" />
      <DataTable<CourierCash>
        caption="Courier cash"
        rows={p.rows}
        empty="No courier matches this search."
        none="No courier has delivered an order yet."
        columns={[
          { label: 'Courier', render: (r) => r.name },
          { label: 'Kind', render: (r) => (r.type === 'shipping_company' ? 'Shipping company' : 'Delivery person') },
          { label: 'Orders awaiting remittance', class: 'num', render: (r) => r.pending_orders },
          { label: 'Awaiting', class: 'num', render: (r) => <Money value={r.pending_amount} /> },
          { label: 'Cash expected', class: 'num', render: (r) => <Money value={r.cash_expected} /> },
          { label: 'Cash received', class: 'num', render: (r) => <Money value={r.cash_received} /> },
          { label: 'Difference', class: 'num', render: (r) => <Money value={r.difference} /> },
          {
            label: 'Record',
            render: (r) =>
              r.pending_orders > 0 ? (
                <LinkButton small kind="secondary" href={`/remittances/create?${param(r)}=${encodeURIComponent(r.id)}`}>
                  Record a remittance
                </LinkButton>
              ) : (
                ''
              ),
          },
        ]}
      />
      <Pagination meta={p.meta} />
    </>
  );
}

export function RemittanceForm(p: { courier: Courier; orders: PendingOrder[] }) {
  const today = todayIn(displayZone());
  // A refused form comes back with the orders that were ticked still ticked.
  const ticked = useOldTicked('order_ids');
  return (
    <>
      <PageHeader title={`Remittance from ${p.courier.name}`} back={{ href: '/remittances', label: 'Courier cash' }} />
      <Card title="Select the orders paid for, or upload the courier's CSV">
        <Form action="/remittances" multipart label="Record a remittance">
          <input type="hidden" name={param(p.courier)} value={p.courier.id} />
          <DataTable<PendingOrder>
            caption="Orders awaiting remittance"
            rows={p.orders}
            columns={[
              {
                label: 'Select',
                class: 'select-col',
                render: (o) => (
                  <input type="checkbox" name="order_ids[]" value={o.id} checked={ticked.has(o.id)} aria-label={`Select ${o.reference}`} />
                ),
              },
              { label: 'Order', render: (o) => o.reference },
              { label: 'Account', render: (o) => o.account_name },
              { label: 'Expected', class: 'num', render: (o) => <Money value={Number(o.expected)} /> },
            ]}
          />
          <Field name="file" type="file" label="CSV of reference,amount (instead of selecting)" accept=".csv,text/csv" />
          <Field name="received_at" label="Received on" type="date" value={today} required />
          <TextArea name="comment" label="Comment" />
          <Checkbox
            name="confirm"
            label="Record even where amounts differ from what codops expects (with a CSV, choose the file again: a page cannot keep it)"
          />
          <Button>Record remittance</Button>
        </Form>
      </Card>
    </>
  );
}

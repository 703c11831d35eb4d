import { formatDateTime } from '../../web/format.js';
import { Money } from '../../web/money.js';
import { usePage } from '../../web/page-context.js';
import { Button, Card, DataTable, Field, Filters, Form, PageHeader, Pagination, PhoneLink } from '../../web/ui.js';
import type { FollowUpRow } from './queries.js';

export type Tier = 'shipped' | 'returned';

function RenewForm({ r }: { r: FollowUpRow }) {
  const { csrf } = usePage();
  return (
    <form method="post" action={`/follow-up/${r.id}/renew`} class="inline-form" aria-label={`Renew ${r.reference}`}>
      <input type="hidden" name="_token" value={csrf} />
      <input type="hidden" name="_method" value="PATCH" />
      <button type="submit" class="btn btn-small btn-primary">
        Renew {r.reference}
      </button>
    </form>
  );
}

export function FollowUpPage(p: {
  tier: Tier;
  rows: FollowUpRow[];
  meta: { current_page: number; per_page: number; total: number; last_page: number };
  counts: Record<Tier, number>;
  days: number;
  canSettings: boolean;
  canRenew: boolean;
}) {
  const tab = (t: Tier, label: string) => (
    <a href={`/follow-up?tier=${t}`} class={p.tier === t ? 'active' : undefined} aria-current={p.tier === t ? 'page' : undefined}>
      {label} <span class="count">{p.counts[t]}</span>
    </a>
  );
  return (
    <>
      <PageHeader
        title="Follow-up"
        subtitle={`Orders shipped for more than ${p.days} day${p.days === 1 ? '' : 's'}, and returned orders that may be renewed.`}
      />
      <nav class="tabs" aria-label="Follow-up queue">
        {tab('shipped', 'Shipped, not delivered')}
        {tab('returned', 'Returned')}
      </nav>
      <Filters search="Reference, phone or name" label="Search the queue">
        <input type="hidden" name="tier" value={p.tier} />
      </Filters>
      <Card>
        <DataTable
          caption={p.tier === 'shipped' ? 'Shipped orders to follow up' : 'Returned orders'}
          rows={p.rows}
          empty={p.tier === 'shipped' ? 'No order has been on the road that long.' : 'No returned order waits.'}
          columns={[
            { label: 'Order', render: (r) => <a href={`/orders/${r.id}/show`}>{r.reference}</a> },
            { label: 'Account', render: (r) => r.account_name },
            {
              label: 'Customer',
              render: (r) => (
                <>
                  {r.full_name}
                  <br />
                  <PhoneLink phone={r.phone} /> · {r.city}
                </>
              ),
            },
            { label: 'Amount', render: (r) => <Money value={r.total} /> },
            {
              label: p.tier === 'shipped' ? 'Shipped' : 'Returned',
              render: (r) => `${formatDateTime(r.since)} (${r.days} d)`,
            },
            {
              label: "Courier's last event",
              render: (r) =>
                r.last_event ? (
                  <>
                    <strong>{r.last_event.status}</strong> {formatDateTime(r.last_event.at)}
                    {r.last_event.note ? ` — ${r.last_event.note}` : ''}
                  </>
                ) : (
                  <span class="muted">None yet</span>
                ),
            },
            ...(p.tier === 'returned' && p.canRenew ? [{ label: 'Renew', render: (r: FollowUpRow) => <RenewForm r={r} /> }] : []),
          ]}
        />
        <Pagination meta={p.meta} />
      </Card>
      {p.canSettings && (
        <Card title="Setting">
          <Form action="/follow-up/settings" method="PATCH" label="Follow-up setting">
            <Field name="follow_up_days" label="Follow up after (days)" type="number" min={1} max={365} step="1" value={p.days} required />
            <div class="form-actions">
              <Button>Save</Button>
            </div>
          </Form>
        </Card>
      )}
    </>
  );
}

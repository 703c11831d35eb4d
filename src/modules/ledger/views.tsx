import type { PageMeta } from '../../db/paging.js';
import { Money } from '../../web/money.js';
import { usePage } from '../../web/page-context.js';
import {
  Button,
  Card,
  DataTable,
  DateTimeCell,
  Field,
  Filters,
  FilterSelect,
  Form,
  Kpi,
  PageHeader,
  Pagination,
  TextArea,
} from '../../web/ui.js';
import { changedBy } from '../records/record-ui.js';
import { LEDGER_KINDS } from './book.js';
import type { Balance, Fees, LedgerRow } from './queries.js';

export const kindLabel = (k: string) => (k === 'cod_fee' ? 'COD fee' : k.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()));

/** The balance's three figures (hidden by "hide money"). */
export function BalanceKpis(p: { balance: Balance }) {
  return (
    <div class="kpis money-kpis">
      <Kpi label="Balance" value={<Money value={p.balance.balance} />} />
      <Kpi label="Pending payouts" value={<Money value={p.balance.reserved} />} hint="Already debited from the balance" />
      <Kpi label="Available" value={<Money value={p.balance.available} />} />
    </div>
  );
}

/** "Hide money" (profile): monetary columns leave the lists, amounts elsewhere show a mask. */
export const hidesMoney = () => usePage().user?.hide_money === true;

/**
 * An account's ledger rows, or (`withAccount`) every account's, each naming its account. `ofOrder`: one
 * order's rows on its own page, without the column repeating its reference, nor an Invoice or Comment
 * column none of its rows fills (its 9 columns scrolled sideways in the page's 530 px column at 1280 px),
 * and without a sort (the order's page does not sort them).
 */
export function LedgerTable(p: { rows: LedgerRow[]; caption: string; withAccount?: boolean; ofOrder?: boolean }) {
  const hide = hidesMoney();
  const filled = (value: (r: LedgerRow) => string | null) => !p.ofOrder || p.rows.some((r) => value(r));
  // A reference is kept whole: 'ORD-00239' broke at its hyphen in a narrow column.
  const ref = (value: string | null) => (value ? <span class="nowrap">{value}</span> : '');
  // The list's Comment and By go under Kind and Date between the phones' cards and 1280 px (ui.tsx
  // Column.under), as the Account under the Reference: it scrolled sideways at 1024 px (826 px of 718).
  const tuck = (label: string) => (p.ofOrder ? undefined : label);
  return (
    <DataTable<LedgerRow>
      caption={p.caption}
      rows={p.rows}
      empty="No ledger rows yet."
      columns={[
        { label: 'Date', sort: p.ofOrder ? undefined : 'created_at', render: (r) => <DateTimeCell iso={r.created_at} /> },
        ...(p.withAccount ? [{ label: 'Account', under: 'Reference', render: (r: LedgerRow) => r.account_name ?? '' }] : []),
        { label: 'Kind', render: (r) => kindLabel(r.kind) },
        ...(p.ofOrder
          ? filled((r) => r.invoice_reference)
            ? [{ label: 'Invoice', render: (r: LedgerRow) => ref(r.invoice_reference) }]
            : []
          : [{ label: 'Reference', render: (r: LedgerRow) => <>{[ref(r.order_reference), ' ', ref(r.invoice_reference)]}</> }]),
        ...(hide
          ? []
          : [
              { label: 'Amount', class: 'num', render: (r: LedgerRow) => <Money value={r.amount} /> },
              { label: 'Balance after', class: 'num', render: (r: LedgerRow) => <Money value={r.balance_after} /> },
            ]),
        ...(filled((r) => r.comment) ? [{ label: 'Comment', under: tuck('Kind'), render: (r: LedgerRow) => r.comment ?? '' }] : []),
        { label: 'By', under: tuck('Date'), render: (r) => (r.created_by_name ? changedBy(r.created_by_name, r.impersonated_by) : '') },
      ]}
    />
  );
}

/** The ledger list; staff (`accounts`, who see every account's) choose the account among the filters. */
export function LedgerPage(p: {
  balance?: Balance;
  rows: LedgerRow[];
  meta: PageMeta;
  accountId?: string;
  accounts: [string, string][] | null;
  canAdjust: boolean;
}) {
  return (
    <>
      <PageHeader title="Balance" subtitle="Every amount credited to or debited from the account" />
      {p.balance && <BalanceKpis balance={p.balance} />}
      <Filters search="Reference or comment" searchLabel="Search by reference or comment">
        {p.accounts && <FilterSelect name="account_id" label="Account" options={p.accounts} placeholder="Any account" />}
        <FilterSelect name="kind" label="Kind" placeholder="Any kind" options={LEDGER_KINDS.map((k) => [k, kindLabel(k)])} />
        <Field name="order_reference" label="Order reference" />
        <Field name="created_from" label="From" type="date" />
        <Field name="created_to" label="To" type="date" />
      </Filters>
      <LedgerTable rows={p.rows} caption="Ledger" withAccount={!p.accountId} />
      <Pagination meta={p.meta} />
      {p.canAdjust && p.accountId && (
        <Card title="Adjust the balance">
          <Form action="/balance-histories/adjust" label="Adjust the balance">
            <input type="hidden" name="account_id" value={p.accountId} />
            <Field name="amount" label="Amount (negative to debit)" type="number" step="0.01" required />
            <TextArea name="comment" label="Comment" required />
            <Button type="submit">Adjust</Button>
          </Form>
        </Card>
      )}
    </>
  );
}

/** A fee in the fees form: an amount in cents; empty for a nullable fee that is not set. Never negative: a decimal pad. */
const FeeField = (p: { name: keyof Fees; label: string; value: number | null; hint?: string }) => (
  <Field name={p.name} label={p.label} type="number" step="0.01" min={0} value={p.value ?? ''} hint={p.hint} />
);

export function FeesForm(p: { accountId: string; accountName: string; fees: Fees }) {
  const f = p.fees;
  return (
    <>
      <PageHeader title={`Fees of ${p.accountName}`} back={{ href: '/accounts', label: 'Accounts' }} />
      <Card>
        <Form action={`/accounts/${p.accountId}/fees`} method="PATCH" label="Fees">
          <FeeField name="confirmation_fee" label="Confirmation fee" value={f.confirmation_fee} />
          <FeeField name="fulfilment_fee" label="Fulfilment fee (per delivery attempt)" value={f.fulfilment_fee} />
          <FeeField
            name="delivery_fee"
            label="Delivery fee (flat)"
            value={f.delivery_fee}
            hint="Leave empty to charge the shipping company's fee for the order's city."
          />
          <FeeField
            name="return_fee"
            label="Return fee (flat)"
            value={f.return_fee}
            hint="Leave empty to charge the shipping company's return fee for the city."
          />
          <FeeField name="default_delivery_fee" label="Default delivery fee (own couriers)" value={f.default_delivery_fee} />
          <FeeField name="default_return_fee" label="Default return fee" value={f.default_return_fee} />
          <FeeField name="cod_percent" label="COD fee (% of the collected amount)" value={f.cod_percent} />
          <Button type="submit">Save fees</Button>
        </Form>
      </Card>
    </>
  );
}

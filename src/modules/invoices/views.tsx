import type { PageMeta } from '../../db/paging.js';
import { Money } from '../../web/money.js';
import { usePage } from '../../web/page-context.js';
import {
  Button,
  Card,
  DataTable,
  DateTimeCell,
  DefinitionList,
  Field,
  Filters,
  FilterSelect,
  Form,
  LinkButton,
  PageHeader,
  Pagination,
  Select,
  StatusBadge,
  TextArea,
} from '../../web/ui.js';
import type { Balance } from '../ledger/queries.js';
import { BalanceKpis, hidesMoney } from '../ledger/views.js';
import type { InvoiceHistoryRow, InvoiceJson, PaymentDetails } from './queries.js';
import { INVOICE_STATUSES, PAYMENT_METHOD_LABELS as METHOD_LABELS } from './schemas.js';
import { SettingsHeader } from '../settings/components.js';
import { changedBy } from '../records/record-ui.js';

export const LIST = '/invoices';
export const showUrl = (id: string) => `/invoices/${id}/show`;
const METHOD_OPTIONS = Object.entries(METHOD_LABELS) as [string, string][];

type Row = InvoiceJson & { account_name?: string };

const STATUS_OPTIONS: [string, string][] = INVOICE_STATUSES.map((s) => [s, s[0].toUpperCase() + s.slice(1)]);

/** Payouts: search, status, method and (staff, who see every account) account filters, sortable columns. */
export function InvoicesList(p: { rows: Row[]; meta: PageMeta; canRequest: boolean; accounts: [string, string][] | null }) {
  const staff = p.accounts !== null;
  return (
    <>
      <PageHeader
        title="Payouts"
        subtitle="Payout requests and their status"
        actions={p.canRequest ? <LinkButton href="/invoices/create">Request a payout</LinkButton> : undefined}
      />
      <Filters
        search={staff ? 'Reference or account' : 'Reference'}
        searchLabel={staff ? 'Search by reference or account' : 'Search by reference'}
      >
        <FilterSelect name="status" label="Status" options={STATUS_OPTIONS} placeholder="Any status" />
        <FilterSelect name="payment_method" label="Method" options={METHOD_OPTIONS} placeholder="Any method" />
        {p.accounts && <FilterSelect name="account_id" label="Account" options={p.accounts} placeholder="Any account" />}
      </Filters>
      <DataTable<Row>
        caption="Payouts"
        rows={p.rows}
        empty="No payout matches these filters."
        none="No payout yet."
        columns={[
          { label: 'Reference', sort: 'reference', render: (r) => <a href={showUrl(r.id)}>{r.reference}</a> },
          ...(staff ? [{ label: 'Account', render: (r: Row) => r.account_name ?? '' }] : []),
          ...(hidesMoney() ? [] : [{ label: 'Amount', sort: 'amount', class: 'num', render: (r: Row) => <Money value={r.amount} /> }]),
          { label: 'Method', render: (r) => METHOD_LABELS[r.payment_method] },
          { label: 'Status', sort: 'status', render: (r) => <StatusBadge status={r.status} /> },
          { label: 'Requested', sort: 'created_at', render: (r) => <DateTimeCell iso={r.created_at} /> },
        ]}
      />
      <Pagination meta={p.meta} />
    </>
  );
}

export function RequestForm(p: { balance: Balance }) {
  return (
    <>
      <PageHeader title="Request a payout" back={{ href: LIST, label: 'Payouts' }} />
      <BalanceKpis balance={p.balance} />
      <Card>
        <Form action="/invoices/create/request" label="Request a payout">
          <Field name="amount" label="Amount" type="number" step="0.01" min="1" required />
          <Select name="payment_method" label="Payment method" options={METHOD_OPTIONS} required placeholder="Choose…" />
          <p class="hint">
            Paid to the bank account or PayPal email of your <a href="/settings/payment">Payment details</a>.
          </p>
          <TextArea name="comment" label="Comment" />
          <Button>Request payout</Button>
        </Form>
      </Card>
    </>
  );
}

/** An IBAN in groups of 4, the way banks print it: a line breaks between groups only (it broke mid-way at 1280 px). */
const groupIban = (iban: string) => iban.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');

/** A payout's bank account: the bank and the holder, the IBAN on a line of its own; null when none is set. */
function BankAccount(d: Partial<PaymentDetails>) {
  const names = [d.bank_name, d.account_holder].filter(Boolean).join(' · ');
  if (!names && !d.iban) return null;
  return (
    <>
      {names}
      {names && d.iban && <br />}
      {d.iban && <code class="iban">{groupIban(d.iban)}</code>}
    </>
  );
}

export function InvoicePage(p: {
  invoice: InvoiceJson;
  accountName: string;
  history: InvoiceHistoryRow[];
  details: PaymentDetails;
  can: { paid: boolean; unpaid: boolean; cancel: boolean; delete: boolean };
}) {
  const inv = p.invoice;
  const { user } = usePage();
  return (
    <>
      <PageHeader
        title={`Payout ${inv.reference}`}
        back={{ href: LIST, label: 'Payouts' }}
        actions={
          <LinkButton href={`/invoices/${inv.id}/pdf`} kind="secondary">
            Download statement (PDF)
          </LinkButton>
        }
      />
      <Card>
        <DefinitionList
          items={[
            ['Account', p.accountName],
            ['Amount', <Money value={inv.amount} />],
            ['Status', <StatusBadge status={inv.status} />],
            ['Payment method', METHOD_LABELS[inv.payment_method]],
            [
              inv.payment_method === 'paypal' ? 'PayPal' : 'Bank account',
              inv.payment_method === 'paypal' ? p.details.paypal_email : BankAccount(p.details),
            ],
            ['Comment', inv.comment],
            ['Proof', inv.proof_url ? <a href={inv.proof_url}>View the proof of payment</a> : null],
            ['Requested', <DateTimeCell iso={inv.created_at} />],
          ]}
        />
      </Card>
      {p.can.paid && (
        <Card title="Mark as paid">
          <Form action={`/invoices/${inv.id}/paid/request`} method="PATCH" multipart label="Mark as paid">
            <Field
              name="file"
              type="file"
              label="Proof of payment (PDF, PNG or JPEG, up to 5 MB)"
              accept="application/pdf,image/png,image/jpeg"
              required
            />
            <TextArea name="comment" label="Comment" />
            <Button>Mark as paid</Button>
          </Form>
        </Card>
      )}
      {(p.can.unpaid || p.can.cancel || p.can.delete) && (
        <div class="actions">
          {p.can.unpaid && (
            <Form action={`/invoices/${inv.id}/un-paid/request`} method="PATCH" label="Mark as unpaid" class="inline">
              <Button kind="secondary">Mark as unpaid</Button>
            </Form>
          )}
          {p.can.cancel && (
            <Form
              action={`/invoices/${inv.id}/cancel/request`}
              method="PATCH"
              label="Cancel the payout"
              class="inline"
              confirm="Cancel this payout?"
            >
              <Button kind="danger">Cancel payout</Button>
            </Form>
          )}
          {p.can.delete && (
            <Form action="/invoices/delete" method="DELETE" label="Delete the payout" class="inline" confirm="Delete this payout?">
              <input type="hidden" name="ids[]" value={inv.id} />
              <Button kind="danger">Delete</Button>
            </Form>
          )}
        </div>
      )}
      <Card title="History">
        <DataTable<InvoiceHistoryRow>
          caption="History"
          rows={p.history}
          columns={[
            { label: 'When', render: (h) => <DateTimeCell iso={h.created_at} /> },
            { label: 'From', render: (h) => h.old_status ?? '—' },
            { label: 'To', render: (h) => h.new_status },
            { label: 'By', render: (h) => changedBy(h.changed_by, h.impersonated_by) },
            { label: 'Comment', render: (h) => h.comment ?? '' },
            {
              label: 'Proof',
              render: (h) => (h.proof_path ? <a href={`/invoices/${inv.id}/proof?history=${h.id}`}>View this proof</a> : ''),
            },
          ]}
        />
      </Card>
      {user?.role === 'admin' && (
        <p class="muted">
          Ledger rows of this payout: <a href={`/balance-histories?invoice_reference=${inv.reference}`}>see the ledger</a>
        </p>
      )}
    </>
  );
}

export function PaymentSettings(p: { details: PaymentDetails }) {
  const d = p.details;
  return (
    <>
      <SettingsHeader title="Payment details" subtitle="Where your payouts are sent" />
      <Card title="Bank account">
        <Form action="/settings/payment/bank-account" method="PATCH" label="Bank account">
          <Field name="bank_name" label="Bank name" value={d.bank_name} required />
          <Field name="account_holder" label="Account holder" value={d.account_holder} required />
          <Field name="iban" label="IBAN / RIB" value={d.iban} required />
          <Button>Save bank account</Button>
        </Form>
      </Card>
      <Card title="PayPal">
        <Form action="/settings/payment/paypal" method="PATCH" label="PayPal">
          <Field name="paypal_email" label="PayPal email" type="email" value={d.paypal_email} required />
          <Button>Save PayPal</Button>
        </Form>
      </Card>
    </>
  );
}

// Pieces the leads and orders pages share: status badges and tabs, the history timeline, product
// line rows, money cells and the staff's account picker.
import type { ComponentChildren } from 'preact';
import { Money } from '../../web/money.js';
import { repeatsAsAMove } from '../leads/transitions.js';
import { shipmentWay } from '../orders/schemas.js';
import { formatDateTime } from '../../web/format.js';
import { usePage } from '../../web/page-context.js';
import {
  Badge,
  Button,
  Card,
  DefinitionList,
  Form,
  LinkButton,
  PageHeader,
  Select,
  useQueryHref,
  FieldErrorList,
  RequiredMark,
  PhoneLink,
  numberInput,
} from '../../web/ui.js';

type Tone = 'green' | 'red' | 'amber' | 'blue' | 'gray' | 'violet' | 'teal';

/** Plain words for every lead and order status. */
export const STATUS_LABELS: Record<string, string> = {
  new: 'New',
  no_reply: 'No reply',
  call_later: 'Call later',
  confirmed: 'Confirmed',
  canceled: 'Canceled',
  wrong: 'Wrong',
  duplicate: 'Duplicate',
  shipped: 'Shipped',
  delivered: 'Delivered',
  returned: 'Returned',
};

const TONES: Record<string, Tone> = {
  new: 'blue',
  no_reply: 'amber',
  call_later: 'violet',
  confirmed: 'green',
  canceled: 'red',
  wrong: 'red',
  duplicate: 'gray',
  shipped: 'teal',
  delivered: 'green',
  returned: 'amber',
};

export const statusLabel = (s: string) => STATUS_LABELS[s] ?? s;

export function RecordStatus({ status }: { status: string }) {
  return <Badge tone={TONES[status] as 'blue'}>{statusLabel(status)}</Badge>;
}

/** Status tabs with their counts; `All` first. Links keep the other filters and go back to page 1. */
export function StatusTabs(p: { statuses: readonly string[]; counts: Map<string, number>; label: string }) {
  const { url } = usePage();
  const href = useQueryHref();
  const current = url.searchParams.get('status') ?? '';
  const all = [...p.counts.values()].reduce((a, b) => a + b, 0);
  const tabs: [string, string, number][] = [
    ['', 'All', all],
    ...p.statuses.map((s): [string, string, number] => [s, statusLabel(s), p.counts.get(s) ?? 0]),
  ];
  return (
    <nav class="tabs status-tabs" aria-label={p.label}>
      {tabs.map(([value, label, n]) => {
        const on = value === current;
        return (
          <a
            href={href({ status: value || null, page: null })}
            class={on ? `active tab-${value || 'all'}` : `tab-${value || 'all'}`}
            aria-current={on ? 'page' : undefined}
          >
            {label} <span class="count">{n.toLocaleString('en-US')}</span>
          </a>
        );
      })}
    </nav>
  );
}

export interface HistoryItem {
  old_status: string | null;
  new_status: string;
  changed_by: string;
  changed_at: string;
  comment: string | null;
  /** Who was logged in as `changed_by` (dashboard only). */
  impersonated_by?: string | null;
  /** What the row's request changed of a lead's or an order's fields and lines, [old, new] (dashboard only; docs/decisions.md). */
  changes?: Record<string, [unknown, unknown]> | null;
  /** The row of a request that set no status: a comment alone, never a call (a lead's, dashboard only; migration 0045). */
  without_status?: boolean | null;
}

/** The fields a history row's `changes` may hold (a lead's, an order's), in the order a timeline lists them. */
const CHANGED_FIELDS: [string, string][] = [
  ['full_name', 'Full name'],
  ['phone', 'Phone'],
  ['email', 'Email'],
  ['city', 'City'],
  ['area', 'Area'],
  ['address', 'Address'],
  ['shipment_way', 'Shipment way'],
  ['is_fees_paid_by_customer', 'Delivery fees paid by the customer'],
  ['total', 'Total to collect'],
  ['products', 'Products'],
];

interface ChangedLine {
  sku: string;
  quantity: number;
  price: number;
}

/**
 * One side of a change: a field's value (— when empty), an order's total as money, or lines as
 * "SKU 2 × 100.00 MAD" (amounts hidden with hide money).
 */
function ChangedValue(p: { field: string; value: unknown }) {
  if (p.value === null || p.value === undefined || p.value === '') return <span class="muted">—</span>;
  if (p.field === 'total') return <Money value={Number(p.value)} />;
  if (p.field === 'is_fees_paid_by_customer') return <span class="change-value">{p.value ? 'Yes' : 'No'}</span>;
  if (p.field === 'shipment_way') return <span class="change-value">{shipmentWay(Number(p.value))}</span>;
  if (p.field === 'products') {
    const lines = Array.isArray(p.value) ? (p.value as ChangedLine[]) : [];
    if (lines.length === 0) return <span class="muted">—</span>;
    return (
      <span class="change-value">
        {lines.map((l, i) => (
          <>
            {i > 0 && ', '}
            <span class="change-line">
              {l.sku} {l.quantity} × <Money value={l.price} />
            </span>
          </>
        ))}
      </span>
    );
  }
  return <span class="change-value">{String(p.value)}</span>;
}

/** What a history row's request changed: "Address: 1 Rue de Fes → 12 Rue Corrected", one line per field. */
export function HistoryChanges(p: { changes: Record<string, [unknown, unknown]> }) {
  const known = CHANGED_FIELDS.filter(([field]) => field in p.changes);
  const others = Object.keys(p.changes)
    .filter((f) => !CHANGED_FIELDS.some(([field]) => field === f))
    .map((f): [string, string] => [f, f]);
  return (
    <ul class="timeline-changes" aria-label="Changes">
      {[...known, ...others].map(([field, label]) => (
        <li>
          <span class="change-field">{label}:</span> <ChangedValue field={field} value={p.changes[field][0]} />{' '}
          <span aria-label="to">→</span> <ChangedValue field={field} value={p.changes[field][1]} />
        </li>
      ))}
    </ul>
  );
}

/** "Name", or "Name (Admin logged in as them)" for a change made while impersonating. */
export const changedBy = (name: string, impersonator?: string | null) =>
  impersonator ? `${name} (${impersonator} logged in as them)` : name;

/**
 * What a history row tells: the record's creation, a move, a comment alone, or an edit of its fields
 * without a status (docs/decisions.md, "What an edit of a lead records"), whatever the status (an edit
 * of a `no_reply` lead is no call). A repeated call outcome is a move, unless the row says its request
 * set no status (`without_status`: a comment on a `no_reply` lead is no call); rows written before
 * that was kept read as they did.
 */
export type HistoryKind = 'created' | 'move' | 'comment' | 'edit';

export function historyKind(h: Pick<HistoryItem, 'old_status' | 'new_status' | 'changes' | 'without_status'>): HistoryKind {
  if (h.old_status === null) return 'created';
  if (h.old_status !== h.new_status) return 'move';
  if (h.changes) return 'edit';
  if (h.without_status) return 'comment';
  return repeatsAsAMove(h.new_status) ? 'move' : 'comment';
}

/** A history row's head, as a record's timeline and the history lists show it: "Created as New", "New → Confirmed", "Edited · New". */
export function HistoryHead({ item: h }: { item: HistoryItem }) {
  const kind = historyKind(h);
  if (kind === 'created')
    return (
      <span>
        Created as <RecordStatus status={h.new_status} />
      </span>
    );
  if (kind === 'move')
    return (
      <span>
        <RecordStatus status={h.old_status!} /> <span aria-label="to">→</span> <RecordStatus status={h.new_status} />
      </span>
    );
  return (
    <span>
      {kind === 'edit' ? 'Edited' : 'Comment'} · <RecordStatus status={h.new_status} />
    </span>
  );
}

/** A record's status changes, oldest first, as a vertical timeline. */
export function Timeline(p: { items: HistoryItem[]; label: string }) {
  if (p.items.length === 0) return <p class="muted">No status change yet.</p>;
  return (
    <ol class="timeline" aria-label={p.label}>
      {p.items.map((h) => (
        <li class={`timeline-item tone-${TONES[h.new_status] ?? 'gray'}`}>
          <div class="timeline-head">
            <HistoryHead item={h} />
          </div>
          <div class="timeline-meta">
            by <strong>{changedBy(h.changed_by, h.impersonated_by)}</strong> ·{' '}
            <time datetime={h.changed_at}>{formatDateTime(h.changed_at)}</time>
          </div>
          {h.changes && <HistoryChanges changes={h.changes} />}
          {h.comment && <blockquote class="timeline-comment">{h.comment}</blockquote>}
        </li>
      ))}
    </ol>
  );
}

/** A lead or order page's header: reference and customer, and Edit and Delete where the viewer and the status allow. */
export function RecordHeader(p: {
  kind: 'lead' | 'order';
  record: { id: string; reference: string; full_name: string };
  accountName?: string;
  canEdit: boolean;
  canDelete: boolean;
}) {
  const { id, reference, full_name } = p.record;
  const [base, Kind] = p.kind === 'lead' ? ['/leads', 'Lead'] : ['/orders', 'Order'];
  return (
    <PageHeader
      title={`${reference} · ${full_name}`}
      subtitle={p.accountName ? `${Kind} of ${p.accountName}` : Kind}
      back={{ href: base, label: `${Kind}s` }}
      actions={
        <>
          {p.canEdit && (
            <LinkButton href={`${base}/${id}/edit`} kind="secondary">
              Edit
            </LinkButton>
          )}
          {p.canDelete && (
            <Form
              action={`${base}/${id}`}
              method="DELETE"
              class="inline-form"
              confirm={`Delete ${reference}?`}
              label={`Delete ${reference}`}
            >
              <Button kind="danger">Delete</Button>
            </Form>
          )}
        </>
      }
    />
  );
}

/** The status line of a lead or order page, with the record it came from or led to (linked when the viewer may open it). */
export function StatusLine(p: { status: string; related?: { label: string; reference: string | null; href?: string } }) {
  const r = p.related;
  return (
    <div class="record-status">
      <span class="muted">Status</span> <RecordStatus status={p.status} />
      {r?.reference && (
        <span>
          {r.label}{' '}
          {r.href ? (
            <a href={r.href} class="ref">
              {r.reference}
            </a>
          ) : (
            <strong>{r.reference}</strong>
          )}
        </span>
      )}
    </div>
  );
}

/** The customer of a lead or order. */
export function CustomerCard(p: {
  record: { full_name: string; phone: string; email?: string | null; city: string | null; area: string | null; address: string | null };
}) {
  const c = p.record;
  return (
    <Card title="Customer" class="card-customer">
      <DefinitionList
        items={[
          ['Full name', c.full_name],
          ['Phone', <PhoneLink phone={c.phone} class="phone-link" />],
          ...('email' in c ? [['Email', c.email ?? null] as [string, string | null]] : []),
          ['City', c.city],
          ['Area', c.area],
          // The lines typed in the form's textarea (a building, a street, a landmark), kept as typed.
          ['Address', c.address ? <span class="prewrap">{c.address}</span> : c.address],
        ]}
      />
    </Card>
  );
}

/** A record's status timeline, with a link to its history page when the viewer may open it. */
export function HistoryCard(p: { reference: string; items: HistoryItem[]; page?: string }) {
  return (
    <Card title="History" class="card-history">
      <Timeline items={p.items} label={`History of ${p.reference}`} />
      {p.page && (
        <p class="card-link">
          <a href={p.page}>Open the history page</a>
        </p>
      )}
    </Card>
  );
}

export { Money };

export const hidesMoney = () => usePage().user?.hide_money === true;

/** Staff work across accounts: a filter or a form field naming one. */
export function AccountSelect(p: {
  accounts: { id: string; name: string }[];
  value?: string | null;
  label?: string;
  placeholder?: string;
  name?: string;
}) {
  return (
    <Select
      name={p.name ?? 'account_id'}
      label={p.label ?? 'Account'}
      options={p.accounts.map((a) => [a.id, a.name])}
      value={p.value ?? null}
      placeholder={p.placeholder ?? 'Choose an account'}
    />
  );
}

export interface LineValue {
  sku?: unknown;
  quantity?: unknown;
  price?: unknown;
  /** The line's product was deleted (a lead's or an order's: leads/views.tsx markUnsold). */
  unsold?: boolean;
}

/** The form field of the product lines' buttons: `add`, or `remove-<i>` (records/record-routes.ts linesButton). */
export const LINES_BUTTON = '_lines';
/** How many rows a form re-rendered by its lines' buttons shows (old input; blank ones are not sent back). */
export const LINES_SHOWN = '_rows';

/**
 * The product lines of a lead or an order: a SKU select of the account's active products, quantity
 * and unit price, sent as `products[i][sku]`…; errors of `products.i.sku` show beside their field.
 * `blank` empty rows follow the filled ones (blank rows are dropped on submit). "Add a line" and each
 * line's "Remove" are submit buttons that re-render the form (no JavaScript needed); public/app.js
 * does it in place (docs/decisions.md, "Adding and removing a form's product lines").
 */
export function LineRows(p: { products: { sku: string; name: string; price: number }[]; lines: LineValue[]; max: number; blank?: number }) {
  const { errors, old } = usePage();
  // After a failed submission the lines come back as sent (blank ones were dropped).
  const submitted = Object.keys(old).length > 0;
  const source = submitted ? (Array.isArray(old.products) ? (old.products as LineValue[]) : []) : p.lines;
  const rows = [...source];
  const shown = typeof old[LINES_SHOWN] === 'number' ? Math.min(p.max, old[LINES_SHOWN]) : undefined;
  const blanks = shown !== undefined ? Math.max(1, shown) - rows.length : Math.max(1, Math.min(p.blank ?? 2, p.max - rows.length));
  for (let i = 0; i < blanks && rows.length < p.max; i++) rows.push({});
  const listErrors = errors.of('products');
  const unsoldSkus = new Set(p.lines.filter((l) => l.unsold).map((l) => String(l.sku)));
  return (
    <fieldset
      id="f-lines"
      class={listErrors.length ? 'field fieldset lines has-error' : 'field fieldset lines'}
      aria-describedby={listErrors.length ? 'f-products-error' : undefined}
      data-max-lines={p.max}
    >
      <legend>
        Products <RequiredMark />
      </legend>
      {/* Enter in a field submits the form's first submit button: this one saves, not "Remove line 1". */}
      <button type="submit" class="sr-only" tabindex={-1} aria-hidden="true" />
      <p class="hint">
        One line per product: leave a line empty to skip it. At most {p.max} lines. Choosing a product fills in its catalogue price, which
        you can change; a line left without a price takes it.
      </p>
      {rows.map((line, i) => {
        const sku = line.sku === undefined || line.sku === null ? '' : String(line.sku);
        // An active product that took a deleted line's SKU is not offered while that line is there: the
        // save would be refused whichever line chose it (refuseUnsoldLines).
        const options: [string, string, number?][] = p.products
          .filter((x) => !unsoldSkus.has(x.sku))
          .map((x) => [x.sku, `${x.sku} — ${x.name}`, x.price]);
        // A line of a deleted product (as the record holds it, or sent back so) stays its own choice, even
        // when an active product took its SKU since: not shown as that product (docs/decisions.md).
        const unsold = sku !== '' && p.lines.some((l) => l.unsold && String(l.sku) === sku);
        if (sku && (unsold || !p.products.some((x) => x.sku === sku))) options.unshift([sku, `${sku} (not an active product)`]);
        const chosen = options.findIndex(([v]) => v === sku);
        return (
          <div class="line-row">
            <LineCell i={i} field="sku" label="SKU">
              {(id, describedBy) => (
                <select id={id} name={`products[${i}][sku]`} aria-describedby={describedBy} aria-invalid={describedBy ? 'true' : undefined}>
                  <option value="">Choose a product</option>
                  {options.map(([v, l, price], j) => (
                    <option value={v} selected={j === chosen} data-price={price === undefined ? undefined : price.toFixed(2)}>
                      {l}
                    </option>
                  ))}
                </select>
              )}
            </LineCell>
            <LineCell i={i} field="quantity" label="Quantity">
              {(id, describedBy) => (
                <input
                  id={id}
                  name={`products[${i}][quantity]`}
                  {...numberInput({ min: 1, step: 1 })}
                  value={str(line.quantity)}
                  aria-describedby={describedBy}
                  aria-invalid={describedBy ? 'true' : undefined}
                />
              )}
            </LineCell>
            <LineCell i={i} field="price" label="Price">
              {(id, describedBy) => (
                <input
                  id={id}
                  name={`products[${i}][price]`}
                  {...numberInput({ min: 1, step: '0.01' })}
                  value={str(line.price)}
                  aria-describedby={describedBy}
                  aria-invalid={describedBy ? 'true' : undefined}
                />
              )}
            </LineCell>
            <button
              type="submit"
              name={LINES_BUTTON}
              value={`remove-${i}`}
              formnovalidate
              class="btn btn-secondary btn-small line-remove"
              aria-label={`Remove line ${i + 1}`}
            >
              Remove
            </button>
          </div>
        );
      })}
      {/* At the most lines, hidden: public/app.js shows it again when a line is removed in place. */}
      <p class="line-add" hidden={rows.length >= p.max}>
        <button type="submit" name={LINES_BUTTON} value="add" formnovalidate class="btn btn-secondary btn-small">
          Add a line
        </button>
      </p>
      <FieldErrorList id="f-products" messages={listErrors} />
    </fieldset>
  );
}

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

function LineCell(p: { i: number; field: string; label: string; children: (id: string, describedBy?: string) => ComponentChildren }) {
  const id = `f-products-${p.i}-${p.field}`;
  const messages = usePage().errors.of(`products.${p.i}.${p.field}`);
  return (
    <div class={messages.length ? 'field has-error' : 'field'}>
      <label for={id}>
        {p.label}
        <span class="sr-only"> (line {p.i + 1})</span>
      </label>
      {p.children(id, messages.length ? `${id}-error` : undefined)}
      <FieldErrorList id={id} messages={messages} />
    </div>
  );
}

/** Picks the keys a form may send (the rest, `status` on an edit for instance, never reaches the service). */
export function pick(body: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in body).map((k) => [k, body[k]]));
}

/** A bulk form's delete button, beside its other actions: its own action, `_method` and confirmation. */
export function BulkDeleteButton(p: { action: string; confirm: string }) {
  return (
    <button type="submit" name="_method" value="DELETE" formaction={p.action} class="btn btn-danger btn-small" data-confirm={p.confirm}>
      Delete selected
    </button>
  );
}

/**
 * The bulk delete of a list: its row checkboxes (`ids[]`, `form="bulk-delete"`) sit in the table,
 * outside this form, so the filters and row links keep working.
 */
export function BulkDeleteForm(p: { action: string; confirm: string; label: string; empty?: string }) {
  const { csrf } = usePage();
  return (
    <form
      method="post"
      action={p.action}
      id="bulk-delete"
      class="inline-form"
      data-confirm={p.confirm}
      data-empty={p.empty}
      aria-label={p.label}
    >
      <input type="hidden" name="_token" value={csrf} />
      <input type="hidden" name="_method" value="DELETE" />
      <button type="submit" class="btn btn-danger btn-small">
        Delete selected
      </button>
    </form>
  );
}

import { dialNumber } from '../../lib/phone.js';
import { displayZone, formatDateTime } from '../../web/format.js';
import { usePage } from '../../web/page-context.js';
import { Badge, Button, Card, Field, FieldErrorList, Form, Kpi, PageHeader, Select, TextArea } from '../../web/ui.js';
import type { LeadItem } from '../leads/views.js';
import { ProductsTable, UnsoldNotice } from '../leads/views.js';
import { HistoryCard, LineRows, LINES_SHOWN, Money, RecordStatus, statusLabel, type HistoryItem } from '../records/record-ui.js';
import type { CustomerHistoryRow, CustomerRecord } from './customer.js';
import { callCentrePolicy } from './policy.js';
import type { QueueCounts } from './queue.js';
import { asset } from '../../web/assets.js';
import { LEAD_MAX_LINES } from '../leads/schemas.js';

/** The agent's home: what waits for them, and the one button that hands out the next call. */
export function QueuePage(p: { counts: QueueCounts; message?: string; hours?: string; held?: { id: string; reference: string } }) {
  return (
    <>
      <PageHeader title="Call queue" subtitle="Due callbacks first, then new leads, then the ones that did not answer." />
      <div class="kpis" aria-label="Your queue">
        <Kpi label="Due callbacks" value={String(p.counts.callbacks)} />
        <Kpi label="New leads" value={String(p.counts.fresh)} />
        <Kpi label="No reply" value={String(p.counts.retries)} />
      </div>
      {p.message && (
        <p class="notice">
          {p.message}
          {p.hours && ` Your hours: ${p.hours}.`}
        </p>
      )}
      {p.held && (
        <p>
          You are on <a href={`/call-centre/leads/${p.held.id}`}>{p.held.reference}</a>.
        </p>
      )}
      <Form action="/call-centre/next" class="next-lead" label="Next lead">
        <button type="submit" class="btn btn-primary btn-huge">
          Next lead
        </button>
      </Form>
    </>
  );
}

const OUTCOMES: [key: string, status: string, label: string][] = [
  ['1', 'no_reply', 'No reply'],
  ['2', 'call_later', 'Call later'],
  ['3', 'confirmed', 'Confirmed'],
  ['4', 'canceled', 'Canceled'],
  ['5', 'wrong', 'Wrong number'],
];

/** `1 order`, `2 orders`. */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const RISK_TONE = { low: 'green', medium: 'amber', high: 'red' } as const;

function CustomerRecordCard({ record, rows }: { record: CustomerRecord; rows: CustomerHistoryRow[] }) {
  return (
    <Card title="Customer record" class="card-customer-record">
      <p>
        Risk: <Badge tone={RISK_TONE[record.risk]}>{record.risk}</Badge>
        {` · ${count(record.orders, 'order')} (${record.delivered} delivered, ${record.returned} returned) · ${count(record.leads, 'other lead')}`}
      </p>
      {rows.length > 0 && (
        <ul class="plain-list">
          {rows.map((r) => (
            <li>
              {r.kind === 'lead' ? 'Lead' : 'Order'} {r.reference} <RecordStatus status={r.status} /> <Money value={r.total} />{' '}
              <span class="muted">{formatDateTime(r.created_at)}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

/** The form the call screen's "Release without a call" button sends (it sits in the outcome form). */
const RELEASE_FORM = 'release-lead';

const CORRECTIONS = new Set(['full_name', 'phone', 'city', 'area', 'address', 'products']);

/** The outcome form: one choice (keys 1–5, public/call-screen.js), what it needs, and the corrections a confirmation may carry. */
function OutcomeForm(p: {
  lead: LeadItem;
  outcomes: string[];
  cancelReasons: string[];
  products: { sku: string; name: string; price: number }[];
  /** Whether the viewer works a queue (a supervisor holds no claim to release). */
  release: boolean;
}) {
  const { lead } = p;
  // After a refused outcome the page comes back with the choice made and, when a correction was
  // refused, the corrections open: its messages are inside.
  const { errors, old, csrf } = usePage();
  const chosen = (old as { status?: unknown }).status;
  // A confirmation sent back (a refused field, a claim taken again, a line added or removed) shows its corrections as typed.
  const correctionsOpen = chosen === 'confirmed' || LINES_SHOWN in old || errors.some((k) => CORRECTIONS.has(k.split('.')[0]));
  // The choice's own message ("The status field is required.") beside the group, as ui.tsx's fields do.
  const statusErrors = errors.of('status');
  const invalid = statusErrors.length > 0;
  return (
    <Card title="Outcome" class="card-outcome">
      <Form action={`/leads/${lead.id}/status`} method="PATCH" label="Record the outcome" class="form outcome-form">
        <fieldset
          class={invalid ? 'field fieldset outcomes has-error' : 'field fieldset outcomes'}
          aria-describedby={invalid ? 'f-status-error' : undefined}
        >
          <legend>Outcome</legend>
          {OUTCOMES.filter(([, s]) => p.outcomes.includes(s)).map(([key, s, label]) => (
            <label class="outcome-choice">
              <input
                type="radio"
                name="status"
                value={s}
                data-key={key}
                checked={chosen === s}
                required
                aria-invalid={invalid ? 'true' : undefined}
              />{' '}
              <kbd>{key}</kbd> {label}
            </label>
          ))}
          <FieldErrorList id="f-status" messages={statusErrors} />
        </fieldset>
        {/* Single-key shortcuts can be turned off (WCAG 2.1.4); public/call-screen.js shows this and remembers it. */}
        <p class="shortcut-toggle" hidden>
          <label>
            <input type="checkbox" id="f-shortcuts" checked autocomplete="off" /> Keyboard shortcuts
          </label>
        </p>
        {p.outcomes.includes('call_later') && (
          <Field
            name="callback_at"
            label="Call back at"
            type="datetime-local"
            hint={`For Call later: when to call again (${displayZone()} time).`}
          />
        )}
        {p.outcomes.includes('canceled') && (
          <Select
            name="cancel_reason"
            label="Cancel reason"
            options={p.cancelReasons.map((r) => [r, statusLabel(r).replace(/_/g, ' ')])}
            placeholder="For Canceled: why"
          />
        )}
        {p.outcomes.includes('confirmed') && (
          <details class="corrections" open={correctionsOpen}>
            <summary>Corrections on confirmation (customer and products)</summary>
            <div class="form-grid">
              <Field name="full_name" label="Full name" value={lead.full_name} />
              <Field name="phone" label="Phone" type="tel" value={lead.phone} />
              <Field name="city" label="City" value={lead.city} />
              <Field name="area" label="Area" value={lead.area} />
              <TextArea name="address" label="Address" value={lead.address} rows={3} />
            </div>
            <LineRows products={p.products} lines={lead.products} max={LEAD_MAX_LINES} blank={1} />
          </details>
        )}
        <TextArea name="comment" label="Comment" rows={2} />
        <div class="form-actions">
          <Button>Save outcome</Button>
          {/* The release is its own form's (below, nothing to fill in), its button beside the save as the
              secondary action: alone under the form it was drawn full width and looked the main one. */}
          {p.release && (
            <button type="submit" class="btn btn-secondary" form={RELEASE_FORM}>
              Release without a call
            </button>
          )}
        </div>
      </Form>
      {p.release && (
        <form id={RELEASE_FORM} method="post" action={`/call-centre/leads/${lead.id}/release`} hidden>
          <input type="hidden" name="_token" value={csrf} />
        </form>
      )}
    </Card>
  );
}

/** Everything the agent needs during the call, on one screen (a phone's too). */
export function CallScreen(p: {
  lead: LeadItem;
  claimedUntil: string | null;
  record: CustomerRecord;
  recordRows: CustomerHistoryRow[];
  histories: HistoryItem[];
  outcomes: string[];
  /** The agent's own claim ran out and nobody took the lead since: offer it to them again. */
  takeAgain?: boolean;
  cancelReasons: string[];
  products: { sku: string; name: string; price: number }[];
}) {
  const { lead } = p;
  const { user } = usePage();
  // The number as a phone dials it (E.164), when it reads as one: Arabic-Indic digits and spaces
  // as typed made odd tel: links, and an unreadable one a WhatsApp link to nobody (call-centre audit).
  const dial = dialNumber(lead.phone);
  // Back to where the viewer came from: an agent's queue, or a supervisor's agents board.
  const queue = callCentrePolicy.authorize(user!, 'queue');
  const back = queue
    ? { href: '/call-centre', label: 'Call queue' }
    : callCentrePolicy.authorize(user!, 'supervise')
      ? { href: '/call-centre/agents', label: 'Agents at work' }
      : undefined;
  return (
    <>
      <PageHeader
        title={`${lead.reference} · ${lead.full_name}`}
        subtitle={p.claimedUntil ? `Yours until ${formatDateTime(p.claimedUntil)}` : statusLabel(lead.status)}
        back={back}
      />
      <div class="record-grid call-screen">
        <div class="record-main">
          <Card title="Customer" class="card-customer">
            {dial ? (
              <p class="call-links">
                <a href={`tel:${dial}`} class="btn btn-primary phone-link">
                  Call {lead.phone}
                </a>{' '}
                <a href={`https://wa.me/${dial.slice(1)}`} class="btn btn-secondary" rel="noopener noreferrer" target="_blank">
                  WhatsApp
                </a>
              </p>
            ) : (
              <p class="call-links">
                {lead.phone} <span class="muted">(not a number a phone can dial)</span>
              </p>
            )}
            <dl class="deflist">
              <dt>City</dt>
              <dd>{lead.city ?? '—'}</dd>
              <dt>Area</dt>
              <dd>{lead.area ?? '—'}</dd>
              <dt>Address</dt>
              <dd class="prewrap">{lead.address ?? '—'}</dd>
              <dt>Status</dt>
              <dd>
                <RecordStatus status={lead.status} /> · {lead.call_attempts} attempts
              </dd>
            </dl>
          </Card>
          <Card title="Products" class="card-products" region={false}>
            <UnsoldNotice lead={lead} />
            <ProductsTable products={lead.products} total={lead.total} />
          </Card>
          <CustomerRecordCard record={p.record} rows={p.recordRows} />
        </div>
        <div class="record-side">
          {p.outcomes.length > 0 && (
            <OutcomeForm lead={lead} outcomes={p.outcomes} cancelReasons={p.cancelReasons} products={p.products} release={queue} />
          )}
          {p.outcomes.length === 0 && p.takeAgain && (
            <Card title="Outcome" class="card-outcome">
              <p>Your hold on this lead ran out. Nobody has taken it since.</p>
              <Form action={`/call-centre/leads/${lead.id}/claim`} label="Take this lead again">
                <Button>Take this lead again</Button>
              </Form>
            </Card>
          )}
          <HistoryCard reference={lead.reference} items={p.histories} />
        </div>
      </div>
      <script src={asset('call-screen.js')} defer></script>
    </>
  );
}

import { formatDateTime } from '../../web/format.js';
import { Money } from '../../web/money.js';
import { usePage } from '../../web/page-context.js';
import type { PageMeta } from '../../db/paging.js';
import { Card, PageHeader, Pagination, PhoneLink } from '../../web/ui.js';
import type { DeliveryRow } from './queries.js';

/** A map search for the customer's address (opens the phone's map app). */
export const mapUrl = (d: Pick<DeliveryRow, 'address' | 'area' | 'city'>) =>
  `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent([d.address, d.area, d.city].filter(Boolean).join(', '))}`;

function DeliveryCard({ d }: { d: DeliveryRow }) {
  const { csrf, errors, old } = usePage();
  // A refused mark comes back with its errors for the order it was about.
  const mine = old.order_id === d.id;
  const messages = mine ? [...errors.of('status'), ...errors.of('note')] : [];
  const noteId = `note-${d.id}`;
  return (
    <li class="delivery" id={`order-${d.id}`} data-reference={d.reference}>
      <div class="delivery-head">
        <strong class="ref">{d.reference}</strong>
        <span class="collect">
          To collect: <Money value={d.cod_amount} />
        </span>
      </div>
      <p class="delivery-customer">{d.full_name}</p>
      <p>
        <PhoneLink phone={d.phone} class="btn btn-secondary btn-block">{`Call ${d.phone}`}</PhoneLink>
      </p>
      <p>
        <a class="delivery-address" href={mapUrl(d)} target="_blank" rel="noopener noreferrer">
          {d.address}
          {d.area ? `, ${d.area}` : ''}, {d.city}
        </a>
      </p>
      <p class="muted small">
        {d.products.map((p) => `${p.quantity} × ${p.name}`).join(' · ')}
        {d.tracking_number && (
          <>
            {' '}
            · <code>{d.tracking_number}</code>
          </>
        )}
        {d.shipped_at && <> · shipped {formatDateTime(d.shipped_at)}</>}
      </p>
      <form method="post" action={`/deliveries/${d.id}/status`} class="form delivery-form" aria-label={`Mark ${d.reference}`} novalidate>
        <input type="hidden" name="_token" value={csrf} />
        <input type="hidden" name="_method" value="PATCH" />
        <input type="hidden" name="order_id" value={d.id} />
        <div class="field">
          <label for={noteId}>Note (optional)</label>
          <textarea id={noteId} name="note" rows={2} maxLength={1000}>
            {mine && typeof old.note === 'string' ? old.note : ''}
          </textarea>
        </div>
        {messages.length > 0 && (
          <ul class="field-errors" role="alert">
            {messages.map((m) => (
              <li>{m}</li>
            ))}
          </ul>
        )}
        <div class="delivery-actions">
          {/* Either is final (its fees are booked): a tap on the wrong one is asked about first. */}
          <button
            type="submit"
            name="status"
            value="delivered"
            class="btn btn-primary"
            data-confirm={`${d.reference} delivered and paid? This cannot be undone.`}
          >
            Delivered
          </button>
          <button
            type="submit"
            name="status"
            value="returned"
            class="btn btn-danger"
            data-confirm={`${d.reference} returned? This cannot be undone.`}
          >
            Returned
          </button>
        </div>
      </form>
    </li>
  );
}

/** `/deliveries`: a courier's round, made for a phone (one column, large targets); `cash` is the whole round's. */
export function DeliveriesPage({ rows, meta, cash }: { rows: DeliveryRow[]; meta: PageMeta; cash: number }) {
  return (
    <>
      <PageHeader title="My deliveries" subtitle={meta.total === 0 ? 'Nothing to deliver right now.' : `${meta.total} to deliver`} />
      {meta.total > 0 && (
        <>
          <p class="collect">
            Cash to collect in all: <Money value={cash} />
          </p>
          <ul class="delivery-list" aria-label="Orders to deliver">
            {rows.map((d) => (
              <DeliveryCard d={d} />
            ))}
          </ul>
          <Pagination meta={meta} />
        </>
      )}
      {meta.total === 0 && (
        <Card>
          <p class="muted">Orders shipped with you appear here.</p>
        </Card>
      )}
    </>
  );
}

import type { Queryable } from '../../db/database.js';
import { LEAD_JSON } from '../leads/presenter.js';
import { ORDER_JSON } from '../orders/presenter.js';
import { mayListen } from './listening.js';

/** The event types of webhooks-files.md, in the order the settings form lists them. */
export const EVENT_TYPES = [
  'lead.created',
  'lead.status_changed',
  'order.created',
  'order.status_changed',
  'invoice.status_changed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Where an event's `data` comes from: the table (with the alias its JSON expression reads) and the
 * API's JSON of one row, rendered by the database (the presenters' `LEAD_JSON`, `ORDER_JSON`, …).
 */
export interface EventSource {
  /** The resource's name in the per-resource ordering key (`lead:<id>`). */
  resource: string;
  /** `leads l`: the table and the alias `json` reads. */
  from: string;
  alias: string;
  json: string;
}

export const LEAD_EVENTS: EventSource = { resource: 'lead', from: 'leads l', alias: 'l', json: LEAD_JSON };
export const ORDER_EVENTS: EventSource = { resource: 'order', from: 'orders o', alias: 'o', json: ORDER_JSON };

export interface EventItem {
  id: string;
  /** On a status change: the status before it (sent as `data.previous_status`). */
  previousStatus?: string | null;
}

/**
 * The outbox's one door: writes the events of a change in its transaction `q`, in one statement
 * whatever their number, each with its resource's JSON as it is now (call it after the change's
 * last write), and one pending delivery per active webhook of the account subscribed to `type`.
 * Nothing is written (not even rendered) when no webhook of the account listens to `type`: nobody
 * could ever receive those events (a webhook registered later gets only later events).
 * Items keep their order (the order of the events of one resource).
 *
 * Finance: `recordEvents(q, 'invoice.status_changed', accountId, { resource: 'invoice', from: 'invoices i',
 * alias: 'i', json: INVOICE_JSON }, [{ id, previousStatus }])`.
 */
export async function recordEvents(
  q: Queryable,
  type: EventType,
  accountId: string,
  source: EventSource,
  items: EventItem[],
): Promise<void> {
  if (items.length === 0 || !(await mayListen(q, accountId, type))) return;
  const a = source.alias;
  await q.query(
    `WITH listening AS MATERIALIZED (
       SELECT id FROM webhooks WHERE account_id = $1 AND status = 'active' AND $2 = ANY(event_types)),
     ev AS (
       INSERT INTO webhook_events (account_id, type, resource_key, data, previous_status)
       SELECT $1, $2, $3 || ':' || c.id, ${source.json}, c.previous_status
         FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS c(id, previous_status, i)
         JOIN ${source.from} ON ${a}.id::text = c.id
        WHERE EXISTS (SELECT 1 FROM listening)
        ORDER BY c.i
       RETURNING id, seq, resource_key, created_at)
     INSERT INTO webhook_deliveries (webhook_id, event_id, event_seq, resource_key, next_attempt_at)
     SELECT w.id, ev.id, ev.seq, ev.resource_key, ev.created_at FROM ev CROSS JOIN listening w`,
    [accountId, type, source.resource, items.map((i) => i.id), items.map((i) => i.previousStatus ?? null)],
  );
}

/** Lead events (`lead.created`, `lead.status_changed`) of the leads `items`. */
export const recordLeadEvents = (q: Queryable, type: 'lead.created' | 'lead.status_changed', accountId: string, items: EventItem[]) =>
  recordEvents(q, type, accountId, LEAD_EVENTS, items);

/** Order events (`order.created`, `order.status_changed`) of the orders `items`. */
export const recordOrderEvents = (q: Queryable, type: 'order.created' | 'order.status_changed', accountId: string, items: EventItem[]) =>
  recordEvents(q, type, accountId, ORDER_EVENTS, items);

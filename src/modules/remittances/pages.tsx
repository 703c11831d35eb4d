import type { FastifyInstance } from 'fastify';
import { ErrorBag, isStoredDate, messages } from '../../http/validation.js';
import { notFound } from '../../http/errors.js';
import { zonedInstant } from '../../lib/time-zone.js';
import { listQuery } from '../../web/list-query.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { queryText } from '../../web/query.js';
import { done } from '../../web/respond.js';
import { wantsJson } from '../../web/scope.js';
import { multipartForms, Upload } from '../settings/uploads.js';
import { remittancePolicy } from './policy.js';
import { COURIER_CASH_SORTS, courierCash, findCourier, pendingOrders } from './queries.js';
import { MAX_CSV_BYTES, MAX_ORDERS, ONE_COURIER, remittanceBody } from './schemas.js';
import { parseCsv, recordRemittance, throwLineErrors } from './service.js';
import { CourierCashPage, RemittanceForm } from './views.js';

/** The lists' query (`page`, `per_page` 1–1000, default 25, `search`): couriers by name. */
const courierCashQuery = listQuery({ sorts: Object.keys(COURIER_CASH_SORTS), defaultSort: 'name', defaultDirection: 'asc' });

/** Courier cash (finance.md): what each courier owes, and recording what they handed over. */
export async function remittancesPages(web: FastifyInstance) {
  // One field per ticked order, up to the body's limit on them, and the form's own few.
  await multipartForms(web, { maxFileBytes: MAX_CSV_BYTES, maxFields: MAX_ORDERS + 20 });
  const { db } = web;
  addNav({ label: 'Courier cash', href: '/remittances', icon: 'truck', visible: remittancePolicy.can('view'), section: 'Finance' });

  web.get('/remittances', { config: { can: remittancePolicy.can('view') } }, async (req, reply) => {
    const page = await courierCash(db, courierCashQuery(req));
    if (wantsJson(req)) return reply.send({ data: page.rows, meta: page.meta });
    return renderPage(req, reply, { title: 'Courier cash', body: <CourierCashPage rows={page.rows} meta={page.meta} /> });
  });

  web.get('/remittances/create', { config: { can: remittancePolicy.can('create') } }, async (req, reply) => {
    const courier = await findCourier(db, {
      shipping_company_id: queryText(req, 'shipping_company_id'),
      delivery_user_id: queryText(req, 'delivery_user_id'),
    });
    if (!courier) throw notFound();
    const orders = await pendingOrders(db, courier);
    if (wantsJson(req)) return reply.send({ data: orders.map((o) => ({ ...o, expected: Number(o.expected) })) });
    return renderPage(req, reply, { title: 'Record a remittance', body: <RemittanceForm courier={courier} orders={orders} /> });
  });

  web.post('/remittances', { config: { can: remittancePolicy.can('create') } }, async (req, reply) => {
    const raw = { ...((req.body ?? {}) as Record<string, unknown>) };
    const file = raw.file;
    delete raw.file;
    delete raw._token;
    delete raw._method;
    if (Array.isArray(raw['order_ids[]'])) raw.order_ids = raw['order_ids[]'];
    delete raw['order_ids[]'];
    req.body = { ...raw, csv: undefined }; // neither a file nor a CSV goes back into the session as old input
    const bag = new ErrorBag();
    const input = remittanceBody.check(raw, bag);
    let csv = typeof input.csv === 'string' ? input.csv : null; // a csv that is no text is the schema's 422 already
    if (file instanceof Upload) {
      if (file.truncated) bag.add('file', `The file field must not be greater than ${MAX_CSV_BYTES / 1024} kilobytes.`);
      else csv = file.data.toString('utf8');
    }
    const both = Boolean(input.shipping_company_id) === Boolean(input.delivery_user_id);
    if (both) bag.add('shipping_company_id', ONE_COURIER);
    const courier = both ? undefined : await findCourier(db, input);
    if (!both && !courier)
      bag.add(
        input.shipping_company_id ? 'shipping_company_id' : 'delivery_user_id',
        messages.invalid(input.shipping_company_id ? 'shipping_company_id' : 'delivery_user_id'),
      );
    const lines = csv && !(input.order_ids && input.order_ids.length) ? parseCsv(csv, bag) : undefined;
    // The orders are looked up with every other error, in one 422 (api-v1.md): a malformed CSV line or
    // a bad date beside an unknown order. Only without a courier or a readable list there is nothing to look up.
    if (!courier || bag.has('order_ids') || bag.has('csv') || bag.has('file')) throwLineErrors(bag, remittanceBody.schema);
    const receivedAt = bag.has('received_at') ? '' : zonedInstant(input.received_at, req.server.config.timezone); // the dashboard's day
    // Cash received later than now is a typing mistake (finance audit: 2099-06-01 was recorded); today is fine, its day starts before now.
    if (receivedAt && Date.parse(receivedAt.replace(' ', 'T')) > Date.now())
      bag.add('received_at', messages.beforeOrEqualNow('received_at'));
    // Before year 1 in UTC, through an offset or a wall clock of TIMEZONE (0001-01-01 in Tokyo), is no date a record keeps.
    else if (receivedAt && !isStoredDate(receivedAt)) bag.add('received_at', messages.date('received_at'));
    const id = await db.tx((q) =>
      recordRemittance(
        q,
        req.user!,
        courier!,
        {
          order_ids: input.order_ids,
          lines,
          received_at: receivedAt,
          comment: input.comment ?? null,
          confirm: input.confirm === true,
        },
        bag,
      ),
    );
    const { rows } = await db.query(
      `SELECT id, shipping_company_id, delivery_user_id, amount::float8 AS amount, expected::float8 AS expected,
              iso_utc(received_at) AS received_at, comment, iso_utc(created_at) AS created_at,
              (SELECT count(*)::int FROM remittance_orders WHERE remittance_id = r.id) AS orders
         FROM remittances r WHERE id = $1`,
      [id],
    );
    return done(req, reply, { message: 'Remittance recorded.', redirect: '/remittances', data: rows[0], status: 201 });
  });
}

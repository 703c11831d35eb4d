import { queryRecord } from '../../web/query.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Readable } from 'node:stream';
import { forbidden, notFound } from '../../http/errors.js';
import { ErrorBag, checkEachExists, distinctStrings, messages } from '../../http/validation.js';
import { newId } from '../../lib/ids.js';
import { formBody } from '../../web/form-body.js';
import { listQuery } from '../../web/list-query.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import type { IdRoute, WebUser } from '../../web/types.js';
import type { PageMeta } from '../../db/paging.js';
import { accountOptions } from '../accounts/queries.js';
import { cents } from '../ledger/schemas.js';
import { balanceOf } from '../ledger/queries.js';
import { Upload, multipartForms } from '../settings/uploads.js';
import { invoicePolicy } from './policy.js';
import {
  findInvoice,
  historyProof,
  invoiceHistories,
  invoicePage,
  lockInvoice,
  INVOICE_SORTS,
  maskDetails,
  paidTo,
  paymentDetails,
  seesDetailsOf,
  statementOf,
  type InvoiceFilters,
  type InvoiceJson,
  type InvoiceRow,
} from './queries.js';
import {
  amountTooHigh,
  bankAccountBody,
  deleteBody,
  detailsMissing,
  mayMoveInvoice,
  INVOICE_STATUSES,
  MAX_PROOF_BYTES,
  paidBody,
  payoutRequest,
  PAYMENT_METHODS,
  paypalBody,
  PROOF_NOT_FILE,
  PROOF_TOO_BIG,
  PROOF_WRONG_TYPE,
  type InvoiceStatus,
  type PaymentMethod,
} from './schemas.js';
import { AMOUNT_OVER_HIDDEN_BALANCE, deleteInvoices, hidesBalance, moveInvoice, requestPayout, savePaymentDetails } from './service.js';
import { statementPdf } from './statement.js';
import { InvoicePage, InvoicesList, LIST, PaymentSettings, RequestForm, showUrl } from './views.js';

const invoiceList = listQuery({
  sorts: INVOICE_SORTS,
  defaultSort: 'created_at',
  statuses: INVOICE_STATUSES,
  filters: { payment_method: Type.String({ enum: [...PAYMENT_METHODS] }), account_id: Type.String({ maxLength: 100 }) },
});

/** The proof's type by its first bytes (whatever the browser claimed). */
function sniffProof(data: Buffer): string | undefined {
  if (data.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpg';
  return undefined;
}

const sendFile = (reply: FastifyReply, type: string, name: string, body: Buffer | Readable, disposition = 'inline') =>
  reply
    .header('content-type', type)
    .header('content-disposition', `${disposition}; filename="${name}"`)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'")
    .send(body);

/** What the user may do to this invoice now (the page's buttons; the routes check the same). */
function allowed(user: WebUser, inv: InvoiceRow) {
  const may = (s: InvoiceStatus) => mayMoveInvoice(user.role, inv.status, s);
  return {
    paid: invoicePolicy.authorize(user, 'paid') && may('paid'),
    unpaid: invoicePolicy.authorize(user, 'paid') && may('pending'),
    cancel: invoicePolicy.authorize(user, 'cancel') && may('canceled'),
    delete: invoicePolicy.authorize(user, 'delete') && inv.status === 'canceled',
  };
}

/** Payouts on the seed's `/invoices…` routes, their PDF statement and proof (finance.md). */
export async function invoicesPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  addNav({ label: 'Payouts', href: LIST, icon: 'tag', visible: invoicePolicy.can('view'), section: 'Finance' });

  const load = async (req: FastifyRequest<IdRoute>) => {
    const row = await findInvoice(db, req.user!, req.params.id);
    if (!row) throw notFound();
    return row;
  };
  const fresh = async (req: FastifyRequest, id: string) => (await findInvoice(db, req.user!, id))!.data;

  web.get(LIST, { config: { can: invoicePolicy.can('view') } }, async (req, reply) => {
    const f = invoiceList(req) as InvoiceFilters;
    const staff = req.user!.role !== 'seller';
    const body = await invoicePage(db, req.user!, f, !wantsJson(req) && staff);
    if (wantsJson(req)) return reply.type('application/json; charset=utf-8').send(body);
    const page = JSON.parse(body) as { data: (InvoiceJson & { account_name?: string })[]; meta: PageMeta };
    return renderPage(req, reply, {
      title: 'Payouts',
      body: (
        <InvoicesList
          rows={page.data}
          meta={page.meta}
          accounts={staff ? await accountOptions(db) : null}
          canRequest={invoicePolicy.authorize(req.user!, 'request')}
        />
      ),
    });
  });

  web.get('/invoices/create', { config: { can: invoicePolicy.can('request') } }, async (req, reply) =>
    renderPage(req, reply, { title: 'Request a payout', body: <RequestForm balance={(await balanceOf(db, req.user!.account_id!))!} /> }),
  );

  web.post('/invoices/create/request', { config: { can: invoicePolicy.can('request') } }, async (req, reply) => {
    const accountId = req.user!.account_id!;
    const bag = new ErrorBag();
    const input = payoutRequest.check(formBody(req), bag);
    // Every field's error at once; the balance is checked again under its lock when booking.
    const hideBalance = hidesBalance(req.user!, wantsJson(req));
    if (typeof input.amount === 'number' && !bag.has('amount')) {
      const { available } = (await balanceOf(db, accountId))!;
      if (input.amount > available) bag.add('amount', hideBalance ? AMOUNT_OVER_HIDDEN_BALANCE : amountTooHigh(Math.max(0, available)));
    }
    if (input.payment_method && !bag.has('payment_method')) {
      const d = await paymentDetails(db, accountId);
      const method = input.payment_method as PaymentMethod;
      const filled = method === 'paypal' ? Boolean(d.paypal_email) : Boolean(d.iban && d.bank_name && d.account_holder);
      if (!filled) bag.add('payment_method', detailsMissing(method));
    }
    bag.throwIfAny(payoutRequest.schema);
    const id = await db.tx((q) =>
      requestPayout(
        q,
        req.user!,
        accountId,
        {
          amount: cents(input.amount),
          payment_method: input.payment_method as PaymentMethod,
          comment: input.comment ?? null,
        },
        hideBalance,
      ),
    );
    return done(req, reply, { message: 'Payout requested.', redirect: showUrl(id), data: await fresh(req, id), status: 201 });
  });

  web.get<IdRoute>('/invoices/:id/show', { config: { can: invoicePolicy.can('view') } }, async (req, reply) => {
    const row = await load(req);
    if (wantsJson(req)) return reply.send({ data: row.data });
    const details = paidTo(row);
    return renderPage(req, reply, {
      title: `Payout ${row.reference}`,
      body: (
        <InvoicePage
          invoice={row.data}
          accountName={row.account_name}
          history={await invoiceHistories(db, row.id)}
          details={seesDetailsOf(req.user!, row.account_id) ? details : maskDetails(details)}
          can={allowed(req.user!, row)}
        />
      ),
    });
  });

  web.get<IdRoute>('/invoices/:id/pdf', { config: { can: invoicePolicy.can('view') } }, async (req, reply) => {
    const row = await load(req);
    const pdf = await statementPdf(row, await statementOf(db, row), web.config.timezone);
    return sendFile(reply, 'application/pdf', `${row.reference}.pdf`, pdf, 'attachment');
  });

  // The payout's current proof, or with `?history=<id>` the one a history row kept (after an un-paid).
  web.get<IdRoute>('/invoices/:id/proof', { config: { can: invoicePolicy.can('view') } }, async (req, reply) => {
    const row = await load(req);
    const history = queryRecord(req).history;
    const path = history === undefined ? row.proof_path : typeof history === 'string' ? await historyProof(db, row.id, history) : undefined;
    const file = path ? await web.files.get(path) : undefined;
    if (!path || !file) throw notFound();
    return sendFile(reply, file.type, `${row.reference}-proof${path.slice(path.lastIndexOf('.'))}`, file.stream);
  });

  /** A move of a locked invoice, in one transaction with its ledger row and history. */
  const move = async (req: FastifyRequest<IdRoute>, reply: FastifyReply, to: InvoiceStatus, message: string) => {
    await load(req);
    const bag = new ErrorBag();
    const input = paidBody.check(formBody(req), bag);
    bag.throwIfAny(paidBody.schema);
    // Read back in the move's transaction: a canceled payout may be deleted the moment it commits.
    const data = await db.tx(async (q) => {
      const row = await lockInvoice(q, req.user!, req.params.id);
      await moveInvoice(q, req.user!, row, to, { comment: input.comment ?? null });
      return (await findInvoice(q, req.user!, row.id))!.data;
    });
    return done(req, reply, { message, redirect: showUrl(req.params.id), data });
  };
  route<IdRoute>('PATCH', '/invoices/:id/un-paid/request', { config: { can: invoicePolicy.can('paid') } }, (req, reply) =>
    move(req, reply, 'pending', 'Payout marked as unpaid.'),
  );
  route<IdRoute>('PATCH', '/invoices/:id/cancel/request', { config: { can: invoicePolicy.can('cancel') } }, (req, reply) =>
    move(req, reply, 'canceled', 'Payout canceled.'),
  );

  route('DELETE', '/invoices/delete', { config: { can: invoicePolicy.can('delete') } }, async (req, reply) => {
    const bag = new ErrorBag();
    const sent = deleteBody.check(formBody(req), bag).ids;
    const found = new Map<string, InvoiceRow>();
    if (!bag.has('ids')) {
      for (const id of distinctStrings(sent)) {
        const row = await findInvoice(db, req.user!, id);
        if (row) found.set(id, row);
      }
      checkEachExists(bag, 'ids', sent, (id) => found.has(id));
      sent?.forEach((id, i) => {
        const row = found.get(id);
        if (row && row.status !== 'canceled')
          bag.add(`ids.${i}`, `${row.reference} is ${row.status}: only canceled payouts can be deleted.`);
      });
    }
    const rows = [...found.values()];
    bag.throwIfAny(deleteBody.schema);
    await db.tx((q) => deleteInvoices(q, req.user!, rows));
    return done(req, reply, { message: rows.length === 1 ? 'Payout deleted.' : `${rows.length} payouts deleted.`, redirect: LIST });
  });

  // Payment details (finance.md): the seller's own; admins read any account's with ?account_id.
  web.get('/settings/payment', { config: { can: invoicePolicy.can('request') } }, async (req, reply) => {
    const d = await paymentDetails(db, req.user!.account_id!);
    if (wantsJson(req)) return reply.send({ data: d });
    return renderPage(req, reply, { title: 'Payment details', body: <PaymentSettings details={d} /> });
  });
  const saveDetails =
    (v: typeof bankAccountBody | typeof paypalBody, message: string) => async (req: FastifyRequest, reply: FastifyReply) => {
      const bag = new ErrorBag();
      const body = { ...formBody(req) };
      // An IBAN as printed (`MA64 0112 …`, up to 42 characters) is 34 once its spaces are out.
      if (typeof body.iban === 'string') body.iban = body.iban.replace(/\s+/g, '');
      const input = v.check(body, bag) as Record<string, string>;
      bag.throwIfAny(v.schema);
      if ('iban' in input) input.iban = input.iban.toUpperCase();
      await db.tx((q) => savePaymentDetails(q, req.user!, req.user!.account_id!, input));
      return done(req, reply, { message, redirect: '/settings/payment', data: await paymentDetails(db, req.user!.account_id!) });
    };
  route(
    'PATCH',
    '/settings/payment/bank-account',
    { config: { can: invoicePolicy.can('request') } },
    saveDetails(bankAccountBody, 'Bank account saved.'),
  );
  route(
    'PATCH',
    '/settings/payment/paypal',
    { config: { can: invoicePolicy.can('request') } },
    saveDetails(paypalBody, 'PayPal email saved.'),
  );
  addNav({ label: 'Payment details', href: '/settings/payment', icon: 'key', visible: invoicePolicy.can('request'), section: 'Settings' });

  await web.register(proofPages);
}

/** `PATCH /invoices/{id}/paid/request`: a multipart form with the proof (`file`), only here. */
async function proofPages(web: FastifyInstance) {
  await multipartForms(web, { maxFileBytes: MAX_PROOF_BYTES });
  const { db, files } = web;
  const route = formRoutes(web);
  route<IdRoute>('PATCH', '/invoices/:id/paid/request', { config: { can: invoicePolicy.can('paid') } }, async (req, reply) => {
    if (!invoicePolicy.authorize(req.user!, 'paid')) throw forbidden();
    const row = await findInvoice(db, req.user!, req.params.id);
    if (!row) throw notFound();
    const raw = (req.body ?? {}) as Record<string, unknown>;
    const file = raw.file;
    req.body = { comment: raw.comment }; // a file never goes back into the session as old input
    const bag = new ErrorBag();
    const input = paidBody.check({ comment: raw.comment }, bag);
    let ext: string | undefined;
    if (file === undefined || file === null || file === '') bag.add('file', messages.required('file'));
    else if (!(file instanceof Upload)) bag.add('file', PROOF_NOT_FILE);
    else if (file.truncated || file.data.length > MAX_PROOF_BYTES) bag.add('file', PROOF_TOO_BIG);
    else if (!(ext = sniffProof(file.data))) bag.add('file', PROOF_WRONG_TYPE);
    bag.throwIfAny();
    const path = `invoice-proofs/${row.id}/${newId()}.${ext}`;
    await files.put(path, Readable.from((file as Upload).data));
    let data: InvoiceJson;
    try {
      data = await db.tx(async (q) => {
        const locked = await lockInvoice(q, req.user!, row.id);
        await moveInvoice(q, req.user!, locked, 'paid', { comment: input.comment ?? null, proofPath: path });
        return (await findInvoice(q, req.user!, row.id))!.data;
      });
    } catch (err) {
      await files.delete(path);
      throw err;
    }
    return done(req, reply, { message: 'Payout marked as paid.', redirect: showUrl(row.id), data });
  });
}

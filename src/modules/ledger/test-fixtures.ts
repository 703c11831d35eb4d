import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { HOST, type Agent } from '../../test-support/session.js';
import type { Database } from '../../db/database.js';
import { SYSTEM } from '../../core/actor.js';
import { newId } from '../../lib/ids.js';
import { tenant, type Tenant } from '../../test-support/harness.js';
import { productId, stock, warehouse } from '../stocks/test-fixtures.js';
import { createLead } from '../leads/service.js';
import { transitionLeads } from '../leads/lifecycle.js';
import { createOrder } from '../orders/service.js';
import { transitionOrders } from '../orders/lifecycle.js';
import type { OrderStatus } from '../orders/transitions.js';

/** A seller's account with plenty of P1 in stock, so its orders can ship. */
export async function moneyShop(db: Database): Promise<Tenant> {
  const shop = await tenant(db);
  await stock(db, await productId(db, shop.accountId, 'P1'), await warehouse(db), { quantity: 1_000_000 });
  return shop;
}

/** A city with a unique name, and a manual shipping company serving it at these fees. */
export async function companyServing(db: Database, fees: { delivery: number; return: number }) {
  const city = newId();
  const cityName = `City ${city.slice(-8)}`;
  await db.query('INSERT INTO cities (id, name) VALUES ($1, $2)', [city, cityName]);
  const company = newId();
  await db.query(`INSERT INTO shipping_companies (id, name, adapter) VALUES ($1, $2, 'manual')`, [company, `Courier ${company.slice(-8)}`]);
  await db.query('INSERT INTO shipping_company_cities (shipping_company_id, city_id, delivery_fee, return_fee) VALUES ($1, $2, $3, $4)', [
    company,
    city,
    fees.delivery,
    fees.return,
  ]);
  return { company, cityName };
}

export interface MadeOrder {
  id: string;
  reference: string;
}

/** A hand-made order (status new) of one P1 line. */
export async function makeOrder(
  db: Database,
  accountId: string,
  o: { total: number; city?: string; feesByCustomer?: boolean },
): Promise<MadeOrder> {
  const reference = await db.tx((q) =>
    createOrder(q, SYSTEM, accountId, {
      full_name: 'Customer',
      phone: '0612345678',
      city: o.city ?? 'Rabat',
      address: '1 Avenue Hassan II',
      is_fees_paid_by_customer: o.feesByCustomer ?? false,
      total: o.total,
      products: [{ sku: 'P1', quantity: 1, price: o.total }],
    }),
  );
  const { rows } = await db.query<{ id: string }>('SELECT id FROM orders WHERE account_id = $1 AND reference = $2', [accountId, reference]);
  return { id: rows[0].id, reference };
}

/** A lead confirmed into an order (the confirmation fee's case). */
export async function confirmedOrder(db: Database, accountId: string, o: { total: number; city?: string }): Promise<MadeOrder> {
  return db.tx(async (q) => {
    const ref = await createLead(q, SYSTEM, accountId, {
      phone: `06${String(10_000_000 + Math.floor(Math.random() * 89_999_999))}`,
      full_name: 'Lead customer',
      city: o.city ?? 'Rabat',
      address: '2 Rue Test',
      products: [{ sku: 'P1', quantity: 1, price: o.total }],
    });
    const { rows } = await q.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1 AND reference = $2', [accountId, ref]);
    await transitionLeads(q, SYSTEM, accountId, [{ id: rows[0].id, from: 'new', to: 'confirmed' }]);
    const order = await q.query<{ id: string; reference: string }>('SELECT o.id, o.reference FROM orders o WHERE o.lead_id = $1', [
      rows[0].id,
    ]);
    return order.rows[0];
  });
}

/** Moves an order through the one lifecycle function (as the system), locking it first. */
export async function moveOrder(db: Database, accountId: string, id: string, to: OrderStatus, opts: { company?: string } = {}) {
  await db.tx(async (q) => {
    const { rows } = await q.query<{ status: OrderStatus }>('SELECT status FROM orders WHERE id = $1 FOR UPDATE', [id]);
    await transitionOrders(q, SYSTEM, accountId, [
      {
        id,
        from: rows[0].status,
        to,
        comment: null,
        trackingNumber: to === 'shipped' ? `TN-${newId().slice(-10)}` : null,
        shippingCompanyId: to === 'shipped' ? (opts.company ?? null) : null,
      },
    ]);
  });
}

/** An account's ledger rows, oldest first. */
export async function ledgerRows(db: Database, accountId: string) {
  const { rows } = await db.query<{ kind: string; amount: number; balance_after: number; order_id: string | null; attempt: number | null }>(
    `SELECT kind, amount::float8 AS amount, balance_after::float8 AS balance_after, order_id, attempt
       FROM balance_histories WHERE account_id = $1 ORDER BY id`,
    [accountId],
  );
  return rows;
}

/**
 * A multipart form (`_method` PATCH) with one `file`, as `a`: the "mark as paid" form. It asks for
 * JSON, or, given `back` (the page it was sent from), posts as a browser does from that page.
 */
export async function multipartPatch(
  app: FastifyInstance,
  a: Agent,
  url: string,
  fields: Record<string, string>,
  file?: { name: string; type: string; data: Buffer },
  back?: string,
): Promise<LightMyRequestResponse> {
  return multipartForm(app, a, url, { _method: 'PATCH', ...fields }, file, back);
}

/** A multipart POST as `a` (a field given a list is repeated, as checkboxes are), with an optional `file`; see multipartPatch. */
export async function multipartForm(
  app: FastifyInstance,
  a: Agent,
  url: string,
  fields: Record<string, string | string[]>,
  file?: { name: string; type: string; data: Buffer },
  back?: string,
): Promise<LightMyRequestResponse> {
  if (!a.token) await a.get('/');
  const boundary = '----codops' + newId();
  const parts: Buffer[] = [];
  for (const [k, list] of Object.entries({ _token: a.token, ...fields }))
    for (const v of Array.isArray(list) ? list : [list])
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
    );
    parts.push(file.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return app.inject({
    method: 'POST',
    url,
    payload: Buffer.concat(parts),
    headers: {
      host: HOST,
      cookie: `codops_session=${a.session}`,
      referer: `http://${HOST}${back ?? '/'}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      accept: back ? 'text/html' : 'application/json',
    },
  });
}

/** The smallest PDF the proof check accepts. */
export const PDF_PROOF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/** A new shop's orders of these totals, delivered by a new company without fees (courier cash). */
export async function deliveredByCompany(db: Database, totals: number[]) {
  const s = await moneyShop(db);
  const { company, cityName } = await companyServing(db, { delivery: 0, return: 0 });
  const made = [];
  for (const total of totals) {
    const o = await makeOrder(db, s.accountId, { total, city: cityName });
    await moveOrder(db, s.accountId, o.id, 'shipped', { company });
    await moveOrder(db, s.accountId, o.id, 'delivered');
    made.push(o);
  }
  return { company, made };
}

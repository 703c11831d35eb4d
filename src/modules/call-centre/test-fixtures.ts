// Test fixtures of the call centre: an account with products, leads in given states, agents.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { Database } from '../../db/database.js';
import { SYSTEM } from '../../core/actor.js';
import { newId } from '../../lib/ids.js';
import { person, type Person } from '../../test-support/people.js';
import { createAccount } from '../accounts/service.js';
import { createLeads } from '../leads/service.js';
import { createProduct } from '../products/service.js';

export interface Shop {
  accountId: string;
  /** Product ids by SKU: A, B, C (price 100, 40, 10). */
  products: Record<'A' | 'B' | 'C', string>;
}

export async function shop(db: Database): Promise<Shop> {
  const { id: accountId } = await createAccount(db, { name: `Shop ${newId().slice(-6)}` });
  const products = {} as Shop['products'];
  for (const [sku, price] of [
    ['A', 100],
    ['B', 40],
    ['C', 10],
  ] as const) {
    products[sku] = (await createProduct(db, { accountId, sku, name: `Product ${sku}`, price })).id;
  }
  return { accountId, products };
}

let phoneSeq = Math.floor(Math.random() * 1_000_000);

/** Creates leads of `skus` (one line each), then sets the given columns; answers their ids in order. */
export async function leads(
  db: Database,
  s: Shop,
  specs: { sku: 'A' | 'B' | 'C'; phone?: string; set?: string; age?: number }[],
): Promise<string[]> {
  const refs = await db.tx((q) =>
    createLeads(q, SYSTEM, s.accountId, {
      leads: specs.map((x) => ({
        full_name: 'Customer Test',
        phone: x.phone ?? `06${String(30_000_000 + phoneSeq++).padStart(8, '0')}`,
        city: 'Casablanca',
        address: '1 Rue de Fes',
        products: [{ sku: x.sku, quantity: 1, price: x.sku === 'A' ? 100 : x.sku === 'B' ? 40 : 10 }],
      })),
    }),
  );
  const { rows } = await db.query<{ id: string; reference: string }>(
    'SELECT id, reference FROM leads WHERE account_id = $1 AND reference = ANY($2::text[])',
    [s.accountId, refs],
  );
  const byRef = new Map(rows.map((r) => [r.reference, r.id]));
  const ids = refs.map((r) => byRef.get(r)!);
  for (const [i, x] of specs.entries()) {
    // `age` minutes old; `set` any further SQL assignments (status, callback_at, …).
    const sets = [`created_at = now() - make_interval(mins => ${x.age ?? 0})`, x.set].filter(Boolean).join(', ');
    await db.query(`UPDATE leads SET ${sets} WHERE id = $1`, [ids[i]]);
  }
  return ids;
}

/** An agent confirming `productIds`, with optional working hours and handlings. */
export async function agentOf(
  db: Database,
  productIds: string[],
  opts: { hours?: { startTime: string; endTime: string }[]; handlings?: string[]; callCenterId?: string } = {},
): Promise<Person> {
  const p = await person(db, 'agent');
  await db.query(
    `UPDATE users SET products_ids_to_confirm = $2::jsonb, agent_working_hours = $3::jsonb, agent_status_handlings = $4::jsonb,
            call_center_id = $5 WHERE id = $1`,
    [p.id, JSON.stringify(productIds), JSON.stringify(opts.hours ?? []), JSON.stringify(opts.handlings ?? []), opts.callCenterId ?? null],
  );
  return p;
}

/** Asserts the status (200 by default) and answers the JSON body. */
export function ok(res: LightMyRequestResponse, status = 200) {
  assert.equal(res.statusCode, status, res.body.slice(0, 400));
  return res.json();
}

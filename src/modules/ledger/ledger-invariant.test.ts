// The ledger's invariants under 300 random steps (finance.md): after every step the balance equals
// the sum of the ledger and its last balance_after, every delivery attempt has exactly the fee rows
// computed here independently (in integer cents) from the fees of its moment (the cash collected: the
// amount fixed when the order shipped), and available never goes negative through a payout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../../lib/ids.js';
import { testApp, type TestApp, type Tenant } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login, type Agent } from '../../test-support/session.js';
import type { OrderStatus } from '../orders/transitions.js';
import { companyServing, confirmedOrder, makeOrder, moneyShop, moveOrder, multipartPatch, PDF_PROOF } from './test-fixtures.js';

const STEPS = 300;
const SEED = Number(process.env.LEDGER_SEED ?? Date.now() % 1_000_000);

/** mulberry32: a small seeded generator, so a failing run can be replayed with LEDGER_SEED. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(SEED);
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(xs: T[]): T | undefined => (xs.length ? xs[Math.floor(random() * xs.length)] : undefined);

/** Fees in cents (cod in hundredths of a percent). */
interface FeesC {
  confirmation: number;
  fulfilment: number;
  delivery: number;
  return: number;
  cod: number;
}
interface ModelOrder {
  id: string;
  status: OrderStatus;
  fromLead: boolean;
  byCustomer: boolean;
  totalC: number;
  served: boolean;
  company: string | null;
  attempts: number;
  /** The cash to collect fixed when it shipped (null until then, and after a renew). */
  codC: number | null;
}
interface Expected {
  kind: string;
  cents: number;
  order: string | null;
  attempt: number | null;
}

let t: TestApp;
let shop: Tenant;
let seller: Agent;
let admin: Agent;
let company: string;
let servedCity: string;
const COMPANY_FEES = { delivery: 2750, return: 1125 };

before(async () => {
  t = await testApp();
  shop = await moneyShop(t.db);
  seller = await login(t.app, shop.email);
  admin = await login(t.app, (await person(t.db, 'admin')).email);
  const c = await companyServing(t.db, { delivery: COMPANY_FEES.delivery / 100, return: COMPANY_FEES.return / 100 });
  company = c.company;
  servedCity = c.cityName;
  assert.equal((await seller.json('PATCH', '/settings/payment/paypal', { paypal_email: 'shop@example.test' })).statusCode, 200);
});
after(() => t.close());

const toMoney = (c: number) => Number((c / 100).toFixed(2));

test(`300 random steps keep the ledger's invariants (seed ${SEED})`, async () => {
  let fees: FeesC = { confirmation: 0, fulfilment: 0, delivery: 0, return: 0, cod: 0 };
  const orders: ModelOrder[] = [];
  const invoices: { id: string; status: 'pending' | 'paid' | 'canceled'; cents: number }[] = [];
  const expected: Expected[] = [];
  let balanceC = 0;
  const counts: Record<string, number> = {};

  const setFees = async () => {
    fees = { confirmation: int(0, 800), fulfilment: int(0, 1500), delivery: int(0, 3000), return: int(0, 1500), cod: int(0, 500) };
    const res = await admin.json('PATCH', `/accounts/${shop.accountId}/fees`, {
      confirmation_fee: toMoney(fees.confirmation),
      fulfilment_fee: toMoney(fees.fulfilment),
      default_delivery_fee: toMoney(fees.delivery),
      default_return_fee: toMoney(fees.return),
      cod_percent: toMoney(fees.cod),
    });
    assert.equal(res.statusCode, 200, res.body);
  };
  const book = (e: Expected) => {
    expected.push(e);
    balanceC += e.cents;
  };
  /** The spec's rows of one attempt, computed here from the model's fees (a 0 fee books no row). */
  /** The order's delivery and return fees now: its company's for its city, else the account's defaults. */
  const feesOf = (o: ModelOrder) => {
    const companyFee = o.company && o.served;
    return { delivery: companyFee ? COMPANY_FEES.delivery : fees.delivery, ret: companyFee ? COMPANY_FEES.return : fees.return };
  };
  const attemptRows = (o: ModelOrder, to: 'delivered' | 'returned') => {
    o.attempts += 1;
    const at = { order: o.id, attempt: o.attempts };
    const { delivery, ret } = feesOf(o);
    const fee = (kind: string, c: number) => c !== 0 && book({ kind, cents: -c, ...at });
    if (to === 'delivered') {
      const collected = o.codC!;
      book({ kind: 'delivered', cents: collected, ...at });
      fee('confirmation_fee', o.fromLead && o.attempts === 1 ? fees.confirmation : 0);
      fee('fulfilment_fee', fees.fulfilment);
      fee('delivery_fee', delivery);
      fee('cod_fee', Math.floor((collected * fees.cod + 5000) / 10000));
    } else {
      fee('confirmation_fee', o.fromLead && o.attempts === 1 ? fees.confirmation : 0);
      fee('fulfilment_fee', fees.fulfilment);
      fee('return_fee', ret);
    }
  };
  const move = async (o: ModelOrder, to: OrderStatus, company?: string | null) => {
    await moveOrder(t.db, shop.accountId, o.id, to, { company: company ?? undefined });
    if (to === 'shipped') {
      o.company = company ?? null;
      o.codC = o.totalC + (o.byCustomer ? feesOf(o).delivery : 0);
    }
    if (to === 'new') o.codC = null;
    if (to === 'delivered' || to === 'returned') attemptRows(o, to);
    o.status = to;
  };
  const inStatus = (s: OrderStatus) => orders.filter((o) => o.status === s);

  await setFees();
  const steps: [string, number, () => Promise<boolean>][] = [
    [
      'create',
      10,
      async () => {
        const served = random() < 0.6;
        const totalC = int(100, 50_000);
        const byCustomer = random() < 0.5;
        const m = await makeOrder(t.db, shop.accountId, {
          total: totalC / 100,
          city: served ? servedCity : 'Rabat',
          feesByCustomer: byCustomer,
        });
        orders.push({ id: m.id, status: 'new', fromLead: false, byCustomer, totalC, served, company: null, attempts: 0, codC: null });
        return true;
      },
    ],
    [
      'confirm',
      6,
      async () => {
        const served = random() < 0.6;
        const totalC = int(100, 50_000);
        const m = await confirmedOrder(t.db, shop.accountId, { total: totalC / 100, city: served ? servedCity : 'Rabat' });
        orders.push({ id: m.id, status: 'new', fromLead: true, byCustomer: false, totalC, served, company: null, attempts: 0, codC: null });
        return true;
      },
    ],
    // A company takes only orders of a city it serves (the others go with a courier of ours).
    ['ship', 12, async () => Boolean(await ifAny(inStatus('new'), (o) => move(o, 'shipped', random() < 0.6 && o.served ? company : null)))],
    ['deliver', 10, async () => Boolean(await ifAny(inStatus('shipped'), (o) => move(o, 'delivered')))],
    ['return', 6, async () => Boolean(await ifAny(inStatus('shipped'), (o) => move(o, 'returned')))],
    ['renew', 5, async () => Boolean(await ifAny([...inStatus('returned'), ...inStatus('canceled')], (o) => move(o, 'new')))],
    ['cancel', 3, async () => Boolean(await ifAny(inStatus('new'), (o) => move(o, 'canceled')))],
    [
      'payout request',
      7,
      async () => {
        const cents = int(100, Math.max(100, Math.round(balanceC * 1.3)));
        const res = await seller.json('POST', '/invoices/create/request', { amount: toMoney(cents), payment_method: 'paypal' });
        if (cents <= balanceC) {
          assert.equal(res.statusCode, 201, res.body);
          const id = res.json().data.id as string;
          book({ kind: 'payout_reserved', cents: -cents, order: null, attempt: null });
          invoices.push({ id, status: 'pending', cents });
        } else {
          assert.equal(res.statusCode, 422, res.body);
          assert.deepEqual(Object.keys(res.json().errors), ['amount']);
        }
        return true;
      },
    ],
    [
      'payout cancel',
      3,
      async () =>
        Boolean(
          await ifAny(
            invoices.filter((i) => i.status === 'pending'),
            async (i) => {
              assert.equal((await seller.json('PATCH', `/invoices/${i.id}/cancel/request`)).statusCode, 200);
              i.status = 'canceled';
              book({ kind: 'payout_released', cents: i.cents, order: null, attempt: null });
            },
          ),
        ),
    ],
    [
      'payout paid',
      3,
      async () =>
        Boolean(
          await ifAny(
            invoices.filter((i) => i.status === 'pending'),
            async (i) => {
              const res = await multipartPatch(
                t.app,
                admin,
                `/invoices/${i.id}/paid/request`,
                {},
                { name: 'proof.pdf', type: 'application/pdf', data: PDF_PROOF },
              );
              assert.equal(res.statusCode, 200, res.body);
              i.status = 'paid';
            },
          ),
        ),
    ],
    [
      'adjustment',
      3,
      async () => {
        // Debits sometimes beyond the balance: refused, as a payout beyond it is. A credit is taken
        // whatever the balance, even one that leaves a deficit smaller but not gone.
        const cents = random() < 0.7 ? int(1, 20_000) : -int(1, Math.max(1, balanceC) + 5_000);
        const res = await admin.json('POST', '/balance-histories/adjust', {
          account_id: shop.accountId,
          amount: toMoney(cents),
          comment: `step ${newId()}`,
        });
        if (cents < 0 && balanceC + cents < 0) {
          const message =
            balanceC > 0
              ? `The amount field must be at least -${(balanceC / 100).toFixed(2)}.`
              : 'The amount field must be greater than 0.00.';
          assert.deepEqual(res.json().errors, { amount: [message] }, res.body);
          return false;
        }
        assert.equal(res.statusCode, 201, res.body);
        book({ kind: 'adjustment', cents, order: null, attempt: null });
        return true;
      },
    ],
    ['fees change', 2, async () => (await setFees(), true)],
  ];
  const weights = steps.reduce((a, [, w]) => a + w, 0);

  for (let step = 1; step <= STEPS; step++) {
    let r = random() * weights;
    const [name, , run] = steps.find(([, w]) => (r -= w) < 0) ?? steps[0];
    const before = balanceC;
    const did = await run();
    if (did) counts[name] = (counts[name] ?? 0) + 1;
    const at = `step ${step} (${name}), seed ${SEED}`;

    const { rows } = await t.db.query<{
      kind: string;
      cents: number;
      balance_after: number;
      order_id: string | null;
      attempt: number | null;
    }>(
      `SELECT kind, (amount * 100)::int AS cents, (balance_after * 100)::int AS balance_after, order_id, attempt
         FROM balance_histories WHERE account_id = $1 ORDER BY id`,
      [shop.accountId],
    );
    // Every row the spec gives, in the order booked, and no other.
    assert.deepEqual(
      rows.map((x) => ({ kind: x.kind, cents: x.cents, order: x.order_id, attempt: x.attempt })),
      expected,
      at,
    );
    let running = 0;
    for (const x of rows) assert.equal(x.balance_after, (running += x.cents), at);
    const bal = (await seller.json('GET', '/balance')).json().data;
    assert.equal((await seller.json('GET', '/balance-histories?per_page=1')).json().meta.total, rows.length, at);
    assert.equal(Math.round(bal.balance * 100), running, at);
    assert.equal(Math.round(bal.balance * 100), balanceC, at);
    const pendingC = invoices.filter((i) => i.status === 'pending').reduce((a, i) => a + i.cents, 0);
    assert.equal(Math.round(bal.reserved * 100), pendingC, at);
    // Available never goes negative through a payout or a debit (a return's fees alone may take it below
    // zero; a credit then makes the deficit smaller).
    if (did && balanceC < before && (name === 'payout request' || name === 'adjustment'))
      assert.ok(bal.available >= 0, `${at}: available ${bal.available}`);
  }
  // The run covered every kind of step.
  for (const [name] of steps) assert.ok((counts[name] ?? 0) > 0, `no ${name} step ran (seed ${SEED}): ${JSON.stringify(counts)}`);
});

async function ifAny<T>(xs: T[], fn: (x: T) => Promise<void>): Promise<boolean> {
  const x = pick(xs);
  if (x === undefined) return false;
  await fn(x);
  return true;
}

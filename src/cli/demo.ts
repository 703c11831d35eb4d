import type { Database } from '../db/database.js';
import { createAccount } from '../modules/accounts/service.js';
import { transitionLeads } from '../modules/leads/lifecycle.js';
import { createLeads } from '../modules/leads/service.js';
import { transitionOrders } from '../modules/orders/lifecycle.js';
import { createProduct } from '../modules/products/service.js';
import { newId } from '../lib/ids.js';
import { incrementStock } from '../modules/stocks/service.js';
import { SCOPES } from '../core/scopes.js';
import { createToken } from '../modules/tokens/tokens.js';
import { SYSTEM } from '../core/actor.js';
import { createUser, findUserByEmail, insertUser } from '../modules/users/service.js';
import type { Role } from '../core/roles.js';

export interface DemoLogin {
  role: Role;
  email: string;
  password: string;
}

export interface Demo {
  id: string;
  account_id: string;
  admin: { email: string; password: string };
  seller: { email: string; password: string };
  /** Every demo login, one per role. */
  logins: DemoLogin[];
  /** The API token, shown only when the demo is first loaded (null afterwards: no second token). */
  token: string | null;
  instructions: string;
}

const ADMIN = { email: 'admin@codops.test', password: 'admin-password' };
const SELLER = { email: 'seller@codops.test', password: 'seller-password' };
/** The staff of the demo, created in this order (a manager before the agents who report to them). */
const STAFF: { role: Role; name: string; manager?: Role }[] = [
  { role: 'manager-leader', name: 'Demo Manager Leader' },
  { role: 'manager', name: 'Demo Manager', manager: 'manager-leader' },
  { role: 'call-center-manager', name: 'Demo Call Centre Manager', manager: 'manager-leader' },
  { role: 'agent', name: 'Demo Agent', manager: 'manager' },
  { role: 'follow-up-agent', name: 'Demo Follow-up Agent', manager: 'call-center-manager' },
  { role: 'stock-manager', name: 'Demo Stock Manager' },
  { role: 'sourcing-agent', name: 'Demo Sourcing Agent' },
  { role: 'delivery', name: 'Demo Courier' },
];
const staffLogin = (role: Role): DemoLogin => ({ role, email: `${role}@codops.test`, password: `${role}-password` });
const PRODUCTS = [
  ['ARGAN-100', 'Argan Oil 100ml', 199],
  ['AMLOU-250', 'Amlou 250g', 89],
  ['SAVON-BELDI', 'Savon Beldi', 45],
  ['RHASSOUL-200', 'Rhassoul Clay 200g', 59],
  ['KOHL-CLASSIC', 'Kohl Classic', 35],
] as const;
const CITIES = ['Casablanca', 'Rabat', 'Marrakech', 'Fes', 'Tangier', 'Agadir', 'الرباط'];
/** Warehouses and what each holds per SKU: Kohl is short, so some of its orders wait for stock. */
const WAREHOUSES = [
  ['Casablanca Main', 'Casablanca', '12 Rue Ibn Batouta', 80],
  ['Marrakech Depot', 'Marrakech', '4 Avenue Mohammed VI', 60],
] as const;
const SHORT_SKU = 'KOHL-CLASSIC';
const NAMES = ['Ahmed Benali', 'Fatima Zahra', 'Youssef Amrani', 'Khadija Idrissi', 'Omar Tazi', 'Salma Berrada', 'محمد العلوي'];

/**
 * A demo account with products, stock in two warehouses, cities, a login for every role, a few
 * hundred leads and orders in every status, and a token. Idempotent: a second run adds nothing
 * (no second token, no second set of leads) and prints the same logins. `baseUrl` is where the
 * server answers (from PORT and HOST).
 */
export async function seedDemo(db: Database, baseUrl = 'http://127.0.0.1:3000'): Promise<Demo> {
  return db.tx(async (q) => {
    // Two runs at once (PostgreSQL): the second waits for the first, then finds the demo and adds nothing.
    await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('codops:demo', 0))`);
    let seller = await findUserByEmail(q, SELLER.email);
    let accountId: string;
    let token: string | null = null;
    const fresh = !seller?.account_id;
    if (seller?.account_id) {
      accountId = seller.account_id;
    } else {
      accountId = (await createAccount(q, { name: 'Demo Shop' })).id;
      for (const [sku, name, price] of PRODUCTS) await createProduct(q, { accountId, sku, name, price });
      if (!(await findUserByEmail(q, ADMIN.email))) {
        await createUser(q, { role: 'admin', email: ADMIN.email, password: ADMIN.password, fullName: 'Demo Admin', phone: '0600000001' });
      }
      await createUser(q, {
        role: 'seller',
        email: SELLER.email,
        password: SELLER.password,
        fullName: 'Demo Seller',
        accountId,
        phone: '0600000002',
      });
      seller = (await findUserByEmail(q, SELLER.email))!;
      await seedStocks(q, accountId);
    }
    await seedCities(q);
    // The staff first: the demo's courier carries the orders it ships.
    const staff = await seedStaff(q, accountId);
    if (fresh) {
      await seedLeadsAndOrders(q, accountId, staff.get('delivery')!);
      token = (await createToken(q, { userId: seller!.id, accountId, name: 'Demo token', scopes: [...SCOPES], expiresAt: null })).token;
    }
    const logins: DemoLogin[] = [{ role: 'admin', ...ADMIN }, { role: 'seller', ...SELLER }, ...STAFF.map((s) => staffLogin(s.role))];
    const width = Math.max(...logins.map((l) => l.role.length));
    const instructions = [
      `Demo account ${accountId} is ready. Open ${baseUrl}/login and log in as:`,
      ...logins.map((l) => `  ${l.role.padEnd(width)}  ${l.email} / ${l.password}`),
      token
        ? `API token (shown once): ${token}`
        : 'API token: shown when the demo was first loaded; make another under Settings → API keys, or with `npx codops token:create`.',
      `Try: curl -H "Authorization: Bearer ${token ?? '<token>'}" ${baseUrl}/api/web/1.0/leads`,
    ].join('\n');
    return { id: accountId, account_id: accountId, admin: ADMIN, seller: SELLER, logins, token, instructions };
  });
}

type Tx = Parameters<Parameters<Database['tx']>[0]>[0];

/** Two warehouses (shared by every demo account) and a stock of each product in them, moved in through the stock rule. */
async function seedStocks(q: Tx, accountId: string) {
  const products = (await q.query<{ id: string; sku: string }>('SELECT id, sku FROM products WHERE account_id = $1', [accountId])).rows;
  for (const [name, city, address, quantity] of WAREHOUSES) {
    await q.query('INSERT INTO warehouses (id, name, city, address) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
      newId(),
      name,
      city,
      address,
    ]);
    const warehouseId = (
      await q.query<{ id: string }>('SELECT id FROM warehouses WHERE lower(name) = lower($1) ORDER BY id LIMIT 1', [name])
    ).rows[0].id;
    for (const p of products) {
      if (p.sku === SHORT_SKU && city !== 'Casablanca') continue;
      const stockId = newId();
      await q.query('INSERT INTO stocks (id, product_id, warehouse_id, warning_quantity) VALUES ($1, $2, $3, 20)', [
        stockId,
        p.id,
        warehouseId,
      ]);
      await incrementStock(q, SYSTEM, stockId, quantity, 'Opening stock');
    }
  }
}

/** `courierId`: the demo's delivery user, who carries every order the demo ships (domain.md: a shipped order has a courier or a company). */
async function seedLeadsAndOrders(q: Tx, accountId: string, courierId: string) {
  const leads = Array.from({ length: 400 }, (_, i) => ({
    full_name: NAMES[i % NAMES.length],
    phone: `06${String(10_000_000 + i * 7919).slice(0, 8)}`,
    city: CITIES[i % CITIES.length],
    address: `${i + 1} Boulevard Mohammed V`,
    data: [{ key: 'source', value: i % 2 ? 'facebook-ad' : 'tiktok-ad' }],
    products: [
      { sku: PRODUCTS[i % PRODUCTS.length][0], quantity: 1 + (i % 3), price: PRODUCTS[i % PRODUCTS.length][2] },
      ...(i % 4 === 0 ? [{ sku: PRODUCTS[(i + 1) % PRODUCTS.length][0], quantity: 1, price: PRODUCTS[(i + 1) % PRODUCTS.length][2] }] : []),
    ],
  }));
  await createLeads(q, SYSTEM, accountId, { leads });
  const { rows } = await q.query<{ id: string }>('SELECT id FROM leads WHERE account_id = $1 ORDER BY reference', [accountId]);
  // Ten customers order again while their first lead is still open: intake marks them duplicates of it.
  await createLeads(q, SYSTEM, accountId, { leads: leads.slice(0, 10).map((l) => ({ ...l, products: l.products.slice(0, 1) })) });
  // Leads 0-49 stay new; the rest spread over the other statuses, most of them confirmed.
  const plan: [number, number, 'no_reply' | 'call_later' | 'canceled' | 'wrong' | 'confirmed'][] = [
    [50, 90, 'no_reply'],
    [90, 120, 'call_later'],
    [120, 150, 'canceled'],
    [150, 165, 'wrong'],
    [165, 400, 'confirmed'],
  ];
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  await transitionLeads(
    q,
    SYSTEM,
    accountId,
    plan.flatMap(([from, to, status]) =>
      rows.slice(from, to).map((r) => ({
        id: r.id,
        from: 'new' as const,
        to: status,
        callbackAt: status === 'call_later' ? tomorrow : null,
        cancelReason: status === 'canceled' ? 'not_interested' : null,
      })),
    ),
  );
  // Orders waiting for stock cannot ship: the demo ships and cancels among those that reserved theirs.
  const orders = (
    await q.query<{ id: string; reference: string }>(
      'SELECT id, reference FROM orders WHERE account_id = $1 AND NOT waiting_for_stock ORDER BY reference',
      [accountId],
    )
  ).rows;
  const shipped = orders.slice(0, 170);
  // Shipped with the demo's courier, as the order page's ship form does: the reference is the parcel's number.
  await transitionOrders(
    q,
    SYSTEM,
    accountId,
    shipped.map((o) => ({ id: o.id, from: 'new', to: 'shipped', comment: null, trackingNumber: o.reference, deliveryUserId: courierId })),
  );
  await transitionOrders(q, SYSTEM, accountId, [
    ...shipped.slice(0, 110).map((o) => ({ id: o.id, from: 'shipped' as const, to: 'delivered' as const, comment: null })),
    ...shipped.slice(110, 140).map((o) => ({ id: o.id, from: 'shipped' as const, to: 'returned' as const, comment: 'customer refused' })),
    ...orders.slice(170, 195).map((o) => ({ id: o.id, from: 'new' as const, to: 'canceled' as const, comment: null })),
  ]);
}

/** The demo's cities, each with two areas, shared by every account (ON CONFLICT: a re-run adds nothing). */
async function seedCities(q: Tx) {
  for (const name of CITIES) {
    await q.query('INSERT INTO cities (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [newId(), name]);
    const cityId = (await q.query<{ id: string }>('SELECT id FROM cities WHERE lower(name) = lower($1)', [name])).rows[0].id;
    for (const area of ['Centre', 'Nord'])
      await q.query('INSERT INTO areas (id, city_id, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [newId(), cityId, area]);
  }
}

/**
 * One login per staff role: the agent confirms every demo product from 08:00 to 20:00, the stock
 * manager manages both warehouses, agents report to the call-centre manager and work in its call
 * centre. Existing logins are kept. Answers each staff role's user id.
 */
async function seedStaff(q: Tx, accountId: string): Promise<Map<Role, string>> {
  const productIds = (await q.query<{ id: string }>('SELECT id FROM products WHERE account_id = $1 ORDER BY sku', [accountId])).rows.map(
    (r) => r.id,
  );
  const warehouseIds = (
    await q.query<{ id: string }>('SELECT id FROM warehouses WHERE lower(name) = ANY($1::text[]) ORDER BY name', [
      WAREHOUSES.map(([name]) => name.toLowerCase()),
    ])
  ).rows.map((r) => r.id);
  const ids = new Map<Role, string>();
  for (const [i, s] of STAFF.entries()) {
    const login = staffLogin(s.role);
    const existing = await findUserByEmail(q, login.email);
    if (existing) {
      ids.set(s.role, existing.id);
      continue;
    }
    const id = await insertUser(q, s.role, null, {
      full_name: s.name,
      email: login.email,
      phone: `06000001${String(i).padStart(2, '0')}`,
      password: login.password,
      ...(s.manager ? { manager_id: ids.get(s.manager) ?? null } : {}),
      ...(s.role === 'agent'
        ? { products_ids_to_confirm: productIds, agent_working_hours: [{ startTime: '08:00', endTime: '20:00' }] }
        : {}),
      ...(s.role === 'stock-manager' ? { warehouses_ids_to_manage: warehouseIds } : {}),
    });
    ids.set(s.role, id);
  }
  await seedCallCentre(q, ids);
  return ids;
}

/** The demo's call centre, run by the call-centre manager, with the agent and the follow-up agent in it. */
async function seedCallCentre(q: Tx, ids: Map<Role, string>) {
  await q.query('INSERT INTO call_centers (id, name, manager_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
    newId(),
    'Demo Call Centre',
    ids.get('call-center-manager') ?? null,
  ]);
  await q.query(
    `UPDATE users SET call_center_id = (SELECT id FROM call_centers WHERE lower(name) = 'demo call centre')
      WHERE id = ANY($1::text[]) AND call_center_id IS NULL`,
    [(['call-center-manager', 'agent', 'follow-up-agent'] as Role[]).map((r) => ids.get(r)).filter(Boolean)],
  );
}

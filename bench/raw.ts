// The benchmark's leads, and the raw database path: the rows POST /leads writes, inserted by bare
// `INSERT … SELECT FROM unnest(…)` statements, without HTTP, validation or the app's layers.
import { newId } from '../src/lib/ids.js';
import { linesTotal } from '../src/lib/money.js';
import { normalizePhone } from '../src/lib/phone.js';
import { formatReference } from '../src/lib/references.js';

/** The status mix of a working account: most leads decided, a steady share still to call. */
export const STATUS_MIX: [string, number][] = [
  ['new', 0.3],
  ['no_reply', 0.12],
  ['call_later', 0.05],
  ['confirmed', 0.33],
  ['canceled', 0.12],
  ['wrong', 0.05],
  ['duplicate', 0.03],
];

export interface BenchProduct {
  id: string;
  sku: string;
  name: string;
  price: number;
}

export interface LeadBody {
  phone: string;
  full_name: string;
  city: string;
  address: string;
  data: { key: string; value: string }[];
  products: { sku: string; quantity: number; price: number }[];
}

const FIRST = ['Ahmed', 'Fatima', 'Youssef', 'Khadija', 'Omar', 'Salma', 'Hamza', 'Imane', 'Mehdi', 'Sara'];
const LAST = ['Benali', 'El Amrani', 'Tazi', 'Alaoui', 'Bennani', 'Idrissi', 'Chraibi', 'Berrada'];
const CITIES = ['Casablanca', 'Rabat', 'Marrakech', 'Fes', 'Tangier', 'Agadir', 'Meknes', 'Oujda'];
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)];

/** `n` valid leads of 2 distinct products each, Moroccan mobile numbers. */
export function makeLeads(n: number, products: BenchProduct[]): LeadBody[] {
  return Array.from({ length: n }, (_, i) => {
    const a = Math.floor(Math.random() * products.length);
    const b = (a + 1 + Math.floor(Math.random() * (products.length - 1))) % products.length;
    return {
      phone: `06${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
      full_name: `${pick(FIRST)} ${pick(LAST)}`,
      city: pick(CITIES),
      address: `${1 + (i % 300)} Boulevard Mohammed V`,
      data: [{ key: 'source', value: 'bench' }],
      products: [a, b].map((p) => ({ sku: products[p].sku, quantity: 1 + Math.floor(Math.random() * 3), price: products[p].price })),
    };
  });
}

/** The parameters of the three statements, prepared outside the timed part (ids, normalised phones, totals). */
export interface RawBatch {
  count: number;
  leads: unknown[][]; // id, full_name, phone, phone_normalized, city, area, address, data, total
  lines: unknown[][]; // lead_id, position, product_id, sku, name, quantity, price
  history: { from: null[]; to: string[]; comment: null[] };
  /** Loading only (--leads): a status per lead, else every lead is new. */
  statuses?: string[];
  /** Loading only: when each lead was created (ISO), else now. */
  createdAt?: string[];
}

export function prepareRaw(leads: LeadBody[], products: BenchProduct[]): RawBatch {
  const bySku = new Map(products.map((p) => [p.sku, p]));
  const ids = leads.map(() => newId());
  const lines: unknown[][] = [[], [], [], [], [], [], []];
  leads.forEach((l, i) =>
    l.products.forEach((line, j) => {
      const p = bySku.get(line.sku)!;
      [ids[i], j, p.id, p.sku, p.name, line.quantity, line.price].forEach((v, k) => lines[k].push(v));
    }),
  );
  return {
    count: leads.length,
    leads: [
      ids,
      leads.map((l) => l.full_name),
      leads.map((l) => l.phone),
      leads.map((l) => normalizePhone(l.phone)),
      leads.map((l) => l.city),
      leads.map(() => null),
      leads.map((l) => l.address),
      leads.map((l) => JSON.stringify(l.data)),
      leads.map((l) => linesTotal(l.products)),
    ],
    lines,
    history: { from: leads.map(() => null), to: leads.map(() => 'new'), comment: leads.map(() => null) },
  };
}

export interface Sql {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface HistoryActor {
  label: string;
  userId: string;
  tokenId: number;
}

/**
 * Writes a prepared batch inside the caller's transaction: the references (the statement of
 * src/lib/references.ts), then leads, lead_lines and lead_histories with the columns of
 * createLeads / insertLines / appendHistories. Answers the references.
 */
export async function insertRaw(q: Sql, accountId: string, actor: HistoryActor, b: RawBatch): Promise<string[]> {
  const { rows } = await q.query('SELECT reserve_references($1, $2, $3)::int[] AS refs', [accountId, 'lead', b.count]);
  const refs = (rows[0].refs as number[]).map((n) => formatReference('lead', n));
  const [ids, fullName, phone, phoneNormalized, city, area, address, data, total] = b.leads;
  await q.query(
    `INSERT INTO leads (id, account_id, reference, status, full_name, phone, phone_normalized, city, area, address, data, total, created_at)
     SELECT c.id, $1, c.reference, coalesce(c.status, 'new'), c.full_name, c.phone, c.phone_normalized, c.city, c.area, c.address, c.data, c.total,
            coalesce(c.created_at, now())
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                   $10::jsonb[], $11::numeric[], $12::text[], $13::timestamptz[])
         AS c(id, reference, full_name, phone, phone_normalized, city, area, address, data, total, status, created_at)`,
    [
      accountId,
      ids,
      refs,
      fullName,
      phone,
      phoneNormalized,
      city,
      area,
      address,
      data,
      total,
      b.statuses ?? ids.map(() => null),
      b.createdAt ?? ids.map(() => null),
    ],
  );
  await q.query(
    `INSERT INTO lead_lines (lead_id, position, product_id, sku, name, quantity, price)
     SELECT * FROM unnest($1::text[], $2::smallint[], $3::text[], $4::text[], $5::text[], $6::int[], $7::numeric[])`,
    b.lines,
  );
  await q.query(
    `INSERT INTO lead_histories (account_id, lead_id, old_status, new_status, comment, changed_by, user_id, token_id, impersonator_id)
     SELECT $1, c.id, c.old_status, c.new_status, c.comment, $6, $7, $8, $9
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS c(id, old_status, new_status, comment)`,
    [accountId, ids, b.history.from, b.history.to, b.history.comment, actor.label, actor.userId, actor.tokenId, null],
  );
  return refs;
}

import { compile } from '../../http/validation.js';
import type { LineInput } from '../records/lines.js';
import { LEAD_MAX_LINES, LeadImportLine, LeadImportRow } from '../leads/schemas.js';
import { insertLeads } from '../leads/service.js';
import { ORDER_MAX_LINES, OrderImportLine, OrderImportRow } from '../orders/schemas.js';
import { createOrders } from '../orders/lifecycle.js';
import { FinalJobError } from '../../jobs/registry.js';
import { defineImport } from './imports.js';

/** The customer's columns, taken from a `lead_key`'s first row (webhooks-files.md). */
const CUSTOMER = ['full_name', 'phone', 'city', 'area', 'address'] as const;
const LINE = ['sku', 'quantity', 'price'] as const;

type Fields = Record<string, unknown>;
const customer = (first: Fields) => Object.fromEntries(CUSTOMER.filter((f) => first[f] !== undefined).map((f) => [f, first[f]]));

/** The templates' example row: one customer, one product line. */
const EXAMPLE = {
  full_name: 'Amina Alaoui',
  phone: '0612345678',
  city: 'Casablanca',
  area: 'Maarif',
  address: '12 Rue Atlas',
  sku: 'SKU-1',
  quantity: '2',
  price: '199',
};

/** Leads (webhooks-files.md): one row per product line, rows sharing a `lead_key` form one lead. */
export const leadsImport = defineImport({
  kind: 'leads.import',
  label: 'Import leads',
  columns: [...CUSTOMER, ...LINE, 'lead_key'],
  required: ['full_name', 'phone', 'sku', 'quantity', 'price'],
  amounts: ['price'],
  figures: ['quantity', 'price'],
  example: { ...EXAMPLE, lead_key: '' },
  row: compile(LeadImportRow),
  line: compile(LeadImportLine),
  maxLines: LEAD_MAX_LINES,
  customer: CUSTOMER,
  item: (first, products: LineInput[]) => ({ ...customer(first), products }) as Parameters<typeof insertLeads>[3][number],
  async insert(q, actor, accountId, items) {
    const { refs } = await insertLeads(q, actor, accountId, items);
    if (!refs) throw new FinalJobError('A product was deactivated during the import: nothing was imported.');
  },
});

/** `1`/`0`, `true`/`false`, `yes`/`no` (any case); anything else goes to the API's rule as sent. */
function fees(v: string | undefined): string | undefined {
  const s = v?.trim().toLowerCase();
  if (s === 'true' || s === 'yes') return '1';
  if (s === 'false' || s === 'no') return '0';
  return v;
}

/** Orders: the same, plus `total` and `is_fees_paid_by_customer` (taken from a key's first row). */
export const ordersImport = defineImport({
  kind: 'orders.import',
  label: 'Import orders',
  columns: [...CUSTOMER, ...LINE, 'total', 'is_fees_paid_by_customer', 'lead_key'],
  required: ['full_name', 'phone', 'city', 'address', 'sku', 'quantity', 'price', 'total', 'is_fees_paid_by_customer'],
  amounts: ['price', 'total'],
  figures: ['quantity', 'price', 'total'],
  example: {
    ...EXAMPLE,
    total: '398',
    is_fees_paid_by_customer: 'no',
    lead_key: '',
  },
  row: compile(OrderImportRow),
  line: compile(OrderImportLine),
  maxLines: ORDER_MAX_LINES,
  customer: CUSTOMER,
  prepare: (values) =>
    'is_fees_paid_by_customer' in values ? { ...values, is_fees_paid_by_customer: fees(values.is_fees_paid_by_customer) } : { ...values },
  item: (first, products: LineInput[]) =>
    ({
      ...customer(first),
      total: first.total,
      is_fees_paid_by_customer: first.is_fees_paid_by_customer,
      products,
    }) as Parameters<typeof createOrders>[3][number],
  async insert(q, actor, accountId, items, products) {
    await createOrders(q, actor, accountId, items, products);
  },
});

export const IMPORTS = { leads: leadsImport, orders: ordersImport } as const;

// Laravel 10's validator, answer for answer (api-v1.md, "Validation errors"). Each row is a body and
// the exact answer Laravel's validator gives with the rules of api-v1.md and Laravel 10's English
// messages (checked with scripts/laravel-oracle.php): attributes inside arrays as sent, every failing rule in order, sizes by declared type,
// `required` failing on null, blank and empty arrays and then ending the field. Rows marked "codops:
// the parent alone" are the difference api-v1.md names: where Laravel looks for fields inside a
// parent of the wrong type (and reports them missing, or nothing), codops reports the parent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, order, tenant, sharedTestApp, type Tenant, type TestApp } from '../test-support/harness.js';

const API = '/api/web/1.0';

let t: TestApp;
sharedTestApp((app) => (t = app), { API_RATE_LIMIT_PER_MINUTE: '100000' });

type Errors = Record<string, string[]>;
/** A body, and 201/200 or the errors of the 422 it gets. */
type Row = [what: string, body: unknown, expected: number | Errors];

const line = (over: object = {}) => ({ sku: 'P1', quantity: 2, price: 199, ...over });
const L = (over: object = {}) => lead(0, over as Record<string, unknown>);
const O = (over: object = {}) => order(0, over as Record<string, unknown>);
const leads = (...items: unknown[]) => ({ leads: items });
const orders = (...items: unknown[]) => ({ orders: items });
const times = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));
const without = (o: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

async function send(a: Tenant, method: string, path: string, body?: unknown) {
  return t.app.inject({
    method: method as 'POST',
    url: `${API}${path}`,
    headers: a.auth,
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

/** Sends each row and compares the answer byte for byte (a 422 body's text, key order included). */
async function expectRows(a: Tenant, method: string, path: string, rows: Row[]) {
  for (const [what, body, expected] of rows) {
    const res = await send(a, method, path, body);
    if (typeof expected === 'number') assert.equal(res.statusCode, expected, `${what}: ${res.body}`);
    else {
      assert.equal(res.statusCode, 422, `${what}: ${res.body}`);
      assert.equal(res.body, JSON.stringify({ message: 'The given data was invalid.', errors: expected }), what);
    }
  }
}

const LEAD_ROWS: Row[] = [
  ['a valid lead', leads(L()), 201],
  ['full_name missing', leads(without(L(), 'full_name')), { 'leads.0.full_name': ['The leads.0.full_name field is required.'] }],
  ['phone missing', leads(without(L(), 'phone')), { 'leads.0.phone': ['The leads.0.phone field is required.'] }],
  ['products missing', leads(without(L(), 'products')), { 'leads.0.products': ['The leads.0.products field is required.'] }],
  ['full_name null', leads(L({ full_name: null })), { 'leads.0.full_name': ['The leads.0.full_name field is required.'] }],
  ['full_name ""', leads(L({ full_name: '' })), { 'leads.0.full_name': ['The leads.0.full_name field is required.'] }],
  ['full_name blank', leads(L({ full_name: '   ' })), { 'leads.0.full_name': ['The leads.0.full_name field is required.'] }],
  ['full_name []', leads(L({ full_name: [] })), { 'leads.0.full_name': ['The leads.0.full_name field is required.'] }],
  ['full_name {}', leads(L({ full_name: {} })), { 'leads.0.full_name': ['The leads.0.full_name field is required.'] }],
  [
    'full_name false passes required',
    leads(L({ full_name: false })),
    {
      'leads.0.full_name': ['The leads.0.full_name field must be a string.', 'The leads.0.full_name field must be at least 3 characters.'],
    },
  ],
  [
    'full_name 0 passes required',
    leads(L({ full_name: 0 })),
    {
      'leads.0.full_name': ['The leads.0.full_name field must be a string.', 'The leads.0.full_name field must be at least 3 characters.'],
    },
  ],
  [
    'full_name a number',
    leads(L({ full_name: 12 })),
    {
      'leads.0.full_name': ['The leads.0.full_name field must be a string.', 'The leads.0.full_name field must be at least 3 characters.'],
    },
  ],
  [
    'full_name too short',
    leads(L({ full_name: 'ab' })),
    { 'leads.0.full_name': ['The leads.0.full_name field must be at least 3 characters.'] },
  ],
  [
    'full_name too short once trimmed',
    leads(L({ full_name: '  ab  ' })),
    { 'leads.0.full_name': ['The leads.0.full_name field must be at least 3 characters.'] },
  ],
  [
    'full_name too long',
    leads(L({ full_name: 'x'.repeat(101) })),
    { 'leads.0.full_name': ['The leads.0.full_name field must not be greater than 100 characters.'] },
  ],
  [
    'full_name counted in characters, not bytes',
    leads(L({ full_name: 'éé' })),
    { 'leads.0.full_name': ['The leads.0.full_name field must be at least 3 characters.'] },
  ],
  ['full_name of three emoji', leads(L({ full_name: '😀😀😀' })), 201],
  [
    'phone an array',
    leads(L({ phone: ['x'] })),
    { 'leads.0.phone': ['The leads.0.phone field must be a string.', 'The leads.0.phone field must be at least 7 characters.'] },
  ],
  [
    'phone an object',
    leads(L({ phone: { a: 1 } })),
    { 'leads.0.phone': ['The leads.0.phone field must be a string.', 'The leads.0.phone field must be at least 7 characters.'] },
  ],
  [
    'phone true',
    leads(L({ phone: true })),
    { 'leads.0.phone': ['The leads.0.phone field must be a string.', 'The leads.0.phone field must be at least 7 characters.'] },
  ],
  [
    'phone false',
    leads(L({ phone: false })),
    { 'leads.0.phone': ['The leads.0.phone field must be a string.', 'The leads.0.phone field must be at least 7 characters.'] },
  ],
  ['phone a 7-digit number', leads(L({ phone: 1234567 })), { 'leads.0.phone': ['The leads.0.phone field must be a string.'] }],
  [
    'phone a short number',
    leads(L({ phone: 123 })),
    { 'leads.0.phone': ['The leads.0.phone field must be a string.', 'The leads.0.phone field must be at least 7 characters.'] },
  ],
  [
    'phone a decimal',
    leads(L({ phone: 12.5 })),
    { 'leads.0.phone': ['The leads.0.phone field must be a string.', 'The leads.0.phone field must be at least 7 characters.'] },
  ],
  [
    'phone too long',
    leads(L({ phone: '0'.repeat(101) })),
    { 'leads.0.phone': ['The leads.0.phone field must not be greater than 100 characters.'] },
  ],
  ['products []', leads(L({ products: [] })), { 'leads.0.products': ['The leads.0.products field is required.'] }],
  ['products {}', leads(L({ products: {} })), { 'leads.0.products': ['The leads.0.products field is required.'] }],
  ['products null', leads(L({ products: null })), { 'leads.0.products': ['The leads.0.products field is required.'] }],
  ['products a string', leads(L({ products: 'P1' })), { 'leads.0.products': ['The leads.0.products field must be an array.'] }],
  ['products a number', leads(L({ products: 5 })), { 'leads.0.products': ['The leads.0.products field must be an array.'] }],
  [
    'products false',
    leads(L({ products: false })),
    { 'leads.0.products': ['The leads.0.products field must be an array.', 'The leads.0.products field must have at least 1 items.'] },
  ],
  [
    'products over 100',
    leads(L({ products: times(101, () => line()) })),
    { 'leads.0.products': ['The leads.0.products field must not have more than 100 items.'] },
  ],
  ['products of 100', leads(L({ products: times(100, () => line()) })), 201],
  ['products an object keyed 0', leads(L({ products: { 0: line() } })), 201],
  [
    'products a string item (codops: the parent alone)',
    leads(L({ products: ['x'] })),
    { 'leads.0.products.0': ['The leads.0.products.0 field must be an array.'] },
  ],
  [
    'products.0 {}',
    leads(L({ products: [{}] })),
    {
      'leads.0.products.0.sku': ['The leads.0.products.0.sku field is required.'],
      'leads.0.products.0.quantity': ['The leads.0.products.0.quantity field is required.'],
      'leads.0.products.0.price': ['The leads.0.products.0.price field is required.'],
    },
  ],
  [
    'sku null',
    leads(L({ products: [line({ sku: null })] })),
    { 'leads.0.products.0.sku': ['The leads.0.products.0.sku field is required.'] },
  ],
  [
    'sku a number',
    leads(L({ products: [line({ sku: 5 })] })),
    { 'leads.0.products.0.sku': ['The leads.0.products.0.sku field must be a string.'] },
  ],
  [
    'sku an array',
    leads(L({ products: [line({ sku: ['P1'] })] })),
    { 'leads.0.products.0.sku': ['The leads.0.products.0.sku field must be a string.'] },
  ],
  [
    'sku unknown',
    leads(L({ products: [line({ sku: 'NOPE' })] })),
    { 'leads.0.products.0.sku': ['The selected leads.0.products.0.sku is invalid.'] },
  ],
  [
    'sku inactive',
    leads(L({ products: [line({ sku: 'OFF' })] })),
    { 'leads.0.products.0.sku': ['The selected leads.0.products.0.sku is invalid.'] },
  ],
  ['sku trimmed', leads(L({ products: [line({ sku: ' P1 ' })] })), 201],
  [
    'quantity 0',
    leads(L({ products: [line({ quantity: 0 })] })),
    { 'leads.0.products.0.quantity': ['The leads.0.products.0.quantity field must be at least 1.'] },
  ],
  [
    'quantity a decimal',
    leads(L({ products: [line({ quantity: 1.5 })] })),
    { 'leads.0.products.0.quantity': ['The leads.0.products.0.quantity field must be an integer.'] },
  ],
  [
    'quantity a decimal below 1',
    leads(L({ products: [line({ quantity: 0.5 })] })),
    {
      'leads.0.products.0.quantity': [
        'The leads.0.products.0.quantity field must be an integer.',
        'The leads.0.products.0.quantity field must be at least 1.',
      ],
    },
  ],
  ['quantity "2"', leads(L({ products: [line({ quantity: '2' })] })), 201],
  ['quantity "+2"', leads(L({ products: [line({ quantity: '+2' })] })), 201],
  [
    'quantity "02"',
    leads(L({ products: [line({ quantity: '02' })] })),
    { 'leads.0.products.0.quantity': ['The leads.0.products.0.quantity field must be an integer.'] },
  ],
  [
    'quantity "2.0"',
    leads(L({ products: [line({ quantity: '2.0' })] })),
    { 'leads.0.products.0.quantity': ['The leads.0.products.0.quantity field must be an integer.'] },
  ],
  [
    'quantity "1e2"',
    leads(L({ products: [line({ quantity: '1e2' })] })),
    { 'leads.0.products.0.quantity': ['The leads.0.products.0.quantity field must be an integer.'] },
  ],
  [
    'quantity "abc"',
    leads(L({ products: [line({ quantity: 'abc' })] })),
    { 'leads.0.products.0.quantity': ['The leads.0.products.0.quantity field must be an integer.'] },
  ],
  ['quantity true (PHP reads 1)', leads(L({ products: [line({ quantity: true })] })), 201],
  [
    'quantity false',
    leads(L({ products: [line({ quantity: false })] })),
    {
      'leads.0.products.0.quantity': [
        'The leads.0.products.0.quantity field must be an integer.',
        'The leads.0.products.0.quantity field must be at least 1.',
      ],
    },
  ],
  [
    'quantity [1]',
    leads(L({ products: [line({ quantity: [1] })] })),
    { 'leads.0.products.0.quantity': ['The leads.0.products.0.quantity field must be an integer.'] },
  ],
  [
    'quantity 1000',
    leads(L({ products: [line({ quantity: 1000 })] })),
    { 'leads.0.products.0.quantity': ['The leads.0.products.0.quantity field must not be greater than 999.'] },
  ],
  [
    'quantity "1000"',
    leads(L({ products: [line({ quantity: '1000' })] })),
    { 'leads.0.products.0.quantity': ['The leads.0.products.0.quantity field must not be greater than 999.'] },
  ],
  [
    'price "abc"',
    leads(L({ products: [line({ price: 'abc' })] })),
    { 'leads.0.products.0.price': ['The leads.0.products.0.price field must be a number.'] },
  ],
  [
    'price "abcdefg"',
    leads(L({ products: [line({ price: 'abcdefg' })] })),
    { 'leads.0.products.0.price': ['The leads.0.products.0.price field must be a number.'] },
  ],
  ['price "1e3"', leads(L({ products: [line({ price: '1e3' })] })), 201],
  [
    'price ".5"',
    leads(L({ products: [line({ price: '.5' })] })),
    { 'leads.0.products.0.price': ['The leads.0.products.0.price field must be at least 1.'] },
  ],
  ['price "5."', leads(L({ products: [line({ price: '5.' })] })), 201],
  ['price " 7 "', leads(L({ products: [line({ price: ' 7 ' })] })), 201],
  [
    'price "1,5"',
    leads(L({ products: [line({ price: '1,5' })] })),
    { 'leads.0.products.0.price': ['The leads.0.products.0.price field must be a number.'] },
  ],
  [
    'price "0x1A"',
    leads(L({ products: [line({ price: '0x1A' })] })),
    { 'leads.0.products.0.price': ['The leads.0.products.0.price field must be a number.'] },
  ],
  [
    'price true',
    leads(L({ products: [line({ price: true })] })),
    { 'leads.0.products.0.price': ['The leads.0.products.0.price field must be a number.'] },
  ],
  [
    'price false',
    leads(L({ products: [line({ price: false })] })),
    {
      'leads.0.products.0.price': [
        'The leads.0.products.0.price field must be a number.',
        'The leads.0.products.0.price field must be at least 1.',
      ],
    },
  ],
  [
    'price an object',
    leads(L({ products: [line({ price: { a: 1 } })] })),
    { 'leads.0.products.0.price': ['The leads.0.products.0.price field must be a number.'] },
  ],
  [
    'price 1000000',
    leads(L({ products: [line({ price: 1000000 })] })),
    { 'leads.0.products.0.price': ['The leads.0.products.0.price field must not be greater than 999999.'] },
  ],
  [
    'a line without anything but sku',
    leads(L({ products: [{ sku: 'P1' }] })),
    {
      'leads.0.products.0.quantity': ['The leads.0.products.0.quantity field is required.'],
      'leads.0.products.0.price': ['The leads.0.products.0.price field is required.'],
    },
  ],
  ['city null', leads(L({ city: null })), 201],
  ['city ""', leads(L({ city: '' })), 201],
  ['city blank', leads(L({ city: '  ' })), 201],
  ['city too short', leads(L({ city: 'ab' })), { 'leads.0.city': ['The leads.0.city field must be at least 3 characters.'] }],
  [
    'city a number',
    leads(L({ city: 12 })),
    { 'leads.0.city': ['The leads.0.city field must be a string.', 'The leads.0.city field must be at least 3 characters.'] },
  ],
  [
    'city []',
    leads(L({ city: [] })),
    { 'leads.0.city': ['The leads.0.city field must be a string.', 'The leads.0.city field must be at least 3 characters.'] },
  ],
  [
    'city ["x"]',
    leads(L({ city: ['x'] })),
    { 'leads.0.city': ['The leads.0.city field must be a string.', 'The leads.0.city field must be at least 3 characters.'] },
  ],
  ['address too short', leads(L({ address: 'Rue' })), { 'leads.0.address': ['The leads.0.address field must be at least 5 characters.'] }],
  [
    'address too long',
    leads(L({ address: 'a'.repeat(101) })),
    { 'leads.0.address': ['The leads.0.address field must not be greater than 100 characters.'] },
  ],
  [
    'area a number',
    leads(L({ area: 5 })),
    { 'leads.0.area': ['The leads.0.area field must be a string.', 'The leads.0.area field must be at least 3 characters.'] },
  ],
  ['data null', leads(L({ data: null })), 201],
  ['data []', leads(L({ data: [] })), 201],
  ['data {}', leads(L({ data: {} })), 201],
  ['data a string', leads(L({ data: 'x' })), { 'leads.0.data': ['The leads.0.data field must be an array.'] }],
  [
    'data a string item (codops: the parent alone)',
    leads(L({ data: ['x'] })),
    { 'leads.0.data.0': ['The leads.0.data.0 field must be an array.'] },
  ],
  [
    'data.0 {} (a pair needs its key or its value: required_without)',
    leads(L({ data: [{}] })),
    {
      'leads.0.data.0.key': ['The leads.0.data.0.key field is required when leads.0.data.0.value is not present.'],
      'leads.0.data.0.value': ['The leads.0.data.0.value field is required when leads.0.data.0.key is not present.'],
    },
  ],
  ['data.0 without value', leads(L({ data: [{ key: 'k' }] })), 201],
  [
    'data.0 key null',
    leads(L({ data: [{ key: null, value: 'v' }] })),
    {
      'leads.0.data.0.key': [
        'The leads.0.data.0.key field must be a string.',
        'The leads.0.data.0.key field must be at least 1 characters.',
      ],
    },
  ],
  [
    'data.0 key "" and value blank (neither is present: required_without, the first rule, ends each)',
    leads(L({ data: [{ key: '', value: '  ' }] })),
    {
      'leads.0.data.0.key': ['The leads.0.data.0.key field is required when leads.0.data.0.value is not present.'],
      'leads.0.data.0.value': ['The leads.0.data.0.value field is required when leads.0.data.0.key is not present.'],
    },
  ],
  [
    'data.0 key a number and value true',
    leads(L({ data: [{ key: 5, value: true }] })),
    {
      'leads.0.data.0.key': ['The leads.0.data.0.key field must be a string.'],
      'leads.0.data.0.value': ['The leads.0.data.0.value field must be a string.'],
    },
  ],
  [
    'data.0 key [] and value ["a"]',
    leads(L({ data: [{ key: [], value: ['a'] }] })),
    {
      'leads.0.data.0.key': [
        'The leads.0.data.0.key field must be a string.',
        'The leads.0.data.0.key field must be at least 1 characters.',
      ],
      'leads.0.data.0.value': ['The leads.0.data.0.value field must be a string.'],
    },
  ],
  [
    'data.0 key too long',
    leads(L({ data: [{ key: 'k'.repeat(101), value: 'v' }] })),
    { 'leads.0.data.0.key': ['The leads.0.data.0.key field must not be greater than 100 characters.'] },
  ],
  [
    'data over 100',
    leads(L({ data: times(101, (i) => ({ key: `k${i}`, value: 'v' })) })),
    { 'leads.0.data': ['The leads.0.data field must not have more than 100 items.'] },
  ],
  ['leads missing', {}, { leads: ['The leads field is required.'] }],
  ['leads null', { leads: null }, { leads: ['The leads field is required.'] }],
  ['leads ""', { leads: '' }, { leads: ['The leads field is required.'] }],
  ['leads []', { leads: [] }, { leads: ['The leads field is required.'] }],
  ['leads {}', { leads: {} }, { leads: ['The leads field is required.'] }],
  ['leads a string', { leads: 'x' }, { leads: ['The leads field must be an array.'] }],
  ['leads a number', { leads: 5 }, { leads: ['The leads field must be an array.'] }],
  ['leads false', { leads: false }, { leads: ['The leads field must be an array.', 'The leads field must have at least 1 items.'] }],
  ['leads.0 a string (codops: the parent alone)', { leads: ['x'] }, { 'leads.0': ['The leads.0 field must be an array.'] }],
  ['leads.0 null (codops: the parent alone)', { leads: [null] }, { 'leads.0': ['The leads.0 field must be an array.'] }],
  [
    'leads.0 []',
    { leads: [[]] },
    {
      'leads.0.phone': ['The leads.0.phone field is required.'],
      'leads.0.full_name': ['The leads.0.full_name field is required.'],
      'leads.0.products': ['The leads.0.products field is required.'],
    },
  ],
  [
    'leads.0 {}',
    { leads: [{}] },
    {
      'leads.0.phone': ['The leads.0.phone field is required.'],
      'leads.0.full_name': ['The leads.0.full_name field is required.'],
      'leads.0.products': ['The leads.0.products field is required.'],
    },
  ],
  ['leads over 1000', { leads: times(1001, () => L()) }, { leads: ['The leads field must not have more than 1000 items.'] }],
  [
    'several leads, every error of each',
    leads(L(), L({ full_name: null, phone: 'x' }), L({ products: [line({ sku: 'NOPE', quantity: 0 }), line({ price: 'x' })] })),
    {
      'leads.1.phone': ['The leads.1.phone field must be at least 7 characters.'],
      'leads.1.full_name': ['The leads.1.full_name field is required.'],
      'leads.2.products.0.sku': ['The selected leads.2.products.0.sku is invalid.'],
      'leads.2.products.0.quantity': ['The leads.2.products.0.quantity field must be at least 1.'],
      'leads.2.products.1.price': ['The leads.2.products.1.price field must be a number.'],
    },
  ],
];

const ORDER_ROWS: Row[] = [
  ['a valid order', orders(O()), 201],
  [
    'is_fees_paid_by_customer missing',
    orders(without(O(), 'is_fees_paid_by_customer')),
    { 'orders.0.is_fees_paid_by_customer': ['The orders.0.is_fees_paid_by_customer field is required.'] },
  ],
  [
    'is_fees_paid_by_customer null',
    orders(O({ is_fees_paid_by_customer: null })),
    { 'orders.0.is_fees_paid_by_customer': ['The orders.0.is_fees_paid_by_customer field is required.'] },
  ],
  [
    'is_fees_paid_by_customer ""',
    orders(O({ is_fees_paid_by_customer: '' })),
    { 'orders.0.is_fees_paid_by_customer': ['The orders.0.is_fees_paid_by_customer field is required.'] },
  ],
  [
    'is_fees_paid_by_customer blank',
    orders(O({ is_fees_paid_by_customer: '  ' })),
    { 'orders.0.is_fees_paid_by_customer': ['The orders.0.is_fees_paid_by_customer field is required.'] },
  ],
  [
    'is_fees_paid_by_customer []',
    orders(O({ is_fees_paid_by_customer: [] })),
    { 'orders.0.is_fees_paid_by_customer': ['The orders.0.is_fees_paid_by_customer field is required.'] },
  ],
  [
    'is_fees_paid_by_customer {}',
    orders(O({ is_fees_paid_by_customer: {} })),
    { 'orders.0.is_fees_paid_by_customer': ['The orders.0.is_fees_paid_by_customer field is required.'] },
  ],
  [
    'is_fees_paid_by_customer [true]',
    orders(O({ is_fees_paid_by_customer: [true] })),
    { 'orders.0.is_fees_paid_by_customer': ['The orders.0.is_fees_paid_by_customer field must be true or false.'] },
  ],
  [
    'is_fees_paid_by_customer "true"',
    orders(O({ is_fees_paid_by_customer: 'true' })),
    { 'orders.0.is_fees_paid_by_customer': ['The orders.0.is_fees_paid_by_customer field must be true or false.'] },
  ],
  [
    'is_fees_paid_by_customer "false"',
    orders(O({ is_fees_paid_by_customer: 'false' })),
    { 'orders.0.is_fees_paid_by_customer': ['The orders.0.is_fees_paid_by_customer field must be true or false.'] },
  ],
  ['is_fees_paid_by_customer "1"', orders(O({ is_fees_paid_by_customer: '1' })), 201],
  ['is_fees_paid_by_customer 0', orders(O({ is_fees_paid_by_customer: 0 })), 201],
  ['is_fees_paid_by_customer false', orders(O({ is_fees_paid_by_customer: false })), 201],
  [
    'is_fees_paid_by_customer 2',
    orders(O({ is_fees_paid_by_customer: 2 })),
    { 'orders.0.is_fees_paid_by_customer': ['The orders.0.is_fees_paid_by_customer field must be true or false.'] },
  ],
  ['products []', orders(O({ products: [] })), { 'orders.0.products': ['The orders.0.products field is required.'] }],
  ['products {}', orders(O({ products: {} })), { 'orders.0.products': ['The orders.0.products field is required.'] }],
  [
    'products over 10',
    orders(O({ products: times(11, () => line()) })),
    { 'orders.0.products': ['The orders.0.products field must not have more than 10 items.'] },
  ],
  ['products a string', orders(O({ products: 'x' })), { 'orders.0.products': ['The orders.0.products field must be an array.'] }],
  ['address an array', orders(O({ address: ['12 Rue X'] })), { 'orders.0.address': ['The orders.0.address field must be a string.'] }],
  [
    'address an object',
    orders(O({ address: { street: 'Rue X' } })),
    { 'orders.0.address': ['The orders.0.address field must be a string.'] },
  ],
  ['address []', orders(O({ address: [] })), { 'orders.0.address': ['The orders.0.address field is required.'] }],
  ['address a number', orders(O({ address: 12 })), { 'orders.0.address': ['The orders.0.address field must be a string.'] }],
  [
    'address too long',
    orders(O({ address: 'x'.repeat(1001) })),
    { 'orders.0.address': ['The orders.0.address field must not be greater than 1000 characters.'] },
  ],
  ['city a number', orders(O({ city: 5 })), { 'orders.0.city': ['The orders.0.city field must be a string.'] }],
  ['city []', orders(O({ city: [] })), { 'orders.0.city': ['The orders.0.city field is required.'] }],
  ['email null', orders(O({ email: null })), 201],
  ['email ""', orders(O({ email: '' })), 201],
  ['email invalid', orders(O({ email: 'nope' })), { 'orders.0.email': ['The orders.0.email field must be a valid email address.'] }],
  ['email without a dot in the domain', orders(O({ email: 'a@b' })), 201],
  ['email a number', orders(O({ email: 5 })), { 'orders.0.email': ['The orders.0.email field must be a valid email address.'] }],
  ['shipment_way null', orders(O({ shipment_way: null })), 201],
  ['shipment_way 4', orders(O({ shipment_way: 4 })), { 'orders.0.shipment_way': ['The selected orders.0.shipment_way is invalid.'] }],
  ['shipment_way "2"', orders(O({ shipment_way: '2' })), 201],
  [
    'shipment_way "02"',
    orders(O({ shipment_way: '02' })),
    { 'orders.0.shipment_way': ['The orders.0.shipment_way field must be an integer.'] },
  ],
  [
    'shipment_way 2.5',
    orders(O({ shipment_way: 2.5 })),
    { 'orders.0.shipment_way': ['The orders.0.shipment_way field must be an integer.', 'The selected orders.0.shipment_way is invalid.'] },
  ],
  [
    'shipment_way "x"',
    orders(O({ shipment_way: 'x' })),
    { 'orders.0.shipment_way': ['The orders.0.shipment_way field must be an integer.', 'The selected orders.0.shipment_way is invalid.'] },
  ],
  [
    'shipment_way [1]',
    orders(O({ shipment_way: [1] })),
    { 'orders.0.shipment_way': ['The orders.0.shipment_way field must be an integer.', 'The selected orders.0.shipment_way is invalid.'] },
  ],
  ['total 0', orders(O({ total: 0 })), { 'orders.0.total': ['The orders.0.total field must be at least 1.'] }],
  ['total "398"', orders(O({ total: '398' })), 201],
  ['total "abc"', orders(O({ total: 'abc' })), { 'orders.0.total': ['The orders.0.total field must be a number.'] }],
  ['total [398]', orders(O({ total: [398] })), { 'orders.0.total': ['The orders.0.total field must be a number.'] }],
  ['orders missing', {}, { orders: ['The orders field is required.'] }],
  ['orders []', { orders: [] }, { orders: ['The orders field is required.'] }],
  ['orders {}', { orders: {} }, { orders: ['The orders field is required.'] }],
  ['orders a string', { orders: 'x' }, { orders: ['The orders field must be an array.'] }],
  ['orders.0 null (codops: the parent alone)', { orders: [null] }, { 'orders.0': ['The orders.0 field must be an array.'] }],
  ['orders over 1000', { orders: times(1001, () => O()) }, { orders: ['The orders field must not have more than 1000 items.'] }],
];

test('POST /leads answers every body as Laravel does', async () => {
  await expectRows(await tenant(t.db), 'POST', '/leads', LEAD_ROWS);
});

test('POST /orders answers every body as Laravel does', async () => {
  await expectRows(await tenant(t.db), 'POST', '/orders', ORDER_ROWS);
});

test('what Laravel accepts is stored as the declared type', async () => {
  const a = await tenant(t.db);
  const created = await send(
    a,
    'POST',
    '/leads',
    leads(
      L({ products: { 0: line({ quantity: '+3', price: '1e3' }) }, data: {} }),
      L({ full_name: '  Trimmed Name  ', products: [line({ quantity: true, price: ' 7.5 ' })], data: [{ key: 'k' }] }),
    ),
  );
  assert.equal(created.statusCode, 201, created.body);
  const [first, second] = created.json().data.references;
  const one = (await send(a, 'GET', `/leads/${first}`)).json().data;
  assert.deepEqual([one.products[0].quantity, one.products[0].price, one.total, one.data], [3, 1000, 3000, []]);
  const two = (await send(a, 'GET', `/leads/${second}`)).json().data;
  assert.deepEqual([two.full_name, two.products[0].quantity, two.products[0].price, two.data], ['Trimmed Name', 1, 7.5, [{ key: 'k' }]]);

  const ordered = await send(a, 'POST', '/orders', orders(O({ is_fees_paid_by_customer: '1', shipment_way: '3', total: '398' })));
  assert.equal(ordered.statusCode, 201, ordered.body);
  const got = (await send(a, 'GET', `/orders/${ordered.json().data.references[0]}`)).json().data;
  assert.deepEqual([got.is_fees_paid_by_customer, got.shipment_way, got.total], [true, 3, 398]);
});

test('the same rules answer on PATCH, DELETE and the list and history filters', async () => {
  const a = await tenant(t.db);
  assert.equal((await send(a, 'POST', '/leads', leads(L()))).statusCode, 201);
  assert.equal((await send(a, 'POST', '/orders', orders(O()))).statusCode, 201);
  const nullable = { city: null, area: '', address: '  ' };
  await expectRows(a, 'PATCH', '/leads/LD-00001', [
    [
      'phone an array',
      { phone: ['x'] },
      { phone: ['The phone field must be a string.', 'The phone field must be at least 7 characters.'] },
    ],
    ['full_name blank', { full_name: '  ' }, { full_name: ['The full name field is required.'] }],
    ['products {}', { products: {} }, { products: ['The products field is required.'] }],
    [
      'a data key null',
      { data: [{ key: null, value: 'v' }] },
      { 'data.0.key': ['The data.0.key field must be a string.', 'The data.0.key field must be at least 1 characters.'] },
    ],
    [
      'quantity "1e2"',
      { products: [line({ quantity: '1e2' })] },
      { 'products.0.quantity': ['The products.0.quantity field must be an integer.'] },
    ],
    ['callback_at a number', { callback_at: 5 }, { callback_at: ['The callback at field must be a valid date.'] }],
    ['optional fields cleared', nullable, 200],
  ]);
  await expectRows(a, 'PATCH', '/leads', [
    [
      'full_name a number',
      leads({ reference: 'LD-00001', full_name: 12 }),
      {
        'leads.0.full_name': [
          'The leads.0.full_name field must be a string.',
          'The leads.0.full_name field must be at least 3 characters.',
        ],
      },
    ],
    ['products []', leads({ reference: 'LD-00001', products: [] }), { 'leads.0.products': ['The leads.0.products field is required.'] }],
    ['reference an array', leads({ reference: ['LD-00001'] }), { 'leads.0.reference': ['The leads.0.reference field must be a string.'] }],
  ]);
  await expectRows(a, 'PATCH', '/orders/ORD-00001', [
    [
      'a boolean as "true"',
      { is_fees_paid_by_customer: 'true' },
      { is_fees_paid_by_customer: ['The is fees paid by customer field must be true or false.'] },
    ],
    [
      'shipment_way "x"',
      { shipment_way: 'x' },
      { shipment_way: ['The shipment way field must be an integer.', 'The selected shipment way is invalid.'] },
    ],
    ['address []', { address: [] }, { address: ['The address field is required.'] }],
    ['total "1e3"', { total: '1e3' }, 200],
  ]);
  await expectRows(a, 'PATCH', '/orders', [
    [
      'address an array',
      orders({ reference: 'ORD-00001', address: ['x'] }),
      { 'orders.0.address': ['The orders.0.address field must be a string.'] },
    ],
  ]);
  await expectRows(a, 'DELETE', '/leads', [
    ['references {}', { references: {} }, { references: ['The references field is required.'] }],
    [
      'a null and an array reference',
      { references: [null, ['LD-00001']] },
      { 'references.0': ['The references.0 field is required.'], 'references.1': ['The references.1 field must be a string.'] },
    ],
  ]);
  await expectRows(a, 'DELETE', '/orders', [
    ['references a string', { references: 'ORD-00001' }, { references: ['The references field must be an array.'] }],
  ]);
  const queries: [string, number | Errors][] = [
    ['/leads?per_page=abc', { per_page: ['The per page field must be an integer.'] }],
    ['/leads?page=1e2', { page: ['The page field must be an integer.'] }],
    ['/leads?page=&per_page=%20', 200],
    ['/orders?created_from=2026-02-30', { created_from: ['The created from field must be a valid date.'] }],
    [
      '/lead-histories?from=soon&per_page=0',
      { per_page: ['The per page field must be at least 1.'], from: ['The from field must be a valid date.'] },
    ],
    ['/order-histories?page=-1', { page: ['The page field must be at least 1.'] }],
  ];
  for (const [path, expected] of queries) await expectRows(a, 'GET', path, [[path, undefined, expected]]);
});

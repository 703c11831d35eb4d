// Money's rule, Laravel's `decimal:0,2` (finance.md: every amount has two decimals): the one rule every
// money field's schema names (twoDecimals), counted as Laravel counts a value's decimals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { compile, ErrorBag, twoDecimals } from './validation.js';

const body = compile(
  Type.Object({
    amount: twoDecimals(Type.Number({ minimum: -9_999_999, maximum: 9_999_999 })),
    lines: Type.Optional(Type.Array(Type.Object({ fee: twoDecimals(Type.Number({ minimum: 0, maximum: 99_999 })) }))),
  }),
);

const errorsOf = (input: Record<string, unknown>) => {
  const bag = new ErrorBag();
  body.check(input, bag);
  try {
    bag.throwIfAny(body.schema);
    return {};
  } catch (e) {
    return (e as { errors: Record<string, string[]> }).errors;
  }
};
const REFUSED = { amount: ['The amount field must have 0-2 decimal places.'] };

test('more than two decimals are refused, as a JSON number or as the text of a form', () => {
  for (const amount of [12.345, 7.005, 0.004, 1e-7, -0.001, 12.340000001, 99_999.999, '12.345', '12.340', '1e3', '1.5e-1'])
    assert.deepEqual(errorsOf({ amount }), REFUSED, String(amount));
});

test('up to two decimals pass, and a float PHP prints with two (0.1 + 0.2) too', () => {
  for (const amount of [12.35, 7.1, 0, 5, -3.5, 9_999_999, 0.1 + 0.2, 1.15 * 3, '12.34', '7.1', '-0.5', '12.', '.5'])
    assert.deepEqual(errorsOf({ amount }), {}, String(amount));
});

test('an item of a list is named as sent; a value another rule refused gets that message alone', () => {
  assert.deepEqual(errorsOf({ amount: 1, lines: [{ fee: 2.5 }, { fee: 12.345 }, { fee: -0.005 }, { fee: 'x' }] }), {
    'lines.1.fee': ['The lines.1.fee field must have 0-2 decimal places.'],
    'lines.2.fee': ['The lines.2.fee field must be at least 0.'],
    'lines.3.fee': ['The lines.3.fee field must be a number.'],
  });
});

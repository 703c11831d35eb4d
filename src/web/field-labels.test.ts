import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelMessage } from './field-labels.js';

test('pages name fields as their labels do; the rest of the message is Laravel’s', () => {
  const cases: [string, string, string][] = [
    ['products.0.price', 'The products.0.price field is required.', 'Price of product 1 is required.'],
    ['delivery_user_id', 'The delivery user id field is required.', 'Delivery person is required.'],
    ['phone', 'The phone field must be at least 7 characters.', 'Phone must be at least 7 characters.'],
    ['products.2.sku', 'The selected products.2.sku is invalid.', 'The selected product 3 is invalid.'],
    ['city_id', 'The selected city id is invalid.', 'The selected city is invalid.'],
    ['password', 'The password field confirmation does not match.', 'Password confirmation does not match.'],
    [
      'agent_working_hours.0.endTime',
      'The agent_working_hours.0.endTime field must be a date after agent_working_hours.0.startTime.',
      'End time of working hours 1 must be a date after start time of working hours 1.',
    ],
    ['email', 'The email has already been taken.', 'The email has already been taken.'],
  ];
  for (const [key, laravel, page] of cases) assert.equal(labelMessage(key, laravel), page, key);
});

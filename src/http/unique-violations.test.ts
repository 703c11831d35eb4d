import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerUniqueViolation, fromDatabaseError } from './errors.js';

test('a declared unique index answers its 422; anything else is not mapped', () => {
  answerUniqueViolation('things_name_unique', 'name', 'The name has already been taken.');
  const err = fromDatabaseError(Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'things_name_unique' }));
  assert.equal(err?.statusCode, 422);
  assert.deepEqual(err?.body(), { message: 'The given data was invalid.', errors: { name: ['The name has already been taken.'] } });
  assert.equal(
    fromDatabaseError(Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'leads_account_reference' })),
    undefined,
  );
  assert.equal(fromDatabaseError(Object.assign(new Error('fk'), { code: '23503', constraint: 'things_name_unique' })), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withTestApp } from '../../test-support/harness.js';
import { person } from '../../test-support/people.js';
import { login } from '../../test-support/session.js';
import { createUser } from './service.js';

test('a user created without a phone (as the CLI may) can be edited without inventing one', () =>
  withTestApp(async (t) => {
    const admin = await person(t.db, 'admin');
    const s = await login(t.app, admin.email);
    const { id } = await createUser(t.db, { role: 'agent', email: 'nophone@example.test', password: 'password-123', fullName: 'No Phone' });
    const res = await s.json('PATCH', `/users/agents/${id}/update`, { full_name: 'Still No Phone', phone: '' });
    assert.equal(res.statusCode, 200, res.body);
    const row = (await t.db.query<{ full_name: string; phone: string | null }>('SELECT full_name, phone FROM users WHERE id = $1', [id]))
      .rows[0];
    assert.deepEqual(row, { full_name: 'Still No Phone', phone: null });
    // Once it has one, it cannot be emptied.
    assert.equal((await s.json('PATCH', `/users/agents/${id}/update`, { phone: '0612345678' })).statusCode, 200);
    const emptied = await s.json('PATCH', `/users/agents/${id}/update`, { phone: '' });
    assert.equal(emptied.statusCode, 422);
    assert.deepEqual(emptied.json().errors, { phone: ['The phone field is required.'] });
  }));

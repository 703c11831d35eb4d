// A stock created at the instant its product is deleted: the two serialise on the account's stock lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tenant, sharedTestApp, usingPostgres, type TestApp } from '../../test-support/harness.js';
import { backendPid, waitsForAdvisoryLockOf } from '../../test-support/locks.js';
import { login } from '../../test-support/session.js';
import { deleteProducts, stockRefusal } from '../products/service.js';
import { productId, staff, warehouse } from './test-fixtures.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

// PostgreSQL only: the embedded database runs one transaction at a time, so nothing waits for a lock.
test(
  'POST /stocks/store during its product’s delete waits for it, then refuses the deleted product',
  { skip: !usingPostgres },
  async () => {
    const a = await tenant(t.db);
    const product = await productId(t.db, a.accountId, 'P1');
    const w = await warehouse(t.db);
    const admin = await login(t.app, (await staff(t.db, 'admin')).email);
    await admin.get('/stocks/create');
    const { answer } = await t.db.tx(async (q) => {
      // The product's delete, as its route runs it, holds its locks while the stock is asked for.
      assert.equal(await stockRefusal(q, [product]), undefined);
      await deleteProducts(q, [product]);
      const answer = admin.json('POST', '/stocks/store', { product_id: product, warehouse_id: w });
      assert.ok(await waitsForAdvisoryLockOf(t.db, await backendPid(q), answer), 'the create waits for the delete');
      return { answer };
    });
    const res = await answer;
    assert.equal(res.statusCode, 422, res.body);
    assert.deepEqual(res.json().errors, { product_id: ['The selected product id is invalid.'] });
    const { rows } = await t.db.query('SELECT id FROM stocks WHERE product_id = $1', [product]);
    assert.deepEqual(rows, []);
  },
);

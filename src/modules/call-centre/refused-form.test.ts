import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedTestApp } from '../../test-support/harness.js';
import { login } from '../../test-support/session.js';
import { agentOf, leads, shop } from './test-fixtures.js';

// A refusal with its own way back (HttpError.page: the call centre's lapsed or taken claim) answers
// its 302 and nothing else: the renderer's promise resolved to nothing, and Fastify then sent that as
// a second answer, logging a 500 (ERR_HTTP_HEADERS_SENT) for every such form (outside check).
test('a refused call-centre form answers its redirect, and the server logs no error for it', async () => {
  const t = await loggedTestApp('info');
  try {
    const s = await shop(t.db);
    const [id] = await leads(t.db, s, [{ sku: 'A' }]);
    const agent = await login(t.app, (await agentOf(t.db, [s.products.A])).email);
    const someone = await agentOf(t.db, []);
    await t.db.query(`UPDATE leads SET claimed_by = $2, claimed_until = now() + interval '5 minutes' WHERE id = $1`, [id, someone.id]);
    for (const url of [`/call-centre/leads/${id}/claim`, `/leads/${id}/status`]) {
      const res = url.endsWith('/status')
        ? await agent.form(
            url,
            { status: 'no_reply', comment: 'x' },
            { method: 'PATCH', headers: { referer: `http://codops.test/call-centre/leads/${id}` } },
          )
        : await agent.form(url, {});
      assert.equal(res.statusCode, 302, url);
      assert.equal(res.headers.location, '/call-centre', url);
    }
    const log = t.log();
    assert.doesNotMatch(log, /ERR_HTTP_HEADERS_SENT|FST_ERR_REP_ALREADY_SENT|"statusCode":500|"level":50/);
  } finally {
    await t.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { withTestApp } from '../test-support/harness.js';

// The workflow audit: after an upgrade a browser kept /assets/app.js for its hour and ran the old
// script against the new pages. Each asset's URL now names its content.
test("the pages link their scripts and styles by their content's digest, and those URLs serve the files", async () => {
  await withTestApp(async (t) => {
    const page = (await t.app.inject({ method: 'GET', url: '/login' })).body;
    for (const name of ['app.js', 'app.css', 'favicon.svg']) {
      const content = readFileSync(new URL(`../../public/${name}`, import.meta.url));
      const url = `/assets/${name}?v=${createHash('sha256').update(content).digest('hex').slice(0, 10)}`;
      assert.ok(page.includes(`"${url}"`), `${name} linked as ${url}`);
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.rawPayload, content);
    }
    assert.doesNotMatch(page, /"\/assets\/[^"?]+"/, 'no asset linked without its digest');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { signature } from './delivery.js';

// The README's receiver check, run as a receiver would copy it: it threw on a forged header of 64
// non-ASCII characters (as long as a signature in characters, not in bytes: webhooks audit).
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const snippet = /A receiver checks the signature like this:\n\n```js\n([\s\S]*?)```/.exec(readme)?.[1];

type Verify = (secret: string, headers: Record<string, string>, rawBody: string, tolerance?: number) => boolean;

async function readmeVerify(): Promise<Verify> {
  assert.ok(snippet, "the README's signature check");
  const source = `${snippet}\nexport { verifyCodops };`;
  const mod = (await import(`data:text/javascript,${encodeURIComponent(source)}`)) as { verifyCodops: Verify };
  return mod.verifyCodops;
}

test("the README's signature check accepts codops' signature and refuses a forged, stale or odd one without throwing", async () => {
  const verify = await readmeVerify();
  const body = '{"id":"01J","type":"lead.created","created_at":"2026-12-07T10:00:00Z","data":{}}';
  const now = Math.floor(Date.now() / 1000);
  const headers = (sig: string, at = now) => ({ 'x-codops-timestamp': String(at), 'x-codops-signature': sig });
  assert.equal(verify('s3cret', headers(signature('s3cret', now, body)), body), true);
  assert.equal(verify('other', headers(signature('s3cret', now, body)), body), false);
  assert.equal(verify('s3cret', headers(signature('s3cret', now - 3600, body), now - 3600), body), false, 'stale');
  assert.equal(verify('s3cret', headers(`sha256=${'é'.repeat(64)}`), body), false, 'non-ASCII, as long in characters');
  assert.equal(verify('s3cret', headers(''), body), false);
});

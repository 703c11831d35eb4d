import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.js';

const base = { APP_KEY: 'test-key-test-key-test-key-test-key-0000', DATA_DIR: '/tmp/codops-config-test' };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env }, { persistKey: false });

test('MAIL_FROM is an address, bare or with a name; anything else stops the boot naming it', () => {
  assert.equal(load({}).mailFrom, 'codops <no-reply@codops.local>');
  assert.equal(load({ MAIL_FROM: ' shop@example.com ' }).mailFrom, 'shop@example.com');
  assert.equal(load({ MAIL_FROM: 'My Shop <shop@example.com>' }).mailFrom, 'My Shop <shop@example.com>');
  for (const bad of ['not-an-address', '<<<', 'a@b c', 'Shop <shop@example.com', 'a@b\nBcc: x@y']) {
    assert.throws(
      () => load({ MAIL_FROM: bad }),
      (err: Error) => err instanceof ConfigError && err.message.startsWith(`Invalid MAIL_FROM: "${bad.trim()}" is not an address`),
      bad,
    );
  }
});

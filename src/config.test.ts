import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig } from './config.js';

const base = { APP_KEY: 'test-key-test-key-test-key-test-key-0000', DATA_DIR: '/tmp/codops-config-test' };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env }, { persistKey: false });

test('APP_URL is an http(s) address, kept without a trailing slash', () => {
  assert.equal(load({ PORT: '3001' }).appUrl, 'http://127.0.0.1:3001');
  assert.equal(load({ APP_URL: 'https://shop.example.com/' }).appUrl, 'https://shop.example.com');
  assert.throws(() => load({ APP_URL: 'ftp://x' }), /^Error: Invalid APP_URL: the scheme must be http: or https:, got "ftp:"\.$/);
  assert.throws(() => load({ APP_URL: 'shop.example.com' }), /^Error: Invalid APP_URL: not a URL/);
});

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

test('BULK_CREATES_AT_ONCE defaults to the cores of the machine and takes 1 to 256', () => {
  assert.equal(load({}).bulkCreatesAtOnce, availableParallelism());
  assert.equal(load({ BULK_CREATES_AT_ONCE: '8' }).bulkCreatesAtOnce, 8);
  for (const bad of ['0', '257', 'two', '-1', '1.5']) {
    assert.throws(
      () => load({ BULK_CREATES_AT_ONCE: bad }),
      (err: Error) =>
        err instanceof ConfigError && err.message === `Invalid BULK_CREATES_AT_ONCE: "${bad}" is not an integer between 1 and 256.`,
      bad,
    );
  }
});

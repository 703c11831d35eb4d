import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockedAddressError, isBlockedAddress, publicAddresses } from './public-address.js';

test('loopback, private, link-local, metadata and reserved addresses are blocked; public ones are not', () => {
  for (const a of [
    '127.0.0.1',
    '127.9.9.9',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '::7f00:1', // `[::127.0.0.1]` as the URL parser writes it
    '::127.0.0.1',
    '::808:808',
    '::ffff:0:7f00:1',
    'not an address',
  ])
    assert.equal(isBlockedAddress(a), true, a);
  for (const a of ['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
    assert.equal(isBlockedAddress(a), false, a);
});

test('a name is checked on every address it resolves to', async () => {
  await assert.rejects(publicAddresses('localhost'), BlockedAddressError);
  await assert.rejects(publicAddresses('[::1]'), BlockedAddressError);
  assert.deepEqual(await publicAddresses('8.8.8.8'), [{ address: '8.8.8.8', family: 4 }]);
});

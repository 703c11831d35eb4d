import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { DEFAULT_COUNTRY, normalizePhone } from './phone.js';

const parsed = (phone: string) => parsePhoneNumberFromString(phone, DEFAULT_COUNTRY)?.number;

test('the shortcut for Moroccan numbers gives what libphonenumber gives, for every leading digit', () => {
  for (let d = 1; d <= 9; d++) {
    for (const rest of ['00000000', '12345678', '99999999', '50505050']) {
      const national = `0${d}${rest}`;
      assert.equal(normalizePhone(national), parsed(national), national);
      const e164 = `+212${d}${rest}`;
      assert.equal(normalizePhone(e164), parsed(e164), e164);
    }
  }
});

test('other numbers go through libphonenumber, or keep their digits', () => {
  assert.equal(normalizePhone('06 12 34 56 78'), '+212612345678');
  assert.equal(normalizePhone('00212612345678'), '+212612345678');
  assert.equal(normalizePhone('+33 6 12 34 56 78'), '+33612345678');
  assert.equal(normalizePhone('0012345678'), parsed('0012345678') ?? '0012345678');
  assert.equal(normalizePhone('12'), parsed('12'));
  assert.equal(normalizePhone('call me'), 'call me');
});

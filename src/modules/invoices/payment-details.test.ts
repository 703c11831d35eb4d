// The seller's bank details (finance.md, "Payment details"): an IBAN/RIB of 1–34 letters and digits once its spaces are out.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tenant, testApp, type TestApp } from '../../test-support/harness.js';
import { login, type Agent } from '../../test-support/session.js';
import { expectInvalid, fieldErrors } from '../../test-support/expect.js';

const LETTERS_AND_DIGITS = 'The iban field must only contain letters and numbers.';

let t: TestApp;

before(async () => {
  t = await testApp();
});
after(() => t.close());

const newSeller = async () => login(t.app, (await tenant(t.db)).email);
const bank = (iban: string) => ({ bank_name: 'Attijari', account_holder: 'Argan House', iban });
const saved = async (seller: Agent) => (await seller.json('GET', '/settings/payment')).json().data.iban;

describe('the IBAN/RIB', () => {
  test('anything but letters and digits is refused, spaces aside; a printed IBAN of 34 characters is taken', async () => {
    const seller = await newSeller();
    for (const iban of ['!!! ??', 'MA64-0112-3456', 'FR76 3000 6000 0112 3456 7890 189.', 'ÉCOLE123', '١٢٣٤٥'])
      expectInvalid(await seller.json('PATCH', '/settings/payment/bank-account', bank(iban)), { iban: [LETTERS_AND_DIGITS] }, iban);
    assert.equal(await saved(seller), null, 'nothing was saved');
    expectInvalid(await seller.json('PATCH', '/settings/payment/bank-account', bank(`${'1'.repeat(34)}!`)), {
      iban: ['The iban field must not be greater than 34 characters.', LETTERS_AND_DIGITS],
    });
    expectInvalid(await seller.json('PATCH', '/settings/payment/bank-account', bank('   ')), { iban: ['The iban field is required.'] });

    // A 34-character IBAN as printed, in groups of four (42 characters with its spaces), in lower case.
    const printed = 'mt84 malt 0110 0001 2345 mtlc ast0 01s1 23';
    assert.equal(printed.replace(/ /g, '').length, 34);
    const ok = await seller.json('PATCH', '/settings/payment/bank-account', bank(printed));
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(await saved(seller), printed.replace(/ /g, '').toUpperCase());
    // A Moroccan RIB: 24 digits.
    const rib = await seller.json('PATCH', '/settings/payment/bank-account', bank('007 780 0001234567890123 45'));
    assert.equal(rib.statusCode, 200, rib.body);
    assert.equal(await saved(seller), '007780000123456789012345');
  });

  test('the form shows the message beside the field and keeps the details saved before', async () => {
    const seller = await newSeller();
    await seller.json('PATCH', '/settings/payment/bank-account', bank('007780000123456789012345'));
    await seller.get('/settings/payment');
    const res = await seller.form('/settings/payment/bank-account', bank('!!! ??'), { method: 'PATCH' });
    assert.equal(res.statusCode, 302, res.body);
    assert.equal(res.headers.location, '/settings/payment');
    const page = await seller.follow(res);
    assert.deepEqual(fieldErrors(page.body, 'f-iban'), [LETTERS_AND_DIGITS]);
    assert.match(page.body, /<input id="f-iban" name="iban"[^>]* aria-invalid="true" aria-describedby="f-iban-error"/);
    assert.equal(await saved(seller), '007780000123456789012345');
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAccount } from '../../src/modules/accounts/service.js';
import { createUser } from '../../src/modules/users/service.js';
import { newId } from '../../src/lib/ids.js';
import { checkPage, login, newPage, screenshots, skipBrowser, startBrowserEnv, type BrowserEnv } from './support.js';

describe('sessions in a real browser', { skip: skipBrowser }, () => {
  let env: BrowserEnv;
  let accountId: string;
  const seller = () => ({ email: `seller-${newId().toLowerCase()}@example.test`, password: 'seller-password-1' });

  before(async () => {
    env = await startBrowserEnv();
    accountId = (await createAccount(env.t.db, { name: 'Browser Shop' })).id;
  });
  after(() => env.close());

  async function makeSeller() {
    const s = seller();
    await createUser(env.t.db, { role: 'seller', email: s.email, password: s.password, fullName: 'Salma Seller', accountId });
    return s;
  }

  test('the login page, a failed login keeping the email, then a successful one', async () => {
    const s = await makeSeller();
    const page = await newPage(env);
    await page.goto('/');
    assert.equal(new URL(page.url()).pathname, '/login', 'guests are sent to the login page');
    await checkPage(page, 'login');
    await screenshots(page, 'login');

    await page.getByLabel('Email').fill(s.email);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.getByLabel('Email').inputValue(), s.email, 'the email is kept');
    assert.equal(await page.getByLabel('Password').inputValue(), '', 'the password is not');
    const message = page.locator('#f-email-error');
    assert.equal((await message.textContent())?.trim(), 'These credentials do not match our records.');
    await checkPage(page, 'login with errors');
    await screenshots(page, 'form-with-errors');

    await page.getByLabel('Password').fill(s.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    assert.equal(new URL(page.url()).pathname, '/');
    assert.match((await page.locator('h1').textContent()) ?? '', /Welcome, Salma Seller/);
    await checkPage(page, 'home');
    await page.context().close();
  });

  test('five failures for one email and IP throttle the sixth attempt', async () => {
    const s = await makeSeller();
    const page = await newPage(env);
    for (let i = 0; i < 5; i++) {
      await page.goto('/login');
      await page.getByLabel('Email').fill(s.email);
      await page.getByLabel('Password').fill(`wrong-${i}`);
      await page.getByRole('button', { name: 'Log in' }).click();
      assert.equal((await page.locator('#f-email-error').textContent())?.trim(), 'These credentials do not match our records.');
    }
    await page.getByLabel('Password').fill(s.password);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Log in' }).click(),
    ]);
    assert.equal(response.status(), 429);
    assert.match(
      (await page.locator('#f-email-error').textContent()) ?? '',
      /^Too many login attempts\. Please try again in \d+ seconds\.$/,
    );
    await checkPage(page, 'throttled login');
    await page.context().close();
  });

  test('a password reset through the mailed link, after which the old password fails', async () => {
    const s = await makeSeller();
    const page = await newPage(env);
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(s.email);
    await page.getByRole('button', { name: 'Email me a reset link' }).click();
    assert.match((await page.locator('.flash-success').textContent()) ?? '', /we have emailed a password reset link/);
    await checkPage(page, 'reset requested');

    const mailDir = join(env.dataDir, 'mail');
    // The mail is sent beside the answer, not before it.
    const mailed = () => (existsSync(mailDir) ? readdirSync(mailDir) : []).find((f) => f.includes(s.email.replace(/[^\w@.-]/g, '_')));
    for (let i = 0; i < 50 && !mailed(); i++) await new Promise((r) => setTimeout(r, 100));
    const file = mailed();
    assert.ok(file, 'the message was written to DATA_DIR/mail');
    const raw = readFileSync(join(mailDir, file), 'utf8')
      .replace(/=\r?\n/g, '')
      .replace(/=3D/g, '=');
    const link = /(http:\/\/127\.0\.0\.1:\d+\/reset-password\/[0-9a-f]+\?email=[^\s]+)/.exec(raw)?.[1];
    assert.ok(link, 'the message carries the link');

    await page.goto(link);
    await checkPage(page, 'choose a new password');
    await page.getByLabel(/^New password/).fill('brand-new-password');
    await page.getByLabel('Confirm the new password').fill('brand-new-password');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.match((await page.locator('.flash-success').textContent()) ?? '', /Your password has been reset/);

    await page.goto(link);
    await page.getByLabel(/^New password/).fill('another-password-2');
    await page.getByLabel('Confirm the new password').fill('another-password-2');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    assert.equal(
      (await page.locator('#f-email-error').textContent())?.trim(),
      'This password reset link is invalid or has expired.',
      'the link works once',
    );

    await login(page, s.email, s.password);
    assert.equal(new URL(page.url()).pathname, '/login', 'the old password no longer works');
    await login(page, s.email, 'brand-new-password');
    assert.equal(new URL(page.url()).pathname, '/');
    await page.context().close();
  });

  test('logging out kills the session: its cookie no longer opens a page', async () => {
    const s = await makeSeller();
    const page = await newPage(env);
    await login(page, s.email, s.password);
    assert.equal(new URL(page.url()).pathname, '/');
    const cookies = await page.context().cookies();
    await page.getByText('Salma Seller').first().click();
    await page.getByRole('button', { name: 'Log out' }).click();
    assert.equal(new URL(page.url()).pathname, '/login');

    const replay = await newPage(env);
    await replay.context().addCookies(cookies);
    await replay.goto('/');
    assert.equal(new URL(replay.url()).pathname, '/login', 'the old session cookie is dead');
    await page.context().close();
    await replay.context().close();
  });

  test('a form post without the CSRF token answers 419 and changes nothing', async () => {
    const s = await makeSeller();
    const page = await newPage(env);
    await login(page, s.email, s.password);
    const res = await page.request.post('/logout', { form: {} });
    assert.equal(res.status(), 419);
    assert.match(await res.text(), /Page Expired/);
    await page.goto('/');
    assert.equal(new URL(page.url()).pathname, '/', 'still logged in');
    await page.context().close();
  });
});

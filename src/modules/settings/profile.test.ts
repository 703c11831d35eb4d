import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { newId } from '../../lib/ids.js';
import { expectInvalid, redirectsTo } from '../../test-support/expect.js';
import { testApp, type TestApp } from '../../test-support/harness.js';
import { HOST, login, type Agent } from '../../test-support/session.js';
import { createAccount } from '../accounts/service.js';
import type { Role } from '../../core/roles.js';
import { createUser } from '../users/service.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 2)]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x40, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(64, 3)]);

let t: TestApp;
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'codops-settings-'));
  t = await testApp({ DATA_DIR: dataDir, FILES: 'local' }); // its files on disk are checked
});
after(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function person(role: Role = 'seller') {
  const { id: accountId } = await createAccount(t.db, { name: `Shop ${newId().slice(-6)}` });
  const email = `${role}-${newId().toLowerCase()}@example.test`;
  const { id } = await createUser(t.db, { role, email, password: 'password-123', fullName: `Test ${role}`, accountId });
  return { id, email, accountId };
}

const row = async (id: string) =>
  (
    await t.db.query<{
      full_name: string;
      phone: string | null;
      whatsapp_phone: string | null;
      company: string | null;
      hide_money: boolean;
      picture_path: string | null;
    }>('SELECT full_name, phone, whatsapp_phone, company, hide_money, picture_path FROM users WHERE id = $1', [id])
  ).rows[0];

const sessionsOf = async (id: string) =>
  (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [id])).rows[0].n;

/** A multipart form post (the profile form with its picture). */
async function multipart(
  a: Agent,
  fields: Record<string, string>,
  file?: { filename: string; type: string; data: Buffer },
  opts: { json?: boolean } = {},
): Promise<LightMyRequestResponse> {
  if (!a.token) await a.get('/settings/profile');
  const boundary = '----codops' + newId();
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries({ _token: a.token, _method: 'PATCH', ...fields })) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="picture"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
    );
    parts.push(file.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return t.app.inject({
    method: 'POST',
    url: '/settings/profile',
    payload: Buffer.concat(parts),
    headers: {
      host: HOST,
      cookie: `codops_session=${a.session}`,
      referer: `http://${HOST}/settings/profile`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      accept: opts.json ? 'application/json' : 'text/html',
    },
  });
}

const profileForm = (over: Record<string, string> = {}) => ({
  full_name: 'Amina Seller',
  phone: '0612345678',
  whatsapp_phone: '0698765432',
  company: 'Argan House',
  ...over,
});

describe('profile', () => {
  test('every role sees the profile form with plain labels', async () => {
    for (const role of ['admin', 'agent', 'delivery', 'seller'] as Role[]) {
      const p = await person(role);
      const a = await login(t.app, p.email);
      const res = await a.get('/settings/profile');
      assert.equal(res.statusCode, 200, role);
      for (const label of ['Full name', 'Phone', 'WhatsApp number', 'Company', 'Picture', 'Hide money', 'Save the profile'])
        assert.match(res.body, new RegExp(`>${label}<`), `${role}: ${label}`);
      assert.match(res.body, /enctype="multipart\/form-data"/);
      assert.match(res.body, /href="\/settings\/profile"[^>]*>/);
    }
  });

  test('a guest goes to the login page, a JSON guest gets 401', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/settings/profile', headers: { accept: 'text/html' } });
    redirectsTo(page, '/login');
    const json = await t.app.inject({ method: 'GET', url: '/settings/profile', headers: { accept: 'application/json' } });
    assert.equal(json.statusCode, 401);
    assert.deepEqual(json.json(), { message: 'Unauthenticated.' });
  });

  test('updates the profile from the form: 302 back with the message; an unticked box turns hide money off', async () => {
    const p = await person();
    const a = await login(t.app, p.email);
    const res = await a.form('/settings/profile', { ...profileForm(), hide_money: '1' }, { method: 'PATCH' });
    redirectsTo(res, '/settings/profile');
    const page = await a.follow(res);
    assert.match(page.body, /Profile updated\./);
    assert.match(page.body, /value="Argan House"/);
    assert.deepEqual(await row(p.id), {
      full_name: 'Amina Seller',
      phone: '0612345678',
      whatsapp_phone: '0698765432',
      company: 'Argan House',
      hide_money: true,
      picture_path: null,
    });

    // Unticked checkbox (absent) and emptied fields: hide money off, WhatsApp number and company cleared.
    redirectsTo(
      await a.form('/settings/profile', profileForm({ whatsapp_phone: '', company: '' }), { method: 'PATCH' }),
      '/settings/profile',
    );
    assert.deepEqual(await row(p.id), {
      full_name: 'Amina Seller',
      phone: '0612345678',
      whatsapp_phone: null,
      company: null,
      hide_money: false,
      picture_path: null,
    });
    const audit = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'users.update_profile' AND subject_id = $1`,
      [p.id],
    );
    assert.equal(audit.rows[0].n, 2);

    // A phone once set cannot be emptied, as on the users pages (an audit: the profile cleared it).
    const emptied = await a.form('/settings/profile', profileForm({ phone: '', company: 'Souk' }), { method: 'PATCH' });
    redirectsTo(emptied, '/settings/profile');
    assert.match((await a.follow(emptied)).body, /id="f-phone-error"><li>The phone field is required\.<\/li>/);
    assert.equal((await row(p.id)).phone, '0612345678');
    assert.equal((await row(p.id)).company, null, 'nothing saved');
    expectInvalid(await a.json('PATCH', '/settings/profile', { full_name: 'Amina Seller', phone: null }), {
      phone: ['The phone field is required.'],
    });
  });

  test('validation errors go back beside the fields with the old input', async () => {
    const p = await person();
    const a = await login(t.app, p.email);
    await a.get('/settings/profile');
    const res = await a.form('/settings/profile', profileForm({ full_name: '', phone: 'x'.repeat(101), company: 'Kept Company' }), {
      method: 'PATCH',
    });
    redirectsTo(res, '/settings/profile');
    const page = await a.follow(res);
    assert.match(
      page.body,
      /<div class="field has-error"><div class="label-row"><label for="f-full_name">[\s\S]*?The full name field is required\./,
    );
    assert.match(page.body, /id="f-phone-error"><li>The phone field must not be greater than 100 characters\.<\/li>/);
    assert.match(page.body, /value="Kept Company"/);
    assert.equal((await row(p.id)).full_name, 'Test seller', 'nothing changed');
  });

  test('JSON: 200 with the profile, 422 with the errors', async () => {
    const p = await person();
    const a = await login(t.app, p.email);
    const res = await a.json('PATCH', '/settings/profile', { full_name: 'Youssef', company: 'Souk', hide_money: true });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), {
      data: {
        id: p.id,
        full_name: 'Youssef',
        email: p.email,
        role: 'seller',
        account_id: p.accountId,
        phone: null,
        whatsapp_phone: null,
        company: 'Souk',
        hide_money: true,
        picture_url: null,
      },
    });
    // Absent fields stay as they are in JSON.
    const again = await a.json('PATCH', '/settings/profile', { full_name: 'Youssef B' });
    assert.equal(again.json().data.hide_money, true);
    assert.equal(again.json().data.company, 'Souk');
    const shown = await a.json('GET', '/settings/profile');
    assert.equal(shown.json().data.full_name, 'Youssef B');

    expectInvalid(await a.json('PATCH', '/settings/profile', { full_name: 'x'.repeat(101), hide_money: 'maybe' }), {
      full_name: ['The full name field must not be greater than 100 characters.'],
      hide_money: ['The hide money field must be true or false.'],
    });
    expectInvalid(await a.json('PATCH', '/settings/profile', { phone: '0611' }), { full_name: ['The full name field is required.'] });
  });

  test('a missing CSRF token answers 419 and changes nothing', async () => {
    const p = await person();
    const a = await login(t.app, p.email);
    const res = await a.form('/settings/profile', profileForm(), { method: 'PATCH', token: false });
    assert.equal(res.statusCode, 419);
    assert.match(res.body, /Page Expired/);
    const wrong = await a.json('PATCH', '/settings/profile', { full_name: 'Hacker' }, { token: 'not-the-token' });
    assert.equal(wrong.statusCode, 419);
    assert.equal((await row(p.id)).full_name, 'Test seller');
    const noTokenMultipart = await t.app.inject({
      method: 'POST',
      url: '/settings/profile',
      payload: `--b\r\nContent-Disposition: form-data; name="_method"\r\n\r\nPATCH\r\n--b\r\nContent-Disposition: form-data; name="full_name"\r\n\r\nHacker\r\n--b--\r\n`,
      headers: {
        host: HOST,
        cookie: `codops_session=${a.session}`,
        'content-type': 'multipart/form-data; boundary=b',
        accept: 'text/html',
      },
    });
    assert.equal(noTokenMultipart.statusCode, 419);
    assert.equal((await row(p.id)).full_name, 'Test seller');
  });
});

describe('profile picture', () => {
  test('uploads, serves back to its owner only, replaces and removes', async () => {
    const p = await person();
    const a = await login(t.app, p.email);
    const res = await multipart(a, profileForm(), { filename: 'me.png', type: 'image/png', data: PNG });
    redirectsTo(res, '/settings/profile');
    const stored = (await row(p.id)).picture_path!;
    assert.match(stored, new RegExp(`^avatars/${p.id}-[a-f0-9]{16}\\.png$`));
    assert.ok(existsSync(join(dataDir, 'uploads', stored)));

    const page = await a.follow(res);
    assert.match(page.body, /Profile updated\./);
    assert.match(page.body, /<img class="avatar-lg" src="\/settings\/profile\/picture\?v=/);
    const pic = await a.get('/settings/profile/picture');
    assert.equal(pic.statusCode, 200);
    assert.equal(pic.headers['content-type'], 'image/png');
    assert.equal(pic.headers['x-content-type-options'], 'nosniff');
    assert.deepEqual(pic.rawPayload, PNG);

    const guest = await t.app.inject({ method: 'GET', url: '/settings/profile/picture', headers: { accept: 'text/html' } });
    redirectsTo(guest, '/login');
    const other = await login(t.app, (await person()).email);
    assert.equal((await other.get('/settings/profile/picture')).statusCode, 404, 'no picture of their own');

    // A WebP replaces it (the old file is gone), then "remove" clears it.
    redirectsTo(await multipart(a, profileForm(), { filename: 'me.webp', type: 'image/webp', data: WEBP }), '/settings/profile');
    const replaced = (await row(p.id)).picture_path!;
    assert.match(replaced, /\.webp$/);
    assert.ok(!existsSync(join(dataDir, 'uploads', stored)));
    assert.equal((await a.get('/settings/profile/picture')).headers['content-type'], 'image/webp');
    // A JPEG sent as "application/octet-stream" is still a JPEG by its bytes.
    const json = await multipart(a, profileForm(), { filename: 'me', type: 'application/octet-stream', data: JPEG }, { json: true });
    assert.equal(json.statusCode, 200, json.body);
    assert.match(json.json().data.picture_url, /^\/settings\/profile\/picture\?v=/);
    redirectsTo(await multipart(a, profileForm({ remove_picture: '1' })), '/settings/profile');
    assert.equal((await row(p.id)).picture_path, null);
    const left = (await readdir(join(dataDir, 'uploads', 'avatars'))).filter((f) => f.startsWith(p.id));
    assert.deepEqual(left, []);
  });

  test('an empty file input keeps the picture', async () => {
    const p = await person();
    const a = await login(t.app, p.email);
    redirectsTo(await multipart(a, profileForm(), { filename: 'me.png', type: 'image/png', data: PNG }), '/settings/profile');
    const stored = (await row(p.id)).picture_path;
    redirectsTo(
      await multipart(a, profileForm({ company: 'New' }), { filename: '', type: 'application/octet-stream', data: Buffer.alloc(0) }),
      '/settings/profile',
    );
    assert.deepEqual(await row(p.id), { ...(await row(p.id)), company: 'New', picture_path: stored });
  });

  test('too big or not an image: 422 on picture, nothing stored', async () => {
    const p = await person();
    const a = await login(t.app, p.email);
    const big = Buffer.concat([PNG, Buffer.alloc(1024 * 1024 - PNG.length + 1)]);
    expectInvalid(await multipart(a, profileForm(), { filename: 'big.png', type: 'image/png', data: big }, { json: true }), {
      picture: ['The picture field must not be greater than 1024 kilobytes.'],
    });
    expectInvalid(
      await multipart(
        a,
        profileForm(),
        { filename: 'evil.png', type: 'image/png', data: Buffer.from('<svg onload=alert(1)>') },
        { json: true },
      ),
      {
        picture: ['The picture field must be a file of type: png, jpeg, webp.'],
      },
    );
    // Exactly 1 MB is fine.
    const max = Buffer.concat([PNG, Buffer.alloc(1024 * 1024 - PNG.length)]);
    assert.equal(
      (await multipart(a, profileForm(), { filename: 'max.png', type: 'image/png', data: max }, { json: true })).statusCode,
      200,
    );
    await t.db.query(`UPDATE users SET picture_path = NULL, full_name = 'Test seller' WHERE id = $1`, [p.id]);

    // The HTML form goes back with the message under the picture and the other fields kept.
    const res = await multipart(a, profileForm({ full_name: 'Kept Name' }), { filename: 'big.png', type: 'image/png', data: big });
    redirectsTo(res, '/settings/profile');
    const page = await a.follow(res);
    assert.match(page.body, /id="f-picture-error"><li>The picture field must not be greater than 1024 kilobytes\.<\/li>/);
    assert.match(page.body, /value="Kept Name"/);
    assert.equal((await row(p.id)).picture_path, null);
    assert.equal((await row(p.id)).full_name, 'Test seller');
    // A picture sent as text is not a file.
    expectInvalid(await a.json('PATCH', '/settings/profile', { full_name: 'X', picture: 'data:image/png;base64,AAAA' }), {
      picture: ['The picture field must be a file.'],
    });
    // Old input never carries the file into the session.
    const sessions = await t.db.query<{ data: unknown }>('SELECT data FROM sessions WHERE user_id = $1', [p.id]);
    for (const s of sessions.rows) assert.ok(JSON.stringify(s.data).length < 10_000);
  });
});

describe('password', () => {
  test('the form has plain labels; wrong current password and mismatched confirmation go back beside the fields, never refilled', async () => {
    const p = await person('agent');
    const a = await login(t.app, p.email);
    const page = await a.get('/settings/password');
    assert.equal(page.statusCode, 200);
    for (const label of ['Current password', 'New password', 'Confirm the new password']) assert.match(page.body, new RegExp(`>${label}<`));
    const res = await a.form(
      '/settings/password',
      { current_password: 'wrong-password', password: 'new-pass-123', password_confirmation: 'other-pass-123' },
      { method: 'PUT' },
    );
    redirectsTo(res, '/settings/password');
    const back = await a.follow(res);
    assert.match(back.body, /id="f-current_password-error"><li>The password is incorrect\.<\/li>/);
    assert.match(back.body, /id="f-password-error"><li>The password field confirmation does not match\.<\/li>/);
    assert.doesNotMatch(back.body, /wrong-password|new-pass-123|other-pass-123/);
    await login(t.app, p.email); // unchanged
  });

  test('JSON: exact 422 bodies', async () => {
    const p = await person();
    const a = await login(t.app, p.email);
    expectInvalid(
      await a.json('PUT', '/settings/password', {
        current_password: 'nope',
        password: 'new-pass-123',
        password_confirmation: 'new-pass-123',
      }),
      {
        current_password: ['The password is incorrect.'],
      },
    );
    expectInvalid(await a.json('PUT', '/settings/password', { password: 'short', password_confirmation: 'short' }), {
      current_password: ['The current password field is required.'],
      password: ['The password field must be at least 8 characters.'],
    });
    expectInvalid(await a.json('PUT', '/settings/password', { current_password: 'password-123', password: 'new-pass-123' }), {
      password: ['The password field confirmation does not match.'],
    });
    // Every failing rule adds its message: too short and not confirmed are both said at once.
    expectInvalid(
      await a.json('PUT', '/settings/password', { current_password: 'password-123', password: 'abc', password_confirmation: 'xyz' }),
      {
        password: ['The password field must be at least 8 characters.', 'The password field confirmation does not match.'],
      },
    );
  });

  test('a change ends the user’s other sessions at once and keeps this one', async () => {
    const p = await person();
    const other = await person();
    const a = await login(t.app, p.email);
    const b = await login(t.app, p.email);
    const stranger = await login(t.app, other.email);
    assert.equal((await b.get('/settings/profile')).statusCode, 200);
    assert.equal(await sessionsOf(p.id), 2);

    const res = await a.form(
      '/settings/password',
      { current_password: 'password-123', password: 'brand-new-pass', password_confirmation: 'brand-new-pass' },
      { method: 'PUT' },
    );
    redirectsTo(res, '/settings/password');
    assert.match((await a.follow(res)).body, /Password updated\./);

    redirectsTo(await b.get('/settings/profile'), '/login');
    const json = await b.json('GET', '/settings/profile');
    assert.equal(json.statusCode, 401);
    assert.equal((await a.get('/settings/profile')).statusCode, 200, 'this session stays');
    assert.equal((await stranger.get('/settings/profile')).statusCode, 200, 'other users keep theirs');
    assert.equal(await sessionsOf(p.id), 1);

    await assert.rejects(login(t.app, p.email, 'password-123'));
    await login(t.app, p.email, 'brand-new-pass');
    const json2 = await a.json('PUT', '/settings/password', {
      current_password: 'brand-new-pass',
      password: 'third-pass-123',
      password_confirmation: 'third-pass-123',
    });
    assert.equal(json2.statusCode, 200);
    assert.deepEqual(json2.json(), { message: 'Password updated. Your other sessions have been logged out.' });
  });
});

describe('settings navigation', () => {
  test('Settings for everyone, API keys and webhooks for admins and sellers, payment details for sellers', async () => {
    for (const [role, keys] of [
      ['seller', true],
      ['admin', true],
      ['manager', false],
      ['stock-manager', false],
    ] as [Role, boolean][]) {
      const a = await login(t.app, (await person(role)).email);
      const page = await a.get('/settings/profile');
      const nav = /<nav class="sidebar"[\s\S]*?<\/nav>/.exec(page.body)![0];
      assert.match(nav, /href="\/settings\/profile"[^>]*>[\s\S]*?Settings/, role);
      assert.equal(/href="\/settings\/api-keys"/.test(nav), keys, role);
      const tabs = /<nav class="tabs"[\s\S]*?<\/nav>/.exec(page.body)![0];
      assert.equal(/API keys/.test(tabs), keys, role);
      assert.equal(/href="\/settings\/webhooks"/.test(nav), keys, role);
      assert.equal(/Webhooks/.test(tabs), keys, role);
      // Payment details is the seller's own (where payouts go); a tab beside the others, not only a sidebar entry.
      assert.equal(/href="\/settings\/payment">Payment details/.test(tabs), role === 'seller', role);
      if (role === 'seller') {
        const payment = await a.get('/settings/payment');
        assert.match(
          payment.body,
          /<nav class="tabs"[\s\S]*?href="\/settings\/payment" class="active" aria-current="page">Payment details/,
        );
      }
      redirectsTo(await a.get('/settings'), '/settings/profile');
    }
  });

  test("the sidebar shows its entries under their sections, in the menu's order", async () => {
    const a = await login(t.app, (await person('seller')).email);
    const nav = /<nav class="sidebar"[\s\S]*?<\/nav>/.exec((await a.get('/settings/profile')).body)![0];
    const text = nav
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    assert.match(
      text,
      /^Home Leads Orders Team Catalog Products .* Stock Warehouses Stocks Stock histories Finance Balance Payouts Settings Settings API keys/,
    );
    assert.match(nav, /<p class="nav-section" id="nav-section-(\d)">Finance<\/p><ul aria-labelledby="nav-section-\1">/);
  });
});

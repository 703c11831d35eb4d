import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lead, tenant, withTestApp } from '../test-support/harness.js';
import { fieldErrors } from '../test-support/expect.js';
import { login } from '../test-support/session.js';
import { person } from '../test-support/people.js';

// Asia/Tokyo (UTC+9, no summer time) as the platform's zone: 20:30 UTC on 14 Jan is 05:30 on 15 Jan there.
test("the dashboard shows, filters and reads times in the platform's zone (TIMEZONE); the API stays in UTC", () =>
  withTestApp(
    async (t) => {
      const a = await tenant(t.db);
      const created = await t.app.inject({ method: 'POST', url: '/api/web/1.0/leads', headers: a.auth, payload: { leads: [lead(1)] } });
      assert.equal(created.statusCode, 201, created.body);
      const { rows } = await t.db.query<{ id: string; reference: string }>(
        `UPDATE leads SET created_at = '2026-01-14T20:30:00Z' WHERE account_id = $1 RETURNING id, reference`,
        [a.accountId],
      );
      const [{ id, reference }] = rows;
      const s = await login(t.app, a.email);

      const page = await s.get(`/leads/${id}/show`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /15 Jan 2026, 05:30 UTC\+9/);
      assert.match(page.body, /Needed for Call later \(Asia\/Tokyo time\)/);
      const list = await s.get('/leads');
      assert.match(
        list.body,
        /<time datetime="2026-01-14T20:30:00Z" class="datetime"><span class="nowrap">15 Jan 2026,<\/span> <span class="nowrap">05:30 UTC\+9<\/span>/,
      );

      // A day in the dashboard's filters is Tokyo's; the API's created_from/created_to are UTC days.
      const refs = (body: string) =>
        (JSON.parse(body) as { data: { reference?: string; item?: { reference: string } }[] }).data.map(
          (r) => r.item?.reference ?? r.reference,
        );
      assert.deepEqual(refs((await s.json('GET', '/leads?created_from=2026-01-15&created_to=2026-01-15')).body), [reference]);
      assert.deepEqual(refs((await s.json('GET', '/leads?created_to=2026-01-14')).body), []);
      const api = (q: string) => t.app.inject({ method: 'GET', url: `/api/web/1.0/leads?${q}`, headers: a.auth });
      assert.deepEqual(refs((await api('created_from=2026-01-15')).body), []);
      assert.deepEqual(refs((await api('created_from=2026-01-14&created_to=2026-01-14')).body), [reference]);

      // "Call back at" is typed on Tokyo's clock; a refused form comes back with the time as typed.
      await s.get(`/leads/${id}/show`); // the page the form is sent from, where it comes back
      const past = await s.form(`/leads/${id}/status`, { status: 'call_later', callback_at: '2020-01-01T10:00' }, { method: 'PATCH' });
      const back = await s.follow(past);
      assert.deepEqual(fieldErrors(back.body, 'f-callback_at'), ['The callback at field must be a date after now.']);
      assert.match(back.body, /name="callback_at"[^>]* value="2020-01-01T10:00"/);
      const later = await s.json('PATCH', `/leads/${id}/status`, { status: 'call_later', callback_at: '2099-01-15T15:00' });
      assert.equal(later.statusCode, 200, later.body);
      assert.equal(later.json().data.callback_at, '2099-01-15T06:00:00Z');
      assert.match((await s.get(`/leads/${id}/show`)).body, /15 Jan 2099, 15:00 UTC\+9/);
      // The API reads a time without a zone as UTC.
      const patched = await t.app.inject({
        method: 'PATCH',
        url: `/api/web/1.0/leads/${reference}`,
        headers: a.auth,
        payload: { status: 'call_later', callback_at: '2099-01-15T15:00' },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().data.callback_at, '2099-01-15T15:00:00Z');
    },
    { TIMEZONE: 'Asia/Tokyo' },
  ));

test("an agent's working hours are typed on the platform's clock, and the form says so", () =>
  withTestApp(
    async (t) => {
      const admin = await login(t.app, (await person(t.db, 'admin')).email);
      const form = await admin.get('/users/agents/create');
      assert.match(form.body, /The times of day this agent takes calls, in Asia\/Tokyo time; a To before its From runs past midnight/);
      // And the agent's page names the zone beside the hours.
      const agent = await person(t.db, 'agent');
      await t.db.query(`UPDATE users SET agent_working_hours = '[{"startTime":"09:00","endTime":"17:00"}]' WHERE id = $1`, [agent.id]);
      const shown = (await admin.get(`/users/agents/${agent.id}/show`)).body;
      assert.match(shown, /09:00–17:00<\/span>[\s\S]{0,80}Asia\/Tokyo time/);
    },
    { TIMEZONE: 'Asia/Tokyo' },
  ));

import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../../db/database.js';
import { invalid, notFound } from '../../http/errors.js';
import { compile, confirmed, validate } from '../../http/validation.js';
import { renderPage } from '../../web/page.js';
import { wantsJson } from '../../web/scope.js';
import { Button, Field, Form } from '../../web/ui.js';
import { createUser, EMAIL_TAKEN, findUserByEmail } from '../users/service.js';
import { AuthCard } from './auth-card.js';

const SetupBody = compile(
  Type.Object({
    full_name: Type.String({ maxLength: 100 }),
    email: Type.String({ format: 'email', maxLength: 255 }),
    phone: Type.Optional(Type.String({ maxLength: 100 })),
    password: confirmed(Type.String({ minLength: 8, maxLength: 255 })),
    password_confirmation: Type.String({ maxLength: 255 }),
  }),
);

/** True while no admin exists: the only state in which the setup link works. */
export async function needsSetup(q: Queryable): Promise<boolean> {
  const { rows } = await q.query<{ none: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND deleted_at IS NULL) AS none`,
  );
  return rows[0].none;
}

/**
 * The setup link's secret: derived from the app key and the installation, so every instance that
 * shares them accepts the same link, and nothing is stored. It opens only while no admin exists.
 */
export async function setupToken(q: Queryable, appKey: string): Promise<string> {
  const { rows } = await q.query<{ id: string }>('SELECT id FROM instance');
  return createHmac('sha256', appKey).update(`setup:${rows[0].id}`).digest('base64url').slice(0, 32);
}

/** The line `npm start` prints on an empty database, or undefined once an admin exists. */
export async function setupNotice(q: Queryable, appKey: string, baseUrl: string): Promise<string | undefined> {
  if (!(await needsSetup(q))) return undefined;
  return `codops: no admin yet. Open ${baseUrl}/setup/${await setupToken(q, appKey)} to create the first one (the link works once).`;
}

/** /setup/{token}: the first admin, created in the browser, then signed in. */
export async function setupPages(web: FastifyInstance) {
  const { db, config } = web;
  const checkToken = async (given: string) => {
    const expected = Buffer.from(await setupToken(db, config.appKey));
    const got = Buffer.from(given);
    if (got.length !== expected.length || !timingSafeEqual(got, expected) || !(await needsSetup(db))) throw notFound();
  };
  const guest = { config: { guest: true } };

  web.get<{ Params: { token: string } }>('/setup/:token', guest, async (req, reply) => {
    await checkToken(req.params.token);
    return renderPage(req, reply, {
      title: 'Create the first admin',
      bare: true,
      body: (
        <AuthCard title="Create the first admin">
          <p class="muted">This link works once: the admin you create here can then add everyone else.</p>
          <Form action={`/setup/${req.params.token}`} label="Create the first admin">
            <Field name="full_name" label="Full name" autocomplete="name" required />
            <Field name="email" label="Email" type="email" autocomplete="username" required />
            <Field name="phone" label="Phone" type="tel" autocomplete="tel" />
            <Field name="password" label="Password" type="password" autocomplete="new-password" required hint="At least 8 characters." />
            <Field name="password_confirmation" label="Confirm the password" type="password" autocomplete="new-password" required />
            <Button>Create the admin and log in</Button>
          </Form>
        </AuthCard>
      ),
    });
  });

  web.post<{ Params: { token: string } }>('/setup/:token', guest, async (req, reply) => {
    await checkToken(req.params.token);
    const body = validate(SetupBody, req.body);
    const fullName = body.full_name.trim();
    if (fullName === '') throw invalid({ full_name: ['The full name field is required.'] });
    const id = await db.tx(async (q) => {
      // Two browsers submitting at once: the second finds the admin the first created.
      await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('codops:setup', 0))`);
      if (!(await needsSetup(q))) throw notFound();
      if (await findUserByEmail(q, body.email)) throw invalid({ email: [EMAIL_TAKEN] });
      const phone = body.phone?.trim() || null;
      return (await createUser(q, { role: 'admin', email: body.email, password: body.password, fullName, phone })).id;
    });
    await req.session.regenerate();
    req.session.userId = id;
    req.session.lastSeen = Date.now();
    if (wantsJson(req)) return reply.code(201).send({ data: { id } });
    req.session.flash = { success: 'Welcome! You are the first admin of this codops.' };
    return reply.redirect('/', 302);
  });
}

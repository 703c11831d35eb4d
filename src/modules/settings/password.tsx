import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { compile, confirmed, ErrorBag } from '../../http/validation.js';
import { audit } from '../../web/audit.js';
import { renderPage } from '../../web/page.js';
import { done } from '../../web/respond.js';
import { formRoutes } from '../../web/scope.js';
import { endUserSessions } from '../../web/session-store.js';
import { Button, Card, Field, Form } from '../../web/ui.js';
import { hashPassword, passwordHashOf, storePasswordHash, verifyPassword } from '../users/passwords.js';
import { SettingsHeader } from './components.js';

const PasswordBody = compile(
  Type.Object({
    current_password: Type.String({ maxLength: 255 }),
    password: confirmed(Type.String({ minLength: 8, maxLength: 255 })),
    password_confirmation: Type.Optional(Type.String({ maxLength: 255 })),
  }),
);

const PASSWORD_UPDATED = 'Password updated. Your other sessions have been logged out.';
const PASSWORD_INCORRECT = 'The password is incorrect.';

function PasswordPage() {
  return (
    <>
      <SettingsHeader title="Settings" subtitle="Your profile, password and API keys." />
      <Card title="Change your password">
        <p class="muted">After the change, every other browser or device logged in as you is logged out.</p>
        <Form action="/settings/password" method="PUT" label="Change your password">
          <Field name="current_password" label="Current password" type="password" autocomplete="current-password" required />
          <Field name="password" label="New password" type="password" autocomplete="new-password" required hint="At least 8 characters." />
          <Field name="password_confirmation" label="Confirm the new password" type="password" autocomplete="new-password" required />
          <div class="form-actions">
            <Button>Change the password</Button>
          </div>
        </Form>
      </Card>
    </>
  );
}

export async function passwordPages(web: FastifyInstance) {
  const route = formRoutes(web);
  const { db } = web;

  web.get('/settings/password', async (req, reply) => renderPage(req, reply, { title: 'Password', body: <PasswordPage /> }));

  route('PUT', '/settings/password', { config: { back: '/settings/password' } }, async (req, reply) => {
    const user = req.user!;
    const bag = new ErrorBag();
    const input = PasswordBody.check(req.body, bag);
    if (!bag.has('current_password')) {
      const stored = await passwordHashOf(db, user.id);
      if (!stored || !(await verifyPassword(input.current_password, stored))) bag.add('current_password', PASSWORD_INCORRECT);
    }
    bag.throwIfAny(PasswordBody.schema);

    const hash = await hashPassword(input.password);
    await db.tx(async (q) => {
      await storePasswordHash(q, user.id, hash);
      // Every other session of this user ends now; this one stays logged in.
      await endUserSessions(q, user.id, req.session.sessionId);
      await audit(q, user, 'users.update_password', { type: 'user', id: user.id, accountId: user.account_id });
    });
    return done(req, reply, { message: PASSWORD_UPDATED, redirect: '/settings/password' });
  });
}

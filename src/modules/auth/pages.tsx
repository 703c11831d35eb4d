import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { invalid, tooManyLogins } from '../../http/errors.js';
import { compile, confirmed, validate } from '../../http/validation.js';
import { sendMail } from '../../lib/mailer.js';
import { renderPage } from '../../web/page.js';
import { REMEMBER_MS, wantsJson } from '../../web/scope.js';
import { audit } from '../../web/audit.js';
import { isLocalPath } from '../../web/respond.js';
import { endUserSessions } from '../../web/session-store.js';
import { Button, Checkbox, Field, Form } from '../../web/ui.js';
import { hashPassword, isLegacyHash, storePasswordHash, verifyPassword } from '../users/passwords.js';
import { consumeResetToken, createResetToken } from './password-resets.js';
import { activeUserByEmail, loginCandidate } from './queries.js';
import { AuthCard } from './auth-card.js';
import { needsSetup, setupPages } from './setup.js';
import { claimAttempt, clearFailures } from './throttle.js';

const CREDENTIALS = 'These credentials do not match our records.';
const RESET_SENT = 'If an account exists for that email address, we have emailed a password reset link.';
const RESET_DONE = 'Your password has been reset. You can log in with it now.';
const RESET_INVALID = 'This password reset link is invalid or has expired.';

const LoginBody = compile(
  Type.Object({
    email: Type.String({ format: 'email', maxLength: 255 }),
    password: Type.String({ maxLength: 1000 }),
    remember: Type.Optional(Type.Boolean()),
  }),
);
const ResetRequestBody = compile(Type.Object({ email: Type.String({ format: 'email', maxLength: 255 }) }));
const ResetBody = compile(
  Type.Object({
    token: Type.String({ maxLength: 200 }),
    email: Type.String({ format: 'email', maxLength: 255 }),
    password: confirmed(Type.String({ minLength: 8, maxLength: 255 })),
    password_confirmation: Type.String({ maxLength: 255 }),
  }),
);

async function loginPage(req: FastifyRequest, reply: FastifyReply, status = 200) {
  const firstRun = await needsSetup(req.server.db);
  return renderPage(req, reply, {
    title: 'Log in',
    status,
    bare: true,
    body: (
      <AuthCard title="Log in to your dashboard">
        {firstRun && (
          <p class="notice" role="status">
            No one can log in yet. The console where codops started shows a one-time <strong>setup link</strong> that creates the first
            admin (restart it to see the link again).
          </p>
        )}
        <Form action="/login" label="Log in">
          <Field name="email" label="Email" type="email" autocomplete="username" required />
          <Field name="password" label="Password" type="password" autocomplete="current-password" required />
          <Checkbox name="remember" label="Remember me" />
          <Button>Log in</Button>
        </Form>
        <div class="auth-links">
          <a href="/reset-password">Forgot your password?</a>
        </div>
      </AuthCard>
    ),
  });
}

export async function authPages(web: FastifyInstance) {
  const guest = { config: { guest: true } };
  await setupPages(web);

  web.get('/login', guest, async (req, reply) => {
    if (req.user) return reply.redirect('/', 302);
    return loginPage(req, reply);
  });

  web.post('/login', { config: { guest: true, back: '/login' } }, async (req, reply) => {
    const body = validate(LoginBody, req.body);
    const wait = await claimAttempt(web.db, body.email, req.ip);
    if (wait > 0) {
      const refusal = tooManyLogins(wait);
      reply.header('retry-after', String(wait));
      if (wantsJson(req)) throw refusal;
      req.session.errors = { email: [refusal.message] };
      req.session.old = { email: body.email };
      return loginPage(req, reply, 429);
    }
    const user = await loginCandidate(web.db, body.email);
    const ok = user ? await verifyPassword(body.password, user.password_hash) : await verifyPassword(body.password, DUMMY_HASH);
    // A failure was counted by claimAttempt already.
    if (!user || !ok || !user.usable) throw invalid({ email: [CREDENTIALS] });
    await clearFailures(web.db, body.email, req.ip);
    if (isLegacyHash(user.password_hash)) {
      await storePasswordHash(web.db, user.id, await hashPassword(body.password), false);
    }
    const intended = req.session.intended;
    await req.session.regenerate();
    req.session.userId = user.id;
    req.session.remember = body.remember === true;
    // The cookie's lifetime is set at login: later requests save the session only when it changes.
    if (req.session.remember) req.session.options({ maxAge: REMEMBER_MS });
    req.session.lastSeen = Date.now();
    if (wantsJson(req)) return reply.send({ data: { id: user.id } });
    return reply.redirect(intended && isLocalPath(intended) ? intended : '/', 302);
  });

  web.post('/logout', async (req, reply) => {
    await req.session.destroy();
    if (wantsJson(req)) return reply.send({ message: 'Logged out.' });
    return reply.redirect('/login', 302);
  });

  web.get('/reset-password', guest, async (req, reply) =>
    renderPage(req, reply, {
      title: 'Reset your password',
      bare: true,
      body: (
        <AuthCard title="Reset your password">
          <p class="muted">Enter your email address and we will send you a link to choose a new password.</p>
          <Form action="/reset-password" label="Reset password">
            <Field name="email" label="Email" type="email" autocomplete="username" required />
            <Button>Email me a reset link</Button>
          </Form>
          <div class="auth-links">
            <a href="/login">Back to log in</a>
          </div>
        </AuthCard>
      ),
    }),
  );

  web.get<{ Params: { token: string }; Querystring: { email?: unknown } }>('/reset-password/:token', guest, async (req, reply) => {
    const { token } = req.params;
    const email = String(req.query.email ?? '');
    return renderPage(req, reply, {
      title: 'Choose a new password',
      bare: true,
      body: (
        <AuthCard title="Choose a new password">
          <Form action="/reset-password" label="Choose a new password">
            <input type="hidden" name="token" value={token} />
            <Field name="email" label="Email" type="email" value={email} autocomplete="username" required />
            <Field
              name="password"
              label="New password"
              type="password"
              autocomplete="new-password"
              required
              hint="At least 8 characters."
            />
            <Field name="password_confirmation" label="Confirm the new password" type="password" autocomplete="new-password" required />
            <Button>Set the new password</Button>
          </Form>
        </AuthCard>
      ),
    });
  });

  // One path, as the product documents it: an email alone asks for a link; with a token, it resets.
  web.post('/reset-password', { config: { guest: true, back: resetFormOf } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.token === undefined) {
      const { email } = validate(ResetRequestBody, body);
      const found = await activeUserByEmail(web.db, email);
      // No second mail within a minute (createResetToken): the answer stays the same.
      const token = found && (await createResetToken(web.db, found.id));
      if (found && token) {
        const link = `${web.config.appUrl}/reset-password/${token}?email=${encodeURIComponent(found.email)}`;
        // Not awaited: the answer is the same, as fast, and never a 500 whether or not the address
        // exists and whether or not the mail server answers (a failed send is logged; ask again).
        void sendMail(web.config, req.log, {
          to: found.email,
          subject: 'Reset your codops password',
          text: `Someone asked to reset the password of your codops account.\n\nChoose a new password here (valid for 60 minutes, once):\n${link}\n\nIf it was not you, ignore this message.\n`,
          link,
        }).catch((err: unknown) => req.log.error({ err, to: found.email }, 'password reset mail not sent'));
      }
      if (wantsJson(req)) return reply.send({ message: RESET_SENT });
      req.session.flash = { success: RESET_SENT };
      return reply.redirect('/reset-password', 302);
    }
    const input = validate(ResetBody, body);
    const user = await web.db.tx(async (q) => {
      const found = await consumeResetToken(q, input.token, input.email);
      if (!found) return undefined;
      await storePasswordHash(q, found.id, await hashPassword(input.password));
      await endUserSessions(q, found.id);
      // Whoever holds the mailed link acts as its user; recorded as the settings page records a new password.
      await audit(q, { id: found.id, impersonator: null }, 'users.reset_password', {
        type: 'user',
        id: found.id,
        accountId: found.account_id,
      });
      return found;
    });
    if (!user) throw invalid({ email: [RESET_INVALID] });
    if (wantsJson(req)) return reply.send({ message: RESET_DONE });
    req.session.flash = { success: RESET_DONE };
    return reply.redirect('/login', 302);
  });
}

/**
 * The form a refused reset came from (also without a Referer): the link's page with its token (a
 * mailed one's shape: hex), or the request form; an email past its field's length is left out.
 */
function resetFormOf(req: FastifyRequest): string {
  const { token, email } = (req.body ?? {}) as Record<string, unknown>;
  if (typeof token !== 'string' || !/^[0-9a-f]{1,200}$/i.test(token)) return '/reset-password';
  const known = typeof email === 'string' && email.length <= 255 ? `?email=${encodeURIComponent(email)}` : '';
  return `/reset-password/${token}${known}`;
}

// Verifying against a fixed hash when the email is unknown keeps the timing the same.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3Wz5cVDaMXEahLk4AAEEgO4QUGYxYUsMpY3Y1n8V5nQ';

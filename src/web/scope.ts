import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
  RouteShorthandOptions,
} from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import CsrfTokens from '@fastify/csrf';
import { createHash } from 'node:crypto';
import { forbidden, methodNotAllowed, pageExpired, unauthenticated } from '../http/errors.js';
import { rejectControlCharacters } from '../http/input-hygiene.js';
import { DbSessionStore } from './session-store.js';
import { actorFields } from './actor.js';
import { hostPrefixedCookie } from './secure-cookie.js';
import { overHttps } from '../http/security-headers.js';
import type { WebUser } from './types.js';
import './types.js';

/** How long a "Remember me" session lasts without a request. */
export const REMEMBER_MS = 30 * 24 * 3600 * 1000;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The method an HTML form asks for with `_method` (forms can only POST). */
export function spoofedMethod(req: FastifyRequest): string {
  const body: unknown = req.body;
  const method = body && typeof body === 'object' && '_method' in body ? body._method : undefined;
  return String(method ?? '').toUpperCase();
}

export const wantsJson = (req: FastifyRequest) => /application\/json/i.test(String(req.headers.accept ?? ''));

/**
 * The dashboard's conventions for every route registered inside it: database sessions, CSRF on
 * unsafe methods (419), the signed-in user, and the route's policy check (302 to /login or 401,
 * then 403).
 */
export async function webScope(web: FastifyInstance) {
  const { config, db } = web;
  const idleMs = config.sessionIdleMinutes * 60_000;
  web.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), web: true };
  });
  await web.register(fastifyFormbody, { bodyLimit: config.bodyLimit });
  // A JSON request without a body (a revoke, a cancel) sent with its client's usual
  // `Content-Type: application/json` has no input, as in the API, rather than Fastify's 400.
  const parseJson = web.getDefaultJsonParser('error', 'error');
  web.removeContentTypeParser('application/json');
  web.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = String(body);
    if (text.trim() === '') done(null, undefined);
    else parseJson(req, text, done);
  });
  await web.register(fastifyCookie);
  const sessionCookie = hostPrefixedCookie('codops_session');
  sessionCookie.read(web);
  await web.register(fastifySession, {
    secret: createHash('sha256').update(`session:${config.appKey}`).digest('base64'),
    cookieName: 'codops_session',
    store: new DbSessionStore(db, idleMs) as never,
    saveUninitialized: false,
    // Saved (row and cookie) only when changed, not on every request: `lastSeen` below changes at
    // most once a minute, which renews both expiries; reading the row each request still ends a
    // session at once on logout or deactivation.
    rolling: false,
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: idleMs },
  });
  sessionCookie.write(web);
  await web.register(fastifyCsrf, {
    sessionPlugin: '@fastify/session',
    getToken: (req) => {
      const body: unknown = req.body;
      const token = body && typeof body === 'object' && '_token' in body ? body._token : undefined;
      return (typeof token === 'string' ? token : undefined) ?? (req.headers['x-csrf-token'] as string | undefined);
    },
  });

  // Signed-in answers are kept by no cache: pages set no-store (renderPage), and the JSON of the
  // same URL holds the same records; without it a browser could keep it after logout (or show it
  // for the page: nothing varies on Accept). A route that sets its own (a download) keeps it.
  web.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  web.addHook('preHandler', async (req, reply) => {
    const s = req.session;
    if (s.userId) {
      const idle = s.remember ? REMEMBER_MS : idleMs;
      if (s.lastSeen && Date.now() - s.lastSeen > idle) {
        await s.destroy();
      } else {
        req.user = await loadUser(web, s.userId, s.impersonatorId);
        if (!req.user) await s.destroy();
        else {
          if (!s.lastSeen || Date.now() - s.lastSeen > 60_000) s.lastSeen = Date.now();
          if (s.remember) s.options({ maxAge: REMEMBER_MS });
        }
      }
    }
    if (UNSAFE.has(req.method)) {
      // The session ended above (its user deactivated while the request was on its way, or idle): its
      // CSRF secret went with it, so the form's token can no longer match.
      if (!req.session) throw pageExpired();
      await new Promise<void>((resolve, reject) => web.csrfProtection(req, reply, (err?: unknown) => (err ? reject(err) : resolve())));
    }
    await guard(req, req.routeOptions.config);
    await rejectControlCharacters(req);
  });

  return signedInVisitor(web, idleMs);
}

/**
 * Who asks for a path no route serves: such requests run outside this scope (the root's not-found
 * handler), so the 404 page would otherwise miss the signed-in user's layout. Reads the session
 * and lends the page a CSRF token for its logout form; it saves the session only to keep the CSRF
 * secret it had to make (a session whose first page is this one).
 */
function signedInVisitor(web: FastifyInstance, idleMs: number) {
  const tokens = CsrfTokens();
  return async (req: FastifyRequest) => {
    const header = req.headers.cookie;
    if (!header) return;
    const cookies = web.parseCookie(header);
    const sid = overHttps(req) ? cookies['__Host-codops_session'] : cookies.codops_session;
    if (!sid) return;
    await new Promise<void>((resolve, reject) => web.decryptSession(sid, req, (err?: unknown) => (err ? reject(err) : resolve())));
    const s = req.session as FastifyRequest['session'] | undefined;
    if (!s?.userId) return;
    if (s.lastSeen && Date.now() - s.lastSeen > (s.remember ? REMEMBER_MS : idleMs)) return;
    req.user = await loadUser(web, s.userId, s.impersonatorId);
    if (!req.user) return;
    const held = s as { _csrf?: string };
    let secret = held._csrf;
    if (!secret) {
      // No page made the session's CSRF secret yet (curl's login, then this 404 first): its Log out
      // form had an empty token and answered 419. The secret is made here and kept, as a page does.
      secret = tokens.secretSync();
      held._csrf = secret;
      await s.save();
    }
    req.csrfToken = tokens.create(secret);
  };
}

/** Redirect guests to the login page (pages) or answer 401 (JSON); then the route's policy. */
async function guard(req: FastifyRequest, cfg: { guest?: boolean; can?: (u: WebUser) => boolean }) {
  if (cfg.guest) return;
  if (!req.user) throw unauthenticated();
  if (cfg.can && !cfg.can(req.user)) throw forbidden();
}

async function loadUser(web: FastifyInstance, userId: string, impersonatorId?: string): Promise<WebUser | undefined> {
  const { rows } = await web.db.query<WebUser & { usable: boolean; imp_name: string | null }>(
    `SELECT u.id, u.role, u.account_id, u.full_name, u.email, u.hide_money, u.picture_path,
            (u.status = 'active' AND (a.id IS NULL OR a.status = 'active')) AS usable,
            (SELECT i.full_name FROM users i WHERE i.id = $2 AND i.role = 'admin' AND i.status = 'active') AS imp_name,
            (SELECT count(*)::int FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL) AS unread_notifications
       FROM users u LEFT JOIN accounts a ON a.id = u.account_id WHERE u.id = $1`,
    [userId, impersonatorId ?? null],
  );
  const row = rows[0];
  if (!row || !row.usable) return undefined;
  if (impersonatorId && !row.imp_name) return undefined;
  const { usable, imp_name, ...user } = row;
  void usable;
  const impersonator = impersonatorId && imp_name ? { id: impersonatorId, full_name: imp_name } : null;
  return { ...user, impersonator, ...actorFields(user, impersonator) };
}

type SpoofTarget = { handler: RouteHandlerMethod; config: RouteShorthandOptions['config'] };

/**
 * HTML forms can only POST: `_method=PATCH|PUT|DELETE` in the body reaches those routes. Each
 * spoofable route also gets a POST twin that dispatches on `_method`, with the target's policy.
 */
export function formRoutes(web: FastifyInstance) {
  const table = new Map<string, Map<string, SpoofTarget>>();
  return <G extends RouteGenericInterface = RouteGenericInterface>(
    method: 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    opts: RouteShorthandOptions,
    handler: RouteHandlerMethod<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, G>,
  ) => {
    web.route<G>({ ...opts, method, url, handler });
    let targets = table.get(url);
    if (!targets) {
      const created = new Map<string, SpoofTarget>();
      targets = created;
      table.set(url, created);
      web.post(
        url,
        { ...opts, config: { ...(opts.config ?? {}), can: undefined } },
        async function (req: FastifyRequest, reply: FastifyReply) {
          const spoof = spoofedMethod(req);
          const target = created.get(spoof);
          if (!target) throw methodNotAllowed();
          await guard(req, target.config ?? {});
          return target.handler.call(this, req, reply);
        },
      );
    }
    targets.set(method, { handler: handler as RouteHandlerMethod, config: opts.config });
  };
}

/** A record's update, from a form or as JSON: `PATCH` and `PUT` on `url`, each with its POST twin. */
export function updateRoutes<G extends RouteGenericInterface>(
  route: ReturnType<typeof formRoutes>,
  url: string,
  opts: RouteShorthandOptions,
  handler: RouteHandlerMethod<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, G>,
) {
  route<G>('PATCH', url, opts, handler);
  route<G>('PUT', url, opts, handler);
}

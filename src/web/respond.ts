import type { FastifyReply, FastifyRequest } from 'fastify';
import { withoutControlCharacters } from '../http/input-hygiene.js';
import { wantsJson } from './scope.js';

/**
 * A path of this site: `/…`, but not `//host` or `/\host`, which a browser reads as another site
 * (Location: //evil.example leaves the site).
 */
export const isLocalPath = (path: string) => /^\/(?![/\\])/.test(path);

/** A same-site path to go back to: the Referer when it is ours (and one of the `only` pages, given), else the fallback. */
export function backUrl(req: FastifyRequest, fallback = '/', only?: readonly string[]): string {
  const ref = req.headers.referer;
  if (ref) {
    try {
      const u = new URL(ref);
      const allowed = !only || only.includes(u.pathname);
      if (u.host === req.headers.host && isLocalPath(u.pathname) && allowed) return u.pathname + u.search;
    } catch {
      /* not a URL */
    }
  }
  return fallback;
}

/**
 * A successful form submission: JSON (`{"data":…}` 201/200 or `{"message":…}`) when asked for,
 * else 302 to `redirect` with a one-time success message.
 */
export function done(
  req: FastifyRequest,
  reply: FastifyReply,
  opts: { message: string; redirect: string; data?: unknown; status?: number },
) {
  if (wantsJson(req)) {
    const body = opts.data === undefined ? { message: opts.message } : { data: opts.data };
    return reply.code(opts.status ?? 200).send(body);
  }
  req.session.flash = { success: opts.message };
  return reply.redirect(opts.redirect, 302);
}

/** The field a record's own button (a list row's Delete) posts beside its `ids[]`: they are not a selection. */
export const OWN_BUTTON = '_own';

/**
 * A refused action told in the flash rather than beside a field (a list's bulk action, a delete still
 * in use): 302 back to the page it came from (its filters and page: the Referer) with the input kept
 * as old input, so a list comes back with the same rows ticked, and none when a row's own button
 * (`OWN_BUTTON`) was pressed: the user ticked nothing. Nothing was written.
 */
export function refuseBack(req: FastifyRequest, reply: FastifyReply, message: string, fallback: string) {
  req.session.flash = { error: message };
  const { [OWN_BUTTON]: own, ...old } = oldInput(req.body);
  if (own) delete old.ids;
  req.session.old = old;
  return reply.redirect(backUrl(req, fallback), 302);
}

/**
 * Input kept for refilling a form after a failed validation: never passwords, secrets, API keys or
 * tokens (they are not shown back, and would sit in the session store in plain text).
 */
export function oldInput(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object') return {};
  const kept = Object.fromEntries(Object.entries(body).filter(([k]) => !/password|secret|api_key|^_token$|^_method$/i.test(k)));
  // The session is stored as JSON, which cannot hold a NUL: refused control characters are not shown back.
  return JSON.parse(JSON.stringify(kept), (k, v: unknown) =>
    k !== withoutControlCharacters(k) ? undefined : typeof v === 'string' ? withoutControlCharacters(v) : v,
  ) as Record<string, unknown>;
}

import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import sjson from 'secure-json-parse';
import { badJson, forbidden, unauthenticated } from './errors.js';
import { rejectControlCharacters } from './input-hygiene.js';

// A `\uD800`–`\uDFFF` escape in the text: only then can a parsed string hold a lone surrogate.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a parsed JSON value holds a string (or key) with a surrogate escape that is not half of a pair. */
function holdsLoneSurrogate(v: unknown): boolean {
  if (typeof v === 'string') return LONE_SURROGATE.test(v);
  if (Array.isArray(v)) return v.some(holdsLoneSurrogate);
  if (v !== null && typeof v === 'object') return Object.entries(v).some(([k, x]) => LONE_SURROGATE.test(k) || holdsLoneSurrogate(x));
  return false;
}

/** Where the REST API lives (api-v1.md). */
export const API_PREFIX = '/api/web/1.0';

/**
 * Hooks of every /api/web/1.0 route, in the order api-v1.md fixes: authentication (401), rate
 * limit (429), scope and policy (403), then body parsing (400/413/415) and the handler.
 */
export async function apiScope(api: FastifyInstance, opts: { unrouted: (req: FastifyRequest, reply: FastifyReply) => unknown }) {
  api.removeAllContentTypeParsers();
  // JSON is UTF-8 (RFC 8259): a body that is not is refused like malformed JSON, not read with U+FFFD in its place.
  api.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    if (!isUtf8(body as Buffer)) return done(badJson(), undefined);
    const text = body.toString();
    req.rawBody = text;
    if (text.trim() === '') return done(null, undefined);
    let value: unknown;
    try {
      value = sjson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
    } catch {
      return done(badJson(), undefined);
    }
    // `"\ud800"` alone names no character (PHP's json_decode refuses it): stored, it would become U+FFFD.
    if (SURROGATE_ESCAPE.test(text) && holdsLoneSurrogate(value)) return done(badJson(), undefined);
    done(null, value);
  });

  const authenticate = async (req: FastifyRequest) => {
    req.tokenActor = await api.bearer.authenticate(req.headers.authorization);
  };
  api.addHook('onRequest', authenticate);
  // The limit's rules are the plugin's (http/rate-limit.ts): no options here, which would make a child store.
  const limit = api.rateLimit();
  api.addHook('onRequest', limit);
  // A path no API route serves is 404 (or 405) with or without a token, after the rate limit: it too
  // carries the X-RateLimit headers of every API answer.
  api.setNotFoundHandler(opts.unrouted);
  api.addHook('onRequest', async (req) => {
    if (!req.tokenActor && !req.is404 && !req.routeOptions.config.open) throw unauthenticated();
  });
  api.addHook('preParsing', async (req) => {
    const { scope, allows } = req.routeOptions.config;
    const actor = req.tokenActor!;
    if (scope && !actor.scopes.has(scope)) throw forbidden();
    if (allows && !allows(actor)) throw forbidden();
  });
  // After body parsing, before validation: text that could never be stored answers 422 (or 404 in a path).
  api.addHook('preValidation', rejectControlCharacters);
  /** The rate limit of a request under the API that the router refused before any hook ran (app.ts frameworkErrors). */
  return async (req: FastifyRequest, reply: FastifyReply) => {
    await authenticate(req);
    await limit.call(api, req, reply);
  };
}

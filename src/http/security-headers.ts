import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';

/** The dashboard's policy: nothing inline, nothing from elsewhere, never framed. */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  upgradeInsecureRequests: null,
};

/** The same policy as a header value, with `style-src` loosened for Swagger UI, which styles by attributes. */
export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/** HTTPS directly, or by X-Forwarded-Proto when TRUST_PROXY is on (Fastify's `trustProxy` reads it). */
export const overHttps = (req: FastifyRequest) => req.protocol === 'https';

/**
 * Headers on every response: CSP, nosniff, Referrer-Policy, COOP, frame denial; HSTS only on
 * requests that came over HTTPS (over plain HTTP it would be ignored, or pin a dev host).
 */
export async function securityHeaders(app: FastifyInstance) {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    referrerPolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
    strictTransportSecurity: false,
  });
  app.addHook('onRequest', async (req, reply) => {
    if (overHttps(req)) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  });
}

import type { FastifyInstance } from 'fastify';
import { overHttps } from '../http/security-headers.js';

/**
 * Over HTTPS the session cookie is `__Host-<name>` (Secure, Path=/, no Domain: a sibling host or a
 * plain-HTTP page cannot plant it). The session plugin knows one name, so requests are read and
 * answers written under the prefixed name here. Register the `onRequest` half after
 * @fastify/cookie and the `onSend` half after @fastify/session.
 */
export function hostPrefixedCookie(name: string) {
  const prefixed = `__Host-${name}`;
  return {
    read(web: FastifyInstance) {
      web.addHook('onRequest', async (req) => {
        if (!overHttps(req) || !req.cookies) return;
        const cookies = req.cookies as Record<string, string | undefined>;
        // Only the prefixed cookie counts over HTTPS; a plain one may have been planted.
        if (cookies[prefixed] !== undefined) cookies[name] = cookies[prefixed];
        else delete cookies[name];
      });
    },
    write(web: FastifyInstance) {
      web.addHook('onSend', async (req, reply) => {
        if (!overHttps(req)) return;
        const header = reply.getHeader('set-cookie');
        if (header === undefined) return;
        const rename = (c: string) => (c.startsWith(`${name}=`) ? `__Host-${c}` : c);
        reply.removeHeader('set-cookie'); // header() would append to it
        reply.header('set-cookie', Array.isArray(header) ? header.map(rename) : rename(String(header)));
      });
    },
  };
}

import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { headersTooLarge, notHttp, requestTimeout } from './errors.js';
import { freshRequestId } from './request-id.js';
import { SECURITY_HEADERS } from './security-headers.js';

/** The security headers as raw header lines. */
const SECURITY_LINES = Object.entries(SECURITY_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/**
 * Answers what Node's HTTP parser refuses before any route sees it (a URL or headers over the
 * 16 KiB limit, bytes that are not HTTP, headers that do not arrive in time) in the catalogue's
 * shape rather than Fastify's `{"error","message","statusCode"}`, then closes the connection, as
 * Node does: the parser cannot tell where the next request would start. Like every answer it
 * carries an X-Request-Id, a fresh one (no request was parsed to echo one from), named by its log line,
 * and the security headers (no HSTS: whether the request came over HTTPS is not known here).
 */
export function answerClientError(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const answer =
    err.code === 'HPE_HEADER_OVERFLOW' ? headersTooLarge() : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? requestTimeout() : notHttp();
  const remoteAddress = (socket as Duplex & { remoteAddress?: string }).remoteAddress;
  const reqId = freshRequestId();
  this.log.info({ reqId, remoteAddress, res: { statusCode: answer.statusCode }, err: { code: err.code } }, 'request refused');
  if (socket.writable) {
    const body = JSON.stringify(answer.body());
    socket.write(
      `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${reqId}\r\n${SECURITY_LINES}` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

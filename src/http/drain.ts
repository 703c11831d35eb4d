import { Server } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** How long a stopping instance leaves its kept-alive connections open for a proxy to use up. */
export const DRAIN_MS = 1_000;

/**
 * The first step of a graceful stop, before app.close(): no new connections, and the kept-alive ones
 * closed by their next answer rather than under a proxy's feet.
 *
 * Node's http close() also closes every idle kept-alive connection at once; a proxy that has just
 * picked one of them for a request gets a reset, and nginx never sends a POST again (502). So only
 * the listener closes here (new connections are refused: the proxy tries another instance), each
 * answer from now on carries `Connection: close` (app.ts's onSend), and this resolves when every
 * connection has gone or after `ms`; app.close() then closes what is left idle.
 */
export function drainConnections(app: FastifyInstance, ms = DRAIN_MS): Promise<void> {
  app.stopping = true;
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    app.server.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    Server.prototype.close.call(app.server); // net's close: the listener only
  });
}

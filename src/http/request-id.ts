import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A request's id when its client sent none (or an unusable one). */
export const freshRequestId = (): string => randomUUID();

/** Echo a sane client X-Request-Id, else make one. */
export function requestId(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  if (typeof sent === 'string' && /^[\w.:@/+=-]{1,200}$/.test(sent)) return sent;
  return freshRequestId();
}

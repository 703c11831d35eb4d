import type { FastifyReply, FastifyRequest } from 'fastify';
import { compile, ErrorBag, messages } from '../../http/validation.js';
import { LeadListQueryOptional, ListQueryOptional, BulkDeleteBody } from './list-schemas.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

export const bulkDeleteBody = compile(BulkDeleteBody);
/** GET /orders' filters; GET /leads' lack `tracking_number`. */
export const listQuery = compile(ListQueryOptional);
export const leadListQuery = compile(LeadListQueryOptional) as unknown as typeof listQuery;

/** Validates a list query (`v`: the resource's filters), including `status` as a comma list of known statuses. */
export function checkListQuery(query: unknown, statuses: readonly string[], v = listQuery) {
  const bag = new ErrorBag();
  const value = v.check(query, bag);
  let status: string[] | undefined;
  if (typeof value.status === 'string') {
    status = value.status
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (status.some((s) => !statuses.includes(s))) bag.add('status', messages.invalid('status'));
  }
  bag.throwIfAny(v.schema);
  return { ...value, status };
}

/** Sends JSON text built by the database. */
export const sendJson = (reply: FastifyReply, json: string, status = 200) => reply.code(status).type(JSON_TYPE).send(json);

export const actorOf = (req: FastifyRequest) => req.tokenActor!;

export const apiDoc = (tag: string, summary: string, extra: Record<string, unknown> = {}) => ({
  tags: [tag],
  summary,
  security: [{ bearer: [] }],
  ...extra,
});

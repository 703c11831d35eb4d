import type { FastifyReply, FastifyRequest } from 'fastify';
import { readStatusList } from '../../http/status-list.js';
import { compile, ErrorBag } from '../../http/validation.js';
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
  const status = typeof value.status === 'string' ? readStatusList(value.status, statuses, bag) : undefined;
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

import type { FastifyReply, FastifyRequest } from 'fastify';
import { compile, ErrorBag, messages, type Validator } from '../../http/validation.js';
import type { TObject } from '@sinclair/typebox';
import { ListQueryOptional, BulkDeleteBody } from './list-schemas.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

export const bulkDeleteBody = compile(BulkDeleteBody);
const listQueries = new Map<TObject, Validator<typeof ListQueryOptional>>();

/** Validates a list query (`schema`: the resource's filters), including `status` as a comma list of known statuses. */
export function checkListQuery(query: unknown, statuses: readonly string[], schema: TObject = ListQueryOptional) {
  const bag = new ErrorBag();
  let listQuery = listQueries.get(schema);
  if (!listQuery) listQueries.set(schema, (listQuery = compile(schema as typeof ListQueryOptional)));
  const value = listQuery.check(query, bag);
  let status: string[] | undefined;
  if (typeof value.status === 'string') {
    status = value.status
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (status.some((s) => !statuses.includes(s))) bag.add('status', messages.invalid('status'));
  }
  bag.throwIfAny(schema);
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

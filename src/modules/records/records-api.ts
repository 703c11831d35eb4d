// The REST API of a record kind (leads, orders): api-v1.md gives both the same eight endpoints,
// scopes, bodies and messages, so one route table serves both; each module supplies its schemas,
// its policy and the service and query functions behind them.
import type { FastifyInstance } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import type { Queryable } from '../../db/database.js';
import { notFound } from '../../http/errors.js';
import { sendWrite } from '../../http/idempotency.js';
import { ErrorBag, validate } from '../../http/validation.js';
import type { Principal } from '../../core/policy.js';
import type { TokenActor } from '../../core/actor.js';
import { actorOf, apiDoc, bulkDeleteBody, checkListQuery, historyQuery, sendJson } from '../listing/api-helpers.js';
import { BulkDeleteBody, History, HistoryQuery, ListQueryOptional, Message, Page } from '../listing/list-schemas.js';

type Filters = ReturnType<typeof checkListQuery>;
type HistoryFilters = ReturnType<typeof validate<typeof HistoryQuery>>;

interface RecordKind {
  /** `lead`: the paths (`/leads`, `/lead-histories`), the scopes (`VIEW LEADS`) and the messages. */
  one: 'lead' | 'order';
  many: 'leads' | 'orders';
  statuses: readonly string[];
  schemas: { create: TSchema; patch: TSchema; bulkPatch: TSchema; resource: TSchema };
  /** The role policy of each endpoint (`history` for the histories list). */
  authorize: (who: Principal, action: 'view' | 'history' | 'create' | 'update' | 'delete') => boolean;
  /** OpenAPI summaries that need the article or the rule: "Show a lead", "Delete an order (…)". */
  docs: { show: string; update: string; delete: string };
  create: (q: Queryable, actor: TokenActor, body: unknown) => Promise<string[]>;
  page: (q: Queryable, accountId: string, filters: Filters) => Promise<string>;
  json: (q: Queryable, accountId: string, reference: string) => Promise<string | undefined>;
  patch: (q: Queryable, actor: TokenActor, reference: string, body: unknown) => Promise<void>;
  patchBulk: (q: Queryable, actor: TokenActor, body: unknown) => Promise<string[]>;
  /** Deletes `references` (errors keyed by `keyOf(i)` into `bag`), answers how many went. */
  remove: (q: Queryable, actor: TokenActor, references: string[], keyOf: (i: number) => string, bag: ErrorBag) => Promise<number>;
  histories: (q: Queryable, accountId: string, filters: HistoryFilters) => Promise<string>;
}

const Reference = Type.Object({ reference: Type.String() });
const capital = (s: string) => `${s[0].toUpperCase()}${s.slice(1)}`;

export function recordsApi(k: RecordKind) {
  const [One, Many] = [capital(k.one), capital(k.many)];
  const tag = Many;
  const SCOPE = k.many.toUpperCase() as Uppercase<RecordKind['many']>;
  const may = (action: Parameters<RecordKind['authorize']>[1]) => (who: Principal) => k.authorize(who, action);
  const { create, patch, bulkPatch, resource } = k.schemas;
  const path = `/${k.many}`;
  const item = `/${k.many}/:reference`;

  return async function routes(api: FastifyInstance, opts: { bulkBodyLimit: number }) {
    const bulk = { bodyLimit: opts.bulkBodyLimit };

    api.post(
      path,
      {
        ...bulk,
        config: { scope: `CREATE ${SCOPE}`, allows: may('create') },
        schema: apiDoc(tag, `Create up to 1,000 ${k.many}, all or nothing`, {
          body: create,
          response: { 201: Type.Object({ message: Type.String(), data: Type.Object({ references: Type.Array(Type.String()) }) }) },
        }),
      },
      (req, reply) =>
        sendWrite(req, reply, async (q) => {
          const references = await k.create(q, actorOf(req), req.body);
          return { status: 201, json: JSON.stringify({ message: `${Many} created successfully.`, data: { references } }) };
        }),
    );

    api.get(
      path,
      {
        config: { scope: `VIEW ${SCOPE}`, allows: may('view') },
        schema: apiDoc(tag, `List ${k.many}, newest first`, { querystring: ListQueryOptional, response: { 200: Page(resource) } }),
      },
      async (req, reply) => sendJson(reply, await k.page(api.db, actorOf(req).accountId, checkListQuery(req.query, k.statuses))),
    );

    api.get(
      item,
      {
        config: { scope: `VIEW ${SCOPE}`, allows: may('view') },
        schema: apiDoc(tag, k.docs.show, { params: Reference, response: { 200: Type.Object({ data: resource }) } }),
      },
      async (req, reply) => {
        const json = await k.json(api.db, actorOf(req).accountId, (req.params as { reference: string }).reference);
        if (!json) throw notFound();
        return sendJson(reply, `{"data":${json}}`);
      },
    );

    api.patch(
      item,
      {
        config: { scope: `UPDATE ${SCOPE}`, allows: may('update') },
        schema: apiDoc(tag, k.docs.update, {
          params: Reference,
          body: patch,
          response: { 200: Type.Object({ message: Type.String(), data: resource }) },
        }),
      },
      (req, reply) =>
        sendWrite(req, reply, async (q) => {
          const actor = actorOf(req);
          const { reference } = req.params as { reference: string };
          await k.patch(q, actor, reference, req.body);
          const json = await k.json(q, actor.accountId, reference);
          return { status: 200, json: `{"message":"${One} updated successfully.","data":${json}}` };
        }),
    );

    api.patch(
      path,
      {
        ...bulk,
        config: { scope: `UPDATE ${SCOPE}`, allows: may('update') },
        schema: apiDoc(tag, `Update up to 1,000 ${k.many}, all or nothing`, {
          body: bulkPatch,
          response: { 200: Type.Object({ message: Type.String(), data: Type.Array(Reference) }) },
        }),
      },
      (req, reply) =>
        sendWrite(req, reply, async (q) => {
          const refs = await k.patchBulk(q, actorOf(req), req.body);
          const data = refs.map((reference) => ({ reference }));
          return { status: 200, json: JSON.stringify({ message: `${Many} updated successfully.`, data }) };
        }),
    );

    api.delete(
      item,
      {
        config: { scope: `DELETE ${SCOPE}`, allows: may('delete') },
        schema: apiDoc(tag, k.docs.delete, { params: Reference, response: { 200: Message } }),
      },
      (req, reply) =>
        sendWrite(req, reply, async (q) => {
          const actor = actorOf(req);
          const { reference } = req.params as { reference: string };
          if (!(await k.json(q, actor.accountId, reference))) throw notFound();
          await k.remove(q, actor, [reference], () => 'reference', new ErrorBag());
          return { status: 200, json: JSON.stringify({ message: `${One} deleted successfully.` }) };
        }),
    );

    api.delete(
      path,
      {
        ...bulk,
        config: { scope: `DELETE ${SCOPE}`, allows: may('delete') },
        schema: apiDoc(tag, `Delete up to 1,000 ${k.many}, all or nothing`, {
          body: BulkDeleteBody,
          response: { 200: Type.Object({ message: Type.String(), data: Type.Object({ count: Type.Integer() }) }) },
        }),
      },
      (req, reply) =>
        sendWrite(req, reply, async (q) => {
          const bag = new ErrorBag();
          const { references } = bulkDeleteBody.check(req.body, bag);
          const count = await k.remove(q, actorOf(req), Array.isArray(references) ? references : [], (i) => `references.${i}`, bag);
          return { status: 200, json: JSON.stringify({ message: `${Many} deleted successfully.`, data: { count } }) };
        }),
    );

    api.get(
      `/${k.one}-histories`,
      {
        config: { scope: `VIEW ${SCOPE}`, allows: may('history') },
        schema: apiDoc(tag, `Status history of the ${k.many}, newest first`, {
          querystring: HistoryQuery,
          response: { 200: Page(History(`${k.one}_reference`)) },
        }),
      },
      async (req, reply) => sendJson(reply, await k.histories(api.db, actorOf(req).accountId, validate(historyQuery, req.query))),
    );
  };
}

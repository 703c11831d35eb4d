// The REST API of a record kind (leads, orders): api-v1.md gives both the same eight endpoints,
// scopes, bodies and messages, so one route table serves both; each module supplies its schemas,
// its policy and the service and query functions behind them.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from '@sinclair/typebox';
import type { Database, Queryable, QueryOptions } from '../../db/database.js';
import { notFound } from '../../http/errors.js';
import { sendWrite } from '../../http/idempotency.js';
import { checkedInHandler } from '../../http/route-validation.js';
import { ErrorBag, messages, validate } from '../../http/validation.js';
import type { Principal } from '../../core/policy.js';
import type { TokenActor } from '../../core/actor.js';
import { actorOf, apiDoc, bulkDeleteBody, checkListQuery, type listQuery, sendJson } from '../listing/api-helpers.js';
import { BulkDeleteBody, History, HistoryQuery, Message, Page } from '../listing/list-schemas.js';

type Filters = ReturnType<typeof checkListQuery>;

/**
 * The records a token reaches inside its account: all of them, or what its user's role works on
 * (domain.md: an agent's queue, the orders an agent confirmed, a courier's own orders). `narrows`
 * says whether a reference has to be checked against it.
 */
export interface ApiScope {
  accountId: string;
  narrows: boolean;
}
type HistoryFilters = ReturnType<typeof validate<typeof HistoryQuery>>;

interface RecordKind {
  /** `lead`: the paths (`/leads`, `/lead-histories`), the scopes (`VIEW LEADS`) and the messages. */
  one: 'lead' | 'order';
  many: 'leads' | 'orders';
  statuses: readonly string[];
  /** `list`: the filters of GET (`/leads` has no `tracking_number`). */
  schemas: { create: TSchema; patch: TSchema; bulkPatch: TSchema; resource: TSchema; list: typeof listQuery };
  /** The role policy of each endpoint (`history` for the histories list). */
  authorize: (who: Principal, action: 'view' | 'history' | 'create' | 'update' | 'delete') => boolean;
  /** OpenAPI summaries that need the article or the rule: "Show a lead", "Delete an order (…)". */
  docs: { show: string; update: string; delete: string };
  create: (q: Queryable, actor: TokenActor, body: unknown) => Promise<string[]>;
  /** A create without an Idempotency-Key, in transactions of its own (leads: concurrent small creates share one). */
  intake?: (db: Database, actor: TokenActor, body: unknown, bulkAtOnce: number) => Promise<string[]>;
  scope: (q: Queryable, actor: TokenActor) => Promise<ApiScope>;
  /** Of `references`, those `scope` reaches (asked only when it narrows the account). */
  reachable: (q: Queryable, scope: ApiScope, references: string[]) => Promise<Set<string>>;
  /** Refuses (403) what the token's role may not change in a PATCH's items (a field, a status). */
  checkPatch: (q: Queryable, actor: TokenActor, items: unknown[]) => Promise<void>;
  page: (q: Queryable, scope: ApiScope, filters: Filters) => Promise<string>;
  /** The API's JSON of one record; `last`: it ends the caller's write (QueryOptions.last). */
  json: (q: Queryable, accountId: string, reference: string, opts?: Pick<QueryOptions, 'last'>) => Promise<string | undefined>;
  /** `unreachable`: references outside the token's reach, patched as records that do not exist. */
  patch: (q: Queryable, actor: TokenActor, reference: string, body: unknown, unreachable: ReadonlySet<string>) => Promise<void>;
  patchBulk: (q: Queryable, actor: TokenActor, body: unknown, unreachable: ReadonlySet<string>) => Promise<string[]>;
  /** Deletes `references` (errors keyed by `keyOf(i)` into `bag`), answers how many went. */
  remove: (q: Queryable, actor: TokenActor, references: string[], keyOf: (i: number) => string, bag: ErrorBag) => Promise<number>;
  histories: (q: Queryable, scope: ApiScope, filters: HistoryFilters) => Promise<string>;
}

const Reference = Type.Object({ reference: Type.String() });
const capital = (s: string) => `${s[0].toUpperCase()}${s.slice(1)}`;

export function recordsApi(k: RecordKind) {
  const [One, Many] = [capital(k.one), capital(k.many)];

  /** The references of `refs` outside the token's reach, by index: none when its scope is the account. */
  const outOfReach = async (q: Queryable, actor: TokenActor, refs: unknown[]): Promise<number[]> => {
    const scope = await k.scope(q, actor);
    if (!scope.narrows) return [];
    const strings = refs.filter((r): r is string => typeof r === 'string');
    const reached = await k.reachable(q, scope, strings);
    return refs.flatMap((r, i) => (typeof r === 'string' && !reached.has(r) ? [i] : []));
  };
  /**
   * Of `refs`, those outside the token's reach: a PATCH treats them as records that do not exist,
   * so their errors come with the rest of the request's, in api-v1.md's order (422, then 404).
   */
  const unreachable = async (q: Queryable, actor: TokenActor, refs: unknown[]) =>
    new Set((await outOfReach(q, actor, refs)).map((i) => refs[i] as string));
  /** One reference: out of reach is the 404 of a record that does not exist. */
  const reach = async (q: Queryable, actor: TokenActor, reference: string) => {
    if ((await outOfReach(q, actor, [reference])).length > 0) throw notFound();
  };
  /** Many: each out of reach is refused as an unknown reference would be, all or nothing. */
  const reachAll = async (q: Queryable, actor: TokenActor, refs: unknown[], keyOf: (i: number) => string) => {
    const bag = new ErrorBag();
    for (const i of await outOfReach(q, actor, refs)) bag.add(keyOf(i), messages.invalid(keyOf(i)));
    bag.throwIfAny();
  };
  const itemsOf = (body: unknown): unknown[] => {
    const items = (body as Record<string, unknown> | null)?.[k.many];
    return Array.isArray(items) ? items : [];
  };
  const tag = Many;
  const SCOPE = k.many.toUpperCase() as Uppercase<RecordKind['many']>;
  const may = (action: Parameters<RecordKind['authorize']>[1]) => (who: Principal) => k.authorize(who, action);
  const { create, patch, bulkPatch, resource, list } = k.schemas;
  const path = `/${k.many}`;
  const item = `/${k.many}/:reference`;

  return async function routes(scope: FastifyInstance, opts: { bulkBodyLimit: number }) {
    const api = scope.withTypeProvider<TypeBoxTypeProvider>();
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
      (req, reply) => {
        const created = (references: string[]) => ({
          status: 201,
          json: JSON.stringify({ message: `${Many} created successfully.`, data: { references } }),
        });
        const { intake } = k;
        return sendWrite(
          req,
          reply,
          async (q) => created(await k.create(q, actorOf(req), req.body)),
          intake && (async (db) => created(await intake(db, actorOf(req), req.body, api.config.bulkCreatesAtOnce))),
        );
      },
    );

    api.get(
      path,
      {
        config: { scope: `VIEW ${SCOPE}`, allows: may('view') },
        schema: apiDoc(tag, `List ${k.many}, newest first`, {
          querystring: checkedInHandler(list.schema),
          response: { 200: Page(resource) },
        }),
      },
      async (req, reply) => {
        const filters = checkListQuery(req.query, k.statuses, list);
        return sendJson(reply, await k.page(api.db, await k.scope(api.db, actorOf(req)), filters));
      },
    );

    api.get(
      item,
      {
        config: { scope: `VIEW ${SCOPE}`, allows: may('view') },
        schema: { ...apiDoc(tag, k.docs.show, { response: { 200: Type.Object({ data: resource }) } }), params: Reference },
      },
      async (req, reply) => {
        await reach(api.db, actorOf(req), req.params.reference);
        const json = await k.json(api.db, actorOf(req).accountId, req.params.reference);
        if (!json) throw notFound();
        return sendJson(reply, `{"data":${json}}`);
      },
    );

    api.patch(
      item,
      {
        config: { scope: `UPDATE ${SCOPE}`, allows: may('update') },
        schema: {
          ...apiDoc(tag, k.docs.update, { body: patch, response: { 200: Type.Object({ message: Type.String(), data: resource }) } }),
          params: Reference,
        },
      },
      (req, reply) =>
        sendWrite(req, reply, async (q) => {
          const actor = actorOf(req);
          const { reference } = req.params;
          const hidden = await unreachable(q, actor, [reference]);
          await k.checkPatch(q, actor, [req.body]);
          await k.patch(q, actor, reference, req.body, hidden);
          const json = await k.json(q, actor.accountId, reference, { last: true });
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
          const actor = actorOf(req);
          const items = itemsOf(req.body);
          const hidden = await unreachable(
            q,
            actor,
            items.map((item) => (item as { reference?: unknown } | null)?.reference),
          );
          await k.checkPatch(q, actor, items);
          const refs = await k.patchBulk(q, actor, req.body, hidden);
          const data = refs.map((reference) => ({ reference }));
          return { status: 200, json: JSON.stringify({ message: `${Many} updated successfully.`, data }) };
        }),
    );

    api.delete(
      item,
      {
        config: { scope: `DELETE ${SCOPE}`, allows: may('delete') },
        schema: { ...apiDoc(tag, k.docs.delete, { response: { 200: Message } }), params: Reference },
      },
      (req, reply) =>
        sendWrite(req, reply, async (q) => {
          const actor = actorOf(req);
          const { reference } = req.params;
          await reach(q, actor, reference);
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
          const refs = Array.isArray(references) ? references : [];
          if (!bag.has()) await reachAll(q, actorOf(req), refs, (i) => `references.${i}`);
          const count = await k.remove(q, actorOf(req), refs, (i) => `references.${i}`, bag);
          return { status: 200, json: JSON.stringify({ message: `${Many} deleted successfully.`, data: { count } }) };
        }),
    );

    api.get(
      `/${k.one}-histories`,
      {
        config: { scope: `VIEW ${SCOPE}`, allows: may('history') },
        schema: {
          ...apiDoc(tag, `Status history of the ${k.many}, newest first`, { response: { 200: Page(History(`${k.one}_reference`)) } }),
          querystring: HistoryQuery,
        },
      },
      async (req, reply) => sendJson(reply, await k.histories(api.db, await k.scope(api.db, actorOf(req)), req.query)),
    );
  };
}

// The pages of a catalog record that is only its unique name (categories, cities): list, create,
// show, edit, update and delete, the same for both; each module gives its queries, writes and views.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TObject, TString } from '@sinclair/typebox';
import type { Queryable } from '../../db/database.js';
import type { PageMeta } from '../../db/paging.js';
import type { Policy } from '../../core/policy.js';
import { notFound } from '../../http/errors.js';
import type { Validator } from '../../http/validation.js';
import { listQuery, type ListParams } from '../../web/list-query.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { done } from '../../web/respond.js';
import { formRoutes, updateRoutes, wantsJson } from '../../web/scope.js';
import type { IdRoute, WebUser } from '../../web/types.js';
import { PageHeader } from '../../web/ui.js';
import { NameForm } from './name-form.js';
import { deleteRoute, readUniqueName } from './named-records.js';

type Named = { id: string; name: string };

export interface NameOnlyResource<R extends { data: Named }, X extends Record<string, unknown>> {
  /** `/categories`: the list; `<base>/create`, `<base>/store`, `<base>/:id/show|edit|update`, `<base>/delete`. */
  base: string;
  noun: [one: string, many: string];
  /** The list's title and the menu entry. */
  title: string;
  icon: string;
  createSubtitle?: string;
  /** Where a new record leads: back to the list, or to its own page. */
  afterCreate: 'list' | 'show';
  policy: Policy<'view' | 'create' | 'update' | 'delete'>;
  sorts: readonly string[];
  body: Validator<TObject<{ name: TString }>>;
  list: (q: Queryable, p: ListParams) => Promise<{ rows: R[]; meta: PageMeta }>;
  find: (q: Queryable, id: string) => Promise<R | undefined>;
  nameTaken: (q: Queryable, name: string, exceptId?: string) => Promise<boolean>;
  /** What the show page and its JSON add to the record (a city's areas). */
  extra: (q: Queryable, row: R) => Promise<X>;
  create: (q: Queryable, user: WebUser, name: string) => Promise<string>;
  rename: (q: Queryable, user: WebUser, before: Named, name: string) => Promise<void>;
  remove: (q: Queryable, ids: string[]) => Promise<Named[]>;
  /** Why `ids` cannot be deleted (see deleteRoute). */
  refusal: (ids: string[], refused: boolean) => Promise<string | undefined>;
  ListView: (p: { rows: R[]; meta: PageMeta }) => preact.JSX.Element;
  ShowView: (p: { row: R; extra: X }) => preact.JSX.Element;
}

export function nameOnlyPages<R extends { data: Named }, X extends Record<string, unknown>>(
  web: FastifyInstance,
  r: NameOnlyResource<R, X>,
) {
  const { db } = web;
  const route = formRoutes(web);
  const [one, many] = r.noun;
  const One = `${one[0].toUpperCase()}${one.slice(1)}`;
  const showUrl = (id: string) => `${r.base}/${id}/show`;
  const readList = listQuery({ sorts: r.sorts, defaultSort: 'name' });
  addNav({ label: r.title, href: r.base, icon: r.icon, visible: r.policy.can('view'), section: 'Catalog' });

  const load = async (req: FastifyRequest<IdRoute>) => {
    const row = await r.find(db, req.params.id);
    if (!row) throw notFound();
    return row;
  };

  web.get(r.base, { config: { can: r.policy.can('view') } }, async (req, reply) => {
    const page = await r.list(db, readList(req));
    if (wantsJson(req)) return reply.send({ data: page.rows.map((row) => row.data), meta: page.meta });
    return renderPage(req, reply, { title: r.title, body: <r.ListView rows={page.rows} meta={page.meta} /> });
  });

  web.get(`${r.base}/create`, { config: { can: r.policy.can('create') } }, async (req, reply) =>
    renderPage(req, reply, {
      title: `New ${one}`,
      body: (
        <>
          <PageHeader title={`New ${one}`} subtitle={r.createSubtitle} back={{ href: r.base, label: r.title }} />
          <NameForm base={r.base} noun={one} />
        </>
      ),
    }),
  );

  web.post(`${r.base}/store`, { config: { can: r.policy.can('create') } }, async (req, reply) => {
    const name = await readUniqueName(req, r.body, (n) => r.nameTaken(db, n));
    const row = await db.tx(async (q) => (await r.find(q, await r.create(q, req.user!, name)))!);
    const redirect = r.afterCreate === 'list' ? r.base : showUrl(row.data.id);
    return done(req, reply, { message: `${One} created.`, redirect, data: row.data, status: 201 });
  });

  web.get<IdRoute>(`${r.base}/:id/show`, { config: { can: r.policy.can('view') } }, async (req, reply) => {
    const row = await load(req);
    const extra = await r.extra(db, row);
    if (wantsJson(req)) return reply.send({ data: { ...row.data, ...extra } });
    return renderPage(req, reply, { title: row.data.name, body: <r.ShowView row={row} extra={extra} /> });
  });

  web.get<IdRoute>(`${r.base}/:id/edit`, { config: { can: r.policy.can('update') } }, async (req, reply) => {
    const row = await load(req);
    return renderPage(req, reply, {
      title: `Edit ${row.data.name}`,
      body: (
        <>
          <PageHeader title={`Edit ${row.data.name}`} back={{ href: showUrl(row.data.id), label: row.data.name }} />
          <NameForm base={r.base} noun={one} record={row.data} />
        </>
      ),
    });
  });

  const update = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const before = await load(req);
    const name = await readUniqueName(req, r.body, (n) => r.nameTaken(db, n, before.data.id));
    const row = await db.tx(async (q) => {
      await r.rename(q, req.user!, before.data, name);
      return (await r.find(q, before.data.id))!;
    });
    return done(req, reply, { message: `${One} updated.`, redirect: showUrl(row.data.id), data: row.data });
  };
  updateRoutes<IdRoute>(route, `${r.base}/:id/update`, { config: { can: r.policy.can('update') } }, update);

  deleteRoute(web, {
    url: `${r.base}/delete`,
    list: r.base,
    can: r.policy.can('delete'),
    noun: [one, many],
    audit: { action: `${many}.delete`, type: one },
    refusal: r.refusal,
    remove: r.remove,
  });
}

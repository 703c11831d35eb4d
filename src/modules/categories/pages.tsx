import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../http/errors.js';
import { listQuery } from '../../web/list-query.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import type { IdRoute } from '../../web/types.js';
import { PageHeader } from '../../web/ui.js';
import { deleteRoute, inUseMessage, readUniqueName } from '../catalog/named-records.js';
import { categoryPolicy } from './policy.js';
import { CATEGORY_SORTS, categoriesInUse, categoryNameTaken, findCategory, listCategories } from './queries.js';
import { categoryBody } from './schemas.js';
import { createCategory, deleteCategories, renameCategory } from './service.js';
import { CategoriesList, CategoryForm, CategoryPage, LIST, showUrl } from './views.js';

const categoryList = listQuery({ sorts: CATEGORY_SORTS, defaultSort: 'name' });

export async function categoriesPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  addNav({ label: 'Categories', href: LIST, icon: 'tag', visible: categoryPolicy.can('view'), section: 'Catalog' });

  const load = async (req: FastifyRequest<IdRoute>) => {
    const row = await findCategory(db, req.params.id);
    if (!row) throw notFound();
    return row;
  };

  web.get(LIST, { config: { can: categoryPolicy.can('view') } }, async (req, reply) => {
    const page = await listCategories(db, categoryList(req));
    if (wantsJson(req)) return reply.send({ data: page.rows.map((r) => r.data), meta: page.meta });
    return renderPage(req, reply, { title: 'Categories', body: <CategoriesList rows={page.rows} meta={page.meta} /> });
  });

  web.get('/categories/create', { config: { can: categoryPolicy.can('create') } }, async (req, reply) =>
    renderPage(req, reply, {
      title: 'New category',
      body: (
        <>
          <PageHeader title="New category" back={{ href: LIST, label: 'Categories' }} />
          <CategoryForm />
        </>
      ),
    }),
  );

  web.post('/categories/store', { config: { can: categoryPolicy.can('create') } }, async (req, reply) => {
    const name = await readUniqueName(req, categoryBody, (n) => categoryNameTaken(db, n));
    const row = await db.tx(async (q) => (await findCategory(q, await createCategory(q, req.user!, name)))!);
    return done(req, reply, { message: 'Category created.', redirect: LIST, data: row.data, status: 201 });
  });

  web.get<IdRoute>('/categories/:id/show', { config: { can: categoryPolicy.can('view') } }, async (req, reply) => {
    const row = await load(req);
    if (wantsJson(req)) return reply.send({ data: row.data });
    return renderPage(req, reply, { title: row.data.name, body: <CategoryPage category={row} /> });
  });

  web.get<IdRoute>('/categories/:id/edit', { config: { can: categoryPolicy.can('update') } }, async (req, reply) => {
    const row = await load(req);
    return renderPage(req, reply, {
      title: `Edit ${row.data.name}`,
      body: (
        <>
          <PageHeader title={`Edit ${row.data.name}`} back={{ href: showUrl(row.data.id), label: row.data.name }} />
          <CategoryForm category={row} />
        </>
      ),
    });
  });

  const update = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const before = await load(req);
    const name = await readUniqueName(req, categoryBody, (n) => categoryNameTaken(db, n, before.data.id));
    const row = await db.tx(async (q) => {
      await renameCategory(q, req.user!, before.data, name);
      return (await findCategory(q, before.data.id))!;
    });
    return done(req, reply, { message: 'Category updated.', redirect: showUrl(row.data.id), data: row.data });
  };
  const updateOpts = { config: { can: categoryPolicy.can('update') } };
  route<IdRoute>('PATCH', '/categories/:id/update', updateOpts, update);
  route<IdRoute>('PUT', '/categories/:id/update', updateOpts, update);

  deleteRoute(web, {
    url: '/categories/delete',
    list: LIST,
    can: categoryPolicy.can('delete'),
    noun: ['category', 'categories'],
    audit: { action: 'categories.delete', type: 'category' },
    refusal: async (ids, refused) => {
      const used = (await categoriesInUse(db, ids)).map((u) => ({ name: u.name, uses: u.products }));
      return used.length > 0 || refused ? inUseMessage('category', ids.length, used, ['product']) : undefined;
    },
    remove: deleteCategories,
  });
}

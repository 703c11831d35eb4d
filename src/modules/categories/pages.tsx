import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../http/errors.js';
import { ErrorBag } from '../../http/validation.js';
import { newId } from '../../lib/ids.js';
import { audit } from '../../web/audit.js';
import { formBody } from '../../web/form-body.js';
import { formatDate, formatDateTime } from '../../web/format.js';
import { listQuery } from '../../web/list-query.js';
import type { PageMeta } from '../../db/paging.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { usePage } from '../../web/page-context.js';
import { done } from '../../web/respond.js';
import { formRoutes, wantsJson } from '../../web/scope.js';
import { Button, Card, DataTable, DefinitionList, Field, Filters, Form, Kpi, LinkButton, PageHeader } from '../../web/ui.js';
import { DeleteButton, editDeleteColumns, ListFooter, selectColumns } from '../catalog/deletion.js';
import { deleteRoute, inUseMessage } from '../catalog/named-records.js';
import { categoryPolicy } from './policy.js';
import { CATEGORY_SORTS, categoriesInUse, categoryNameTaken, findCategory, listCategories, type CategoryRow } from './queries.js';
import { categoryBody, NAME_TAKEN } from './schemas.js';

const LIST = '/categories';
const showUrl = (id: string) => `/categories/${id}/show`;
const categoryList = listQuery({ sorts: CATEGORY_SORTS, defaultSort: 'name' });

function CategoriesList({ rows, meta }: { rows: CategoryRow[]; meta: PageMeta }) {
  const { user } = usePage();
  const admin = categoryPolicy.authorize(user!, 'delete');
  return (
    <>
      <PageHeader
        title="Categories"
        subtitle="Group products so they are easy to find."
        actions={categoryPolicy.authorize(user!, 'create') && <LinkButton href="/categories/create">New category</LinkButton>}
      />
      <Filters search="Category name" searchLabel="Search by name" />
      <DataTable
        caption="Categories"
        rows={rows}
        empty="No category yet."
        columns={[
          ...selectColumns(admin, 'categories-bulk', (r: CategoryRow) => r.data),
          { label: 'Name', sort: 'name', render: (r) => <a href={showUrl(r.data.id)}>{r.data.name}</a> },
          {
            label: 'Products',
            sort: 'products',
            class: 'num',
            render: (r) => <a href={`/products?category_id=${r.data.id}`}>{r.products}</a>,
          },
          { label: 'Created', sort: 'created_at', render: (r) => formatDate(r.data.created_at) },
          ...editDeleteColumns(
            admin,
            '/categories',
            (r: CategoryRow) => r.data,
            (r) => `Delete the category ${r.data.name}?`,
          ),
        ]}
      />
      <ListFooter
        bulk={admin && { id: 'categories-bulk', action: '/categories/delete', confirm: 'Delete the selected categories?' }}
        rows={rows.length}
        meta={meta}
      />
    </>
  );
}

function CategoryForm({ category }: { category?: CategoryRow }) {
  return (
    <Card>
      <Form
        action={category ? `/categories/${category.data.id}/update` : '/categories/store'}
        method={category ? 'PATCH' : 'POST'}
        label={category ? 'Edit category' : 'New category'}
      >
        <Field name="name" label="Name" value={category?.data.name} required />
        <div class="form-actions">
          <Button>{category ? 'Save changes' : 'Create category'}</Button>
          <a href={category ? showUrl(category.data.id) : LIST} class="btn btn-link">
            Cancel
          </a>
        </div>
      </Form>
    </Card>
  );
}

function CategoryPage({ category }: { category: CategoryRow }) {
  const { user } = usePage();
  const c = category.data;
  return (
    <>
      <PageHeader
        title={c.name}
        subtitle="Category"
        back={{ href: LIST, label: 'Categories' }}
        actions={
          categoryPolicy.authorize(user!, 'update') && (
            <>
              <LinkButton href={`/categories/${c.id}/edit`} kind="secondary">
                Edit
              </LinkButton>
              <DeleteButton action="/categories/delete" id={c.id} name={c.name} confirm={`Delete the category ${c.name}?`} />
            </>
          )
        }
      />
      <div class="kpis">
        <Kpi label="Products" value={<a href={`/products?category_id=${c.id}`}>{category.products}</a>} />
      </div>
      <Card title="Details">
        <DefinitionList
          items={[
            ['Name', c.name],
            ['Created', formatDateTime(c.created_at)],
            ['Last updated', formatDateTime(c.updated_at)],
          ]}
        />
      </Card>
    </>
  );
}

/** The name, checked for shape and uniqueness (case-insensitive). */
async function readName(web: FastifyInstance, req: FastifyRequest, exceptId?: string): Promise<string> {
  const bag = new ErrorBag();
  const body = formBody(req);
  const input = categoryBody.check(body, bag);
  if (!bag.has('name') && (await categoryNameTaken(web.db, input.name, exceptId))) bag.add('name', NAME_TAKEN);
  bag.throwIfAny(categoryBody.schema);
  return input.name;
}

export async function categoriesPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  addNav({ label: 'Categories', href: LIST, icon: 'tag', visible: categoryPolicy.can('view'), section: 'Catalog' });

  const load = async (req: FastifyRequest) => {
    const row = await findCategory(db, (req.params as { id: string }).id);
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
    const name = await readName(web, req);
    const row = await db.tx(async (q) => {
      const id = newId();
      await q.query('INSERT INTO categories (id, name) VALUES ($1, $2)', [id, name]);
      await audit(q, req.user!, 'categories.create', { type: 'category', id }, { name });
      return (await findCategory(q, id))!;
    });
    return done(req, reply, { message: 'Category created.', redirect: LIST, data: row.data, status: 201 });
  });

  web.get('/categories/:id/show', { config: { can: categoryPolicy.can('view') } }, async (req, reply) => {
    const row = await load(req);
    if (wantsJson(req)) return reply.send({ data: row.data });
    return renderPage(req, reply, { title: row.data.name, body: <CategoryPage category={row} /> });
  });

  web.get('/categories/:id/edit', { config: { can: categoryPolicy.can('update') } }, async (req, reply) => {
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

  const update = async (req: FastifyRequest, reply: FastifyReply) => {
    const before = await load(req);
    const name = await readName(web, req, before.data.id);
    const row = await db.tx(async (q) => {
      if (name !== before.data.name) {
        await q.query('UPDATE categories SET name = $2, updated_at = now() WHERE id = $1', [before.data.id, name]);
        await audit(q, req.user!, 'categories.update', { type: 'category', id: before.data.id }, { name: [before.data.name, name] });
      }
      return (await findCategory(q, before.data.id))!;
    });
    return done(req, reply, { message: 'Category updated.', redirect: showUrl(row.data.id), data: row.data });
  };
  const updateOpts = { config: { can: categoryPolicy.can('update') } };
  route('PATCH', '/categories/:id/update', updateOpts, update);
  route('PUT', '/categories/:id/update', updateOpts, update);

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
    remove: async (q, ids) => {
      // Deleted products keep no category: nothing shows them any more.
      await q.query('UPDATE products SET category_id = NULL WHERE category_id = ANY($1::text[]) AND deleted_at IS NOT NULL', [ids]);
      const { rows } = await q.query<{ id: string; name: string }>('DELETE FROM categories WHERE id = ANY($1::text[]) RETURNING id, name', [
        ids,
      ]);
      return rows;
    },
  });
}

import type { IdRoute } from '../../web/types.js';
import { productPolicy } from './policy.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../http/errors.js';
import { checkEachExists, compile, distinctStrings, ErrorBag } from '../../http/validation.js';
import { audit, auditMany } from '../../web/audit.js';
import { formBody } from '../../web/form-body.js';
import { listQuery } from '../../web/list-query.js';
import { queryText } from '../../web/query.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { renderFormPage } from '../../web/form-page.js';
import { done } from '../../web/respond.js';
import { formRoutes, updateRoutes, wantsJson } from '../../web/scope.js';
import { accountOptions } from '../accounts/queries.js';
import { categoryOptions } from '../categories/queries.js';
import { count, listAfterDelete, readIds, refuseDelete } from '../catalog/deletion.js';
import { EditHeader, ProductForm, SellerProductForm } from './form.js';
import { productImagePages } from './image-pages.js';
import { readCreate, readUpdate } from './input.js';
import { editsEverything, seesAgents, seesAllAccounts } from './policy.js';
import { agentChoices, findProduct, listProducts, PRODUCT_SORTS, type ProductRow } from './queries.js';
import { PRODUCT_STATUSES } from './schemas.js';
import { assignAgents, deleteProducts, insertProduct, stockRefusal, updateProduct } from './service.js';
import { LIST, ProductPage, ProductsList, showUrl } from './views.js';

const productList = listQuery({
  sorts: PRODUCT_SORTS,
  defaultSort: 'created_at',
  statuses: PRODUCT_STATUSES,
  filters: { account_id: Type.String({ maxLength: 100 }), category_id: Type.String({ maxLength: 100 }) },
});

const AssignBody = compile(
  Type.Object({ agents: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 1000 })) }),
);

export async function productsPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  addNav({ label: 'Products', href: LIST, icon: 'box', visible: productPolicy.can('view'), section: 'Catalog' });

  /** A product the user may see; another account's, an unassigned or a deleted one is a 404. */
  const load = async (req: FastifyRequest<IdRoute>): Promise<ProductRow> => {
    const row = await findProduct(db, req.user!, req.params.id);
    if (!row) throw notFound();
    return row;
  };

  web.get(LIST, { config: { can: productPolicy.can('view') } }, async (req, reply) => {
    const user = req.user!;
    const page = await listProducts(db, user, productList(req));
    if (wantsJson(req)) return reply.send({ data: page.rows.map((r) => r.data), meta: page.meta });
    const [accounts, categories] = await Promise.all([seesAllAccounts(user) ? accountOptions(db) : null, categoryOptions(db)]);
    return renderPage(req, reply, {
      title: 'Products',
      body: <ProductsList rows={page.rows} meta={page.meta} accounts={accounts} categories={categories} />,
    });
  });

  web.get('/products/create', { config: { can: productPolicy.can('create') } }, async (req, reply) => {
    const [accounts, categories] = await Promise.all([accountOptions(db), categoryOptions(db)]);
    const accountId = queryText(req, 'account_id');
    return renderFormPage(req, reply, {
      title: 'New product',
      subtitle: "A product of a seller's account.",
      back: { href: LIST, label: 'Products' },
      form: <ProductForm accounts={accounts} categories={categories} accountId={accountId} />,
    });
  });

  web.post('/products/store', { config: { can: productPolicy.can('create') } }, async (req, reply) => {
    const user = req.user!;
    const { accountId, fields } = await readCreate(db, req);
    const row = await db.tx(async (q) => {
      const id = await insertProduct(q, accountId, fields);
      await audit(q, user, 'products.create', { type: 'product', id, accountId }, { ...fields });
      return (await findProduct(q, user, id))!;
    });
    return done(req, reply, { message: `Product ${row.data.name} created.`, redirect: showUrl(row.data.id), data: row.data, status: 201 });
  });

  web.get<IdRoute>('/products/:id/show', { config: { can: productPolicy.can('view') } }, async (req, reply) => {
    const row = await load(req);
    if (wantsJson(req)) return reply.send({ data: row.data });
    const agents = seesAgents(req.user!) ? await agentChoices(db, row.data.id) : null;
    return renderPage(req, reply, { title: row.data.name, body: <ProductPage row={row} agents={agents} /> });
  });

  web.get<IdRoute>('/products/:id/edit', { config: { can: productPolicy.can('update') } }, async (req, reply) => {
    const user = req.user!;
    const row = await load(req);
    const body = editsEverything(user) ? (
      <ProductForm row={row} accounts={[]} categories={await categoryOptions(db)} />
    ) : (
      <SellerProductForm row={row} />
    );
    return renderPage(req, reply, {
      title: `Edit ${row.data.name}`,
      body: (
        <>
          <EditHeader row={row} />
          {body}
        </>
      ),
    });
  });

  const update = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const user = req.user!;
    const before = await load(req);
    const patch = await readUpdate(db, req, before.data, editsEverything(user));
    const row = await db.tx(async (q) => {
      if (await updateProduct(q, before.data.id, patch)) {
        const current = before.data as unknown as Record<string, unknown>;
        const changes = Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, [current[k] ?? null, v]]));
        await audit(q, user, 'products.update', { type: 'product', id: before.data.id, accountId: before.data.account_id }, changes);
      }
      return (await findProduct(q, user, before.data.id))!;
    });
    return done(req, reply, { message: 'Product updated.', redirect: showUrl(row.data.id), data: row.data });
  };
  updateRoutes<IdRoute>(route, '/products/:id/update', { config: { can: productPolicy.can('update') } }, update);

  web.route({
    method: ['POST', 'DELETE'],
    url: '/products/delete',
    config: { can: productPolicy.can('delete') },
    handler: async (req, reply) => {
      const user = req.user!;
      const ids = readIds(req, reply, 'product', '/products');
      if (!ids) return reply;
      const outcome = await db.tx(async (q) => {
        const refused = await stockRefusal(q, ids);
        if (refused) return { refused, rows: [] };
        const { rows } = await q.query<{ id: string; name: string; sku: string; account_id: string }>(
          'SELECT id, name, sku, account_id FROM products WHERE id = ANY($1::text[]) AND deleted_at IS NULL',
          [ids],
        );
        await deleteProducts(
          q,
          rows.map((r) => r.id),
        );
        await auditMany(
          q,
          user,
          'products.delete',
          'product',
          rows.map((r) => ({ id: r.id, accountId: r.account_id, changes: { sku: r.sku, name: r.name } })),
        );
        return { refused, rows };
      });
      if (outcome.refused) return refuseDelete(req, reply, outcome.refused, LIST);
      const deleted = outcome.rows;
      if (deleted.length === 0) throw notFound();
      const message = deleted.length === 1 ? `Product ${deleted[0].name} deleted.` : `${count(deleted.length, 'product')} deleted.`;
      return done(req, reply, { message, redirect: listAfterDelete(req, LIST) });
    },
  });

  /** Sets exactly which agents confirm this product's leads (users.products_ids_to_confirm). */
  const assign = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const user = req.user!;
    const row = await load(req);
    const bag = new ErrorBag();
    const input = AssignBody.check(formBody(req), bag);
    // Until the errors are thrown, `agents` is whatever was sent (found by the fuzz audit: `true` was a 500).
    const wanted = distinctStrings(input.agents);
    if (!bag.has('agents') && wanted.length > 0) {
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM users WHERE role = 'agent' AND deleted_at IS NULL AND id = ANY($1::text[])`,
        [wanted],
      );
      const known = new Set(rows.map((r) => r.id));
      checkEachExists(bag, 'agents', input.agents, (id) => known.has(id));
    }
    bag.throwIfAny(AssignBody.schema);
    await db.tx(async (q) => {
      const r = await assignAgents(q, row.data.id, wanted);
      if (r.added.length || r.removed.length) {
        await audit(
          q,
          user,
          'products.assign',
          { type: 'product', id: row.data.id, accountId: row.data.account_id },
          { added: r.added, removed: r.removed },
        );
      }
    });
    const message =
      wanted.length === 0 ? 'No agent confirms this product any more.' : `Product assigned to ${count(wanted.length, 'agent')}.`;
    return done(req, reply, { message, redirect: showUrl(row.data.id), data: { id: row.data.id, agents: wanted } });
  };
  const assignOpts = { config: { can: productPolicy.can('assign') } };
  route<IdRoute>('PUT', '/products/:id/assign', assignOpts, assign);
  route<IdRoute>('PATCH', '/products/:id/assign', assignOpts, assign);

  await web.register(productImagePages);
}

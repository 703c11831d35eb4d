import type { PageMeta } from '../../db/paging.js';
import { formatDate, formatDateTime } from '../../web/format.js';
import { usePage } from '../../web/page-context.js';
import { Card, DataTable, DefinitionList, Filters, Kpi, LinkButton, PageHeader } from '../../web/ui.js';
import { DeleteButton, editDeleteColumns, ListFooter, selectColumns } from '../catalog/deletion.js';
import { categoryPolicy } from './policy.js';
import type { CategoryRow } from './queries.js';

const LIST = '/categories';
const showUrl = (id: string) => `/categories/${id}/show`;

export function CategoriesList({ rows, meta }: { rows: CategoryRow[]; meta: PageMeta }) {
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

export function CategoryPage({ category }: { category: CategoryRow }) {
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

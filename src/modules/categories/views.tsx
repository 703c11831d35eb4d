import type { PageMeta } from '../../db/paging.js';
import { formatDate, formatDateTime } from '../../web/format.js';
import { usePage } from '../../web/page-context.js';
import { Card, DefinitionList, Filters, Kpi, PageHeader } from '../../web/ui.js';
import { EditDeleteButtons } from '../catalog/deletion.js';
import { CatalogList } from '../catalog/catalog-list.js';
import { categoryPolicy } from './policy.js';
import type { CategoryRow } from './queries.js';

const LIST = '/categories';
const showUrl = (id: string) => `/categories/${id}/show`;

export function CategoriesList({ rows, meta }: { rows: CategoryRow[]; meta: PageMeta }) {
  return (
    <CatalogList
      policy={categoryPolicy}
      title="Categories"
      subtitle="Group products so they are easy to find."
      create={{ href: '/categories/create', label: 'New category' }}
      filters={<Filters search="Category name" searchLabel="Search by name" />}
      rows={rows}
      meta={meta}
      empty="No category yet."
      columns={[
        { label: 'Name', sort: 'name', render: (r) => <a href={showUrl(r.data.id)}>{r.data.name}</a> },
        {
          label: 'Products',
          sort: 'products',
          class: 'num',
          render: (r) => <a href={`/products?category_id=${r.data.id}`}>{r.products}</a>,
        },
        { label: 'Created', sort: 'created_at', render: (r) => formatDate(r.data.created_at) },
      ]}
      deletion={{
        base: '/categories',
        form: 'categories-bulk',
        confirm: (r) => `Delete the category ${r.data.name}?`,
        confirmAll: 'Delete the selected categories?',
      }}
    />
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
            <EditDeleteButtons base="/categories" id={c.id} name={c.name} confirm={`Delete the category ${c.name}?`} />
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

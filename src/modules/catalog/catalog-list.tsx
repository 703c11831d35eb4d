// The list page of a catalog record the admin manages (categories, cities, areas, warehouses,
// shipping companies): the header with its New button, the filters, and a table whose rows the
// admin may tick and delete together, or edit and delete one by one.
import type { ComponentChildren } from 'preact';
import type { Policy } from '../../core/policy.js';
import type { PageMeta } from '../../db/paging.js';
import { usePage } from '../../web/page-context.js';
import { DataTable, LinkButton, PageHeader, type Column } from '../../web/ui.js';
import { editDeleteColumns, ListFooter, selectColumns } from './deletion.js';

type Named = { id: string; name: string };

export function CatalogList<R extends { data: Named }>(p: {
  policy: Policy<'create' | 'delete'>;
  title: string;
  subtitle: string;
  back?: { href: string; label: string };
  /** The New button, for a viewer who may create. */
  create: { href: string; label: string };
  /** Header buttons before the New one. */
  actions?: ComponentChildren;
  filters: ComponentChildren;
  rows: R[];
  meta: PageMeta;
  empty: string;
  /** Said instead of `empty` when no filter is set. */
  none?: string;
  columns: Column<R>[];
  /** `<base>/:id/edit` and `<base>/delete`; `form` names the bulk delete form the row checkboxes belong to. */
  deletion: { base: string; form: string; confirm: (r: R) => string; confirmAll: string };
}) {
  const { user } = usePage();
  const admin = p.policy.authorize(user!, 'delete');
  const create = p.policy.authorize(user!, 'create') && <LinkButton href={p.create.href}>{p.create.label}</LinkButton>;
  const d = p.deletion;
  const named = (r: R) => r.data;
  return (
    <>
      <PageHeader
        title={p.title}
        subtitle={p.subtitle}
        back={p.back}
        actions={
          p.actions ? (
            <>
              {p.actions}
              {create}
            </>
          ) : (
            create
          )
        }
      />
      {p.filters}
      <DataTable
        caption={p.title}
        rows={p.rows}
        empty={p.empty}
        none={p.none}
        columns={[...selectColumns(admin, d.form, named), ...p.columns, ...editDeleteColumns(admin, d.base, named, d.confirm)]}
      />
      <ListFooter bulk={admin && { id: d.form, action: `${d.base}/delete`, confirm: d.confirmAll }} rows={p.rows.length} meta={p.meta} />
    </>
  );
}

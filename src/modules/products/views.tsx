// The products list and a product's page.
import { Money } from '../../web/money.js';
import type { ComponentChildren } from 'preact';
import { formatDate, formatDateTime } from '../../web/format.js';
import type { PageMeta } from '../../db/paging.js';
import { usePage } from '../../web/page-context.js';
import {
  Badge,
  Button,
  Card,
  CheckboxGroup,
  DataTable,
  DefinitionList,
  Filters,
  Form,
  LinkButton,
  PageHeader,
  FilterSelect,
  StatusBadge,
  type Column,
  longValueClass,
} from '../../web/ui.js';
import { DeleteButton, ListFooter, selectColumns, viewEditColumn } from '../catalog/deletion.js';
import { hidesMoney } from '../records/record-ui.js';
import { MAX_IMAGE_BYTES } from './images.js';
import { editsEverything, productPolicy, seesAllAccounts, seesPurchasePrice } from './policy.js';
import type { AgentChoice, ProductJson, ProductRow } from './queries.js';
import type { Variant } from './schemas.js';

export const LIST = '/products';
export const showUrl = (id: string) => `/products/${id}/show`;

export const STATUS_OPTIONS: [string, string][] = [
  ['active', 'Active'],
  ['inactive', 'Inactive'],
];

export { Money };

const yesNo = (b: boolean) => (b ? <Badge tone="green">Yes</Badge> : <Badge>No</Badge>);

function Thumb({ p }: { p: ProductJson }) {
  if (!p.image) return <span class="thumb thumb-empty" aria-hidden="true" />;
  return <img class="thumb" src={p.image} alt="" width={40} height={40} loading="lazy" />;
}

export function ProductsList(p: {
  rows: ProductRow[];
  meta: PageMeta;
  accounts: [string, string][] | null;
  categories: [string, string][];
}) {
  const { user } = usePage();
  const admin = productPolicy.authorize(user!, 'delete');
  const mayEdit = productPolicy.authorize(user!, 'update');
  const columns: Column<ProductRow>[] = [
    ...selectColumns(admin, 'products-bulk', (r: ProductRow) => r.data),
    {
      label: 'Name',
      sort: 'name',
      render: (r) => (
        <span class="product-cell">
          <Thumb p={r.data} />
          <a href={showUrl(r.data.id)} class={longValueClass(r.data.name)}>
            {r.data.name}
          </a>
        </span>
      ),
    },
    { label: 'SKU', sort: 'sku', render: (r) => <code class={longValueClass(r.data.sku)}>{r.data.sku}</code> },
    ...(p.accounts ? [{ label: 'Account', render: (r: ProductRow) => r.account_name }] : []),
    { label: 'Category', render: (r) => r.category_name ?? '—' },
    // "Hide money" drops the column and its sort (dashboard.md: monetary columns hide), as the other lists do.
    ...(hidesMoney() ? [] : [{ label: 'Price', sort: 'price', class: 'num', render: (r: ProductRow) => <Money value={r.data.price} /> }]),
    {
      label: 'Status',
      sort: 'status',
      render: (r) => (
        <span class="badge-list">
          <StatusBadge status={r.data.status} />
          {r.data.has_discount && <Badge tone="amber">Discount</Badge>}
          {r.data.free_shipping && <Badge tone="blue">Free shipping</Badge>}
        </span>
      ),
    },
    { label: 'Created', sort: 'created_at', render: (r) => formatDate(r.created_at) },
    viewEditColumn('/products', mayEdit, (r: ProductRow) => r.data.id),
  ];
  return (
    <>
      <PageHeader
        title="Products"
        subtitle={
          user!.role === 'agent'
            ? 'The products you confirm leads for.'
            : user!.role === 'seller'
              ? 'Your catalog.'
              : 'Every account’s catalog.'
        }
        actions={productPolicy.authorize(user!, 'create') && <LinkButton href="/products/create">New product</LinkButton>}
      />
      <Filters search="Name or SKU" searchLabel="Search by name or SKU">
        <FilterSelect name="status" label="Status" options={STATUS_OPTIONS} placeholder="Any status" />
        <FilterSelect name="category_id" label="Category" options={p.categories} placeholder="Any category" />
        {p.accounts && <FilterSelect name="account_id" label="Account" options={p.accounts} placeholder="Any account" />}
      </Filters>
      <DataTable caption="Products" rows={p.rows} columns={columns} empty="No product matches these filters." none="No product yet." />
      <ListFooter
        bulk={
          admin && {
            id: 'products-bulk',
            action: '/products/delete',
            confirm: 'Delete the selected products?',
            label: 'Delete selected products',
          }
        }
        rows={p.rows.length}
        meta={p.meta}
      />
    </>
  );
}

function VariantBadges({ variants }: { variants: Variant[] }) {
  if (variants.length === 0) return <p class="muted">No variants.</p>;
  const groups: [string, Variant['type']][] = [
    ['Colors', 'colors'],
    ['Sizes', 'sizes'],
  ];
  return (
    <DefinitionList
      items={groups
        .filter(([, t]) => variants.some((v) => v.type === t))
        .map(([label, t]): [string, ComponentChildren] => [
          label,
          <span class="badge-list">
            {variants
              .filter((v) => v.type === t)
              .map((v) => (
                <Badge tone="blue">{v.name}</Badge>
              ))}
          </span>,
        ])}
    />
  );
}

const measure = (n: number | null, unit: string) => (n === null ? '—' : `${n.toLocaleString('en-US')} ${unit}`);

function ImageCard({ p, admin }: { p: ProductJson; admin: boolean }) {
  return (
    <Card title="Product image">
      {p.image ? <img class="product-image" src={p.image} alt={p.name} /> : <p class="muted">No image yet.</p>}
      {admin && (
        <>
          <Form action={`/products/${p.id}/image`} multipart label="Upload an image" class="form form-compact">
            <div class="field">
              <label for="f-image">Image</label>
              <input id="f-image" name="image" type="file" accept="image/png,image/jpeg,image/webp" aria-describedby="f-image-hint" />
              <p class="hint" id="f-image-hint">
                PNG, JPEG or WebP, at most {MAX_IMAGE_BYTES / 1024 / 1024} MB.
              </p>
              <ImageErrors />
            </div>
            <div class="form-actions">
              <Button kind="secondary">{p.image ? 'Replace image' : 'Upload image'}</Button>
            </div>
          </Form>
          {p.image && (
            <Form
              action={`/products/${p.id}/image`}
              method="DELETE"
              label="Remove the image"
              class="inline-form"
              confirm="Remove this product's image?"
            >
              <Button kind="danger" small>
                Remove image
              </Button>
            </Form>
          )}
        </>
      )}
    </Card>
  );
}

function ImageErrors() {
  const { errors } = usePage();
  const list = errors.of('image');
  if (list.length === 0) return null;
  return (
    <ul class="field-errors" id="f-image-error" role="alert">
      {list.map((m) => (
        <li>{m}</li>
      ))}
    </ul>
  );
}

function AgentsCard({ p, agents, assign }: { p: ProductJson; agents: AgentChoice[]; assign: boolean }) {
  const assigned = agents.filter((a) => a.assigned);
  return (
    <Card title="Agents">
      {assign ? (
        agents.length === 0 ? (
          <p class="muted">No agent yet: create agents under Users to assign them this product.</p>
        ) : (
          <Form action={`/products/${p.id}/assign`} method="PUT" label="Assign to agents" class="form form-compact">
            <input type="hidden" name="agents[]" value="" />
            <CheckboxGroup
              name="agents"
              legend="Agents who confirm this product's leads"
              options={agents.map((a) => [a.id, a.status === 'active' ? a.full_name : `${a.full_name} (inactive)`])}
              values={assigned.map((a) => a.id)}
            />
            <div class="form-actions">
              <Button kind="secondary">Assign agents</Button>
            </div>
          </Form>
        )
      ) : assigned.length === 0 ? (
        <p class="muted">No agent confirms this product yet.</p>
      ) : (
        <ul class="plain-list">
          {assigned.map((a) => (
            <li>{a.full_name}</li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export function ProductPage(props: { row: ProductRow; agents: AgentChoice[] | null }) {
  const { user } = usePage();
  const { row, agents } = props;
  const p = row.data;
  const admin = editsEverything(user!);
  const mayEdit = productPolicy.authorize(user!, 'update');
  const staff = seesAllAccounts(user!);
  const details: [string, ComponentChildren][] = [
    ['SKU', <code>{p.sku}</code>],
    ['Status', <StatusBadge status={p.status} />],
    ...(staff ? ([['Account', row.account_name]] as [string, ComponentChildren][]) : []),
    ['Category', row.category_name ?? '—'],
    ['Price', <Money value={p.price} />],
    ...(seesPurchasePrice(user!)
      ? ([['Purchase price', <Money value={p.purchase_price ?? null} />]] as [string, ComponentChildren][])
      : []),
    ['Discount', p.has_discount && p.discount !== null ? <Money value={p.discount} /> : 'None'],
    ...(p.has_discount && p.discount !== null
      ? ([['Price after discount', <Money value={Math.round((p.price - p.discount) * 100) / 100} />]] as [string, ComponentChildren][])
      : []),
    ['Free shipping', yesNo(p.free_shipping)],
    ['Paid by seller', yesNo(p.paid_by_seller)],
    ['Created', formatDateTime(row.created_at)],
    ['Last updated', formatDateTime(row.updated_at)],
  ];
  return (
    <>
      <PageHeader
        title={p.name}
        subtitle={staff ? `SKU ${p.sku} · ${row.account_name}` : `SKU ${p.sku}`}
        back={{ href: LIST, label: 'Products' }}
        actions={
          <>
            {mayEdit && <LinkButton href={`/products/${p.id}/edit`}>{admin ? 'Edit' : 'Edit settings'}</LinkButton>}
            {productPolicy.authorize(user!, 'delete') && (
              <DeleteButton action="/products/delete" id={p.id} name={p.name} confirm={`Delete the product ${p.name}?`} />
            )}
          </>
        }
      />
      <div class="detail-grid">
        <div>
          <Card title="Details">
            <DefinitionList items={details} />
          </Card>
          <Card title="Description">{p.description ? <p class="prewrap">{p.description}</p> : <p class="muted">No description.</p>}</Card>
          <Card title="Variants">
            <VariantBadges variants={p.variants} />
          </Card>
          <Card title="Size and weight">
            <DefinitionList
              items={[
                ['Weight', measure(p.weight, 'g')],
                ['Width', measure(p.width, 'cm')],
                ['Height', measure(p.height, 'cm')],
                ['Length', measure(p.length, 'cm')],
              ]}
            />
          </Card>
          <Card title="Landing page and script">
            <DefinitionList
              items={[
                [
                  'Landing page URL',
                  p.landing_page_url ? (
                    <a href={p.landing_page_url} rel="noopener noreferrer nofollow" target="_blank">
                      {p.landing_page_url}
                    </a>
                  ) : (
                    '—'
                  ),
                ],
              ]}
            />
            <h3 class="subheading">Script</h3>
            {p.script ? (
              <pre class="code-block">
                <code>{p.script}</code>
              </pre>
            ) : (
              <p class="muted">No script.</p>
            )}
          </Card>
        </div>
        <div>
          <ImageCard p={p} admin={admin} />
          {agents && <AgentsCard p={p} agents={agents} assign={productPolicy.authorize(user!, 'assign')} />}
        </div>
      </div>
    </>
  );
}

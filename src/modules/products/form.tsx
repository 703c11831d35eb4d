// The product form: every field for an admin; a seller's four fields otherwise (the rest is not offered).
import type { ComponentChildren } from 'preact';
import { usePage } from '../../web/page-context.js';
import { Button, Card, Checkbox, DefinitionList, Field, Form, PageHeader, Select, TextArea, FieldErrorList } from '../../web/ui.js';
import type { ProductRow } from './queries.js';
import { MAX_VARIANTS, VARIANT_TYPES, type Variant } from './schemas.js';
import { LIST, Money, showUrl, STATUS_OPTIONS } from './views.js';

const VARIANT_LABELS: Record<Variant['type'], string> = { colors: 'Color', sizes: 'Size' };
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/**
 * Variant rows sent as `variants[i][type]` and `variants[i][name]`: the stored ones (or the old
 * input after a failed post), then blank rows, which the server drops.
 */
function VariantRows({ variants }: { variants: Variant[] }) {
  const { errors, old } = usePage();
  const source = Array.isArray(old.variants) ? (old.variants as Partial<Variant>[]) : 'variants' in old ? [] : variants;
  const rows: Partial<Variant>[] = [...source];
  for (let i = 0; i < 3 && rows.length < MAX_VARIANTS; i++) rows.push({});
  const listErrors = errors.of('variants');
  return (
    <fieldset class={listErrors.length ? 'field fieldset variants has-error' : 'field fieldset variants'}>
      <legend class="sr-only">Variants</legend>
      <p class="hint">Colors and sizes the customer chooses from. Leave a row empty to skip it.</p>
      {rows.map((v, i) => (
        <div class="variant-row">
          <VariantCell i={i} field="type" label="Variant type">
            {(id, describedBy) => (
              <select id={id} name={`variants[${i}][type]`} aria-describedby={describedBy} aria-invalid={describedBy ? 'true' : undefined}>
                <option value="">Choose a type</option>
                {VARIANT_TYPES.map((t) => (
                  <option value={t} selected={str(v.type) === t}>
                    {VARIANT_LABELS[t]}
                  </option>
                ))}
              </select>
            )}
          </VariantCell>
          <VariantCell i={i} field="name" label="Variant name">
            {(id, describedBy) => (
              <input
                id={id}
                name={`variants[${i}][name]`}
                type="text"
                value={str(v.name)}
                placeholder="Red, XL…"
                aria-describedby={describedBy}
                aria-invalid={describedBy ? 'true' : undefined}
              />
            )}
          </VariantCell>
        </div>
      ))}
      {listErrors.length > 0 && (
        <ul class="field-errors">
          {listErrors.map((m) => (
            <li>{m}</li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}

function VariantCell(p: { i: number; field: string; label: string; children: (id: string, describedBy?: string) => ComponentChildren }) {
  const { errors } = usePage();
  const id = `f-variants-${p.i}-${p.field}`;
  const list = errors.of(`variants.${p.i}.${p.field}`);
  return (
    <div class={list.length ? 'field has-error' : 'field'}>
      <label for={id}>
        {p.label}
        <span class="sr-only"> {p.i + 1}</span>
      </label>
      {p.children(id, list.length ? `${id}-error` : undefined)}
      <FieldErrorList id={id} messages={list} />
    </div>
  );
}

const money = { type: 'number', step: '0.01', min: 1, max: 99_999 } as const;
const size = { type: 'number', step: '0.01', min: 1, max: 9_999 } as const;

/** Create (an admin names the account) or edit every field. */
export function ProductForm(p: { row?: ProductRow; accounts: [string, string][]; categories: [string, string][]; accountId?: string }) {
  const d = p.row?.data;
  return (
    <Form
      action={d ? `/products/${d.id}/update` : '/products/store'}
      method={d ? 'PATCH' : 'POST'}
      label={d ? 'Edit product' : 'New product'}
      class="form form-wide"
    >
      <Card title="Product">
        <div class="form-stack">
          <div class="form-grid">
            {d ? (
              <div class="field">
                <span class="label">Account</span>
                <span>{p.row!.account_name}</span>
              </div>
            ) : (
              <Select
                name="account_id"
                label="Account"
                options={p.accounts}
                value={p.accountId ?? null}
                placeholder="Choose an account"
                required
              />
            )}
            <Field name="name" label="Name" value={d?.name} required />
            <Field name="sku" label="SKU" value={d?.sku} required hint="Unique in the account; leads and orders name the product by it." />
            <Select name="category_id" label="Category" options={p.categories} value={d?.category_id ?? null} placeholder="No category" />
            <Select name="status" label="Status" options={STATUS_OPTIONS} value={d?.status ?? 'active'} />
          </div>
          <TextArea name="description" label="Description" value={d?.description} rows={5} />
        </div>
      </Card>
      <Card title="Pricing">
        <div class="form-grid">
          <Field name="price" label="Price" value={d?.price} required {...money} hint="Selling price in MAD." />
          <Field
            name="purchase_price"
            label="Purchase price"
            value={d?.purchase_price}
            {...money}
            hint="What the product costs; only admins and managers see it."
          />
          <Checkbox name="has_discount" label="Has discount" checked={d?.has_discount ?? false} />
          <Field
            name="discount"
            label="Discount"
            value={d?.discount}
            {...money}
            hint="Amount taken off the price: required with Has discount, less than the price."
          />
        </div>
      </Card>
      <Card title="Variants">
        <VariantRows variants={d?.variants ?? []} />
      </Card>
      <Card title="Shipping">
        <div class="form-grid">
          <Field name="weight" label="Weight (g)" value={d?.weight} {...size} />
          <Field name="width" label="Width (cm)" value={d?.width} {...size} />
          <Field name="height" label="Height (cm)" value={d?.height} {...size} />
          <Field name="length" label="Length (cm)" value={d?.length} {...size} />
          <Checkbox name="free_shipping" label="Free shipping" checked={d?.free_shipping ?? false} />
          <Checkbox name="paid_by_seller" label="Paid by seller" checked={d?.paid_by_seller ?? false} />
        </div>
      </Card>
      <Card title="Landing page">
        <div class="form-stack">
          <Field name="landing_page_url" label="Landing page URL" type="url" value={d?.landing_page_url} placeholder="https://" />
          <TextArea name="script" label="Script" value={d?.script} rows={4} />
        </div>
      </Card>
      {!d && <p class="hint">You can add an image once the product is saved.</p>}
      <div class="form-actions">
        <Button>{d ? 'Save changes' : 'Create product'}</Button>
        <a href={d ? showUrl(d.id) : LIST} class="btn btn-link">
          Cancel
        </a>
      </div>
    </Form>
  );
}

/** A seller's edit: the four fields they may change, and the rest shown, not offered. */
export function SellerProductForm({ row }: { row: ProductRow }) {
  const d = row.data;
  return (
    <div class="detail-grid">
      <Card title="Your settings">
        <Form action={`/products/${d.id}/update`} method="PATCH" label="Edit product settings">
          <Select name="status" label="Status" options={STATUS_OPTIONS} value={d.status} />
          <Checkbox name="free_shipping" label="Free shipping" checked={d.free_shipping} />
          <Field name="landing_page_url" label="Landing page URL" type="url" value={d.landing_page_url} placeholder="https://" />
          <TextArea name="script" label="Script" value={d.script} rows={4} />
          <div class="form-actions">
            <Button>Save changes</Button>
            <a href={showUrl(d.id)} class="btn btn-link">
              Cancel
            </a>
          </div>
        </Form>
      </Card>
      <Card title="Set by the platform">
        <p class="hint">Ask the platform's team to change these.</p>
        <DefinitionList
          items={[
            ['Name', d.name],
            ['SKU', <code>{d.sku}</code>],
            ['Category', row.category_name ?? '—'],
            ['Price', <Money value={d.price} />],
            ['Discount', d.has_discount && d.discount !== null ? <Money value={d.discount} /> : 'None'],
            ['Paid by seller', d.paid_by_seller ? 'Yes' : 'No'],
          ]}
        />
      </Card>
    </div>
  );
}

export function EditHeader({ row }: { row: ProductRow }) {
  return (
    <PageHeader
      title={`Edit ${row.data.name}`}
      subtitle={`SKU ${row.data.sku}`}
      back={{ href: showUrl(row.data.id), label: row.data.name }}
    />
  );
}

import type { ComponentChildren } from 'preact';
import { dialNumber } from '../lib/phone.js';
import { formatDate, formatTime } from './format.js';
import { usePage } from './page-context.js';

/** Field ids from names: `products_ids[]` → `f-products_ids`. */
const idOf = (name: string) => 'f-' + name.replace(/\[\]$/, '').replace(/[^\w-]/g, '_');

/** A field's messages and its old input; `cities[0][city_id]` reads `cities.0.city_id`. */
function useField(name: string) {
  const { errors, old } = usePage();
  const key = name.replace(/\[\]$/, '').replace(/\[([^\]]*)\]/g, '.$1');
  const messages = errors.of(key);
  let value: unknown = old;
  let hasOld = true;
  for (const part of key.split('.')) {
    if (value === null || typeof value !== 'object' || !(part in value)) {
      hasOld = false;
      break;
    }
    value = (value as Record<string, unknown>)[part];
  }
  return { id: idOf(name), messages, old: hasOld ? value : undefined, hasOld };
}

/** A field's messages under it, `<id>-error` for the field's `aria-describedby` (nothing when there are none). */
export function FieldErrorList({ id, messages }: { id: string; messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <ul class="field-errors" id={`${id}-error`}>
      {messages.map((m) => (
        <li>{m}</li>
      ))}
    </ul>
  );
}

/** The form every dashboard page uses: CSRF token and `_method` spoofing included. */
export function Form(props: {
  action: string;
  method?: 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  multipart?: boolean;
  class?: string;
  children: ComponentChildren;
  confirm?: string;
  label?: string;
}) {
  const { csrf } = usePage();
  const method = props.method ?? 'POST';
  return (
    <form
      method="post"
      action={props.action}
      class={props.class ?? 'form'}
      enctype={props.multipart ? 'multipart/form-data' : undefined}
      data-confirm={props.confirm}
      aria-label={props.label}
      novalidate
    >
      <input type="hidden" name="_token" value={csrf} />
      {method !== 'POST' && <input type="hidden" name="_method" value={method} />}
      {props.children}
    </form>
  );
}

interface FieldProps {
  name: string;
  label: string;
  value?: string | number | null;
  type?: string;
  required?: boolean;
  hint?: string;
  autocomplete?: string;
  placeholder?: string;
  step?: string;
  min?: string | number;
  max?: string | number;
  /** A file input's types. */
  accept?: string;
  /** Passwords are never refilled. */
  secret?: boolean;
}

/** The `*` of a required field or group (its label or legend names it; screen readers get `required` elsewhere). */
export function RequiredMark() {
  return (
    <span class="req" aria-hidden="true">
      *
    </span>
  );
}

/** A field's label, with the required fields' `*`. */
function FieldLabel(p: { id: string; label: string; required?: boolean }) {
  return (
    <div class="label-row">
      <label for={p.id}>{p.label}</label>
      {p.required && <RequiredMark />}
    </div>
  );
}

/**
 * A number field is a text input with a number pad, checked by the server like the API's numbers:
 * Chromium reads `12,5` typed into `<input type="number">` as 125 (a comma is its grouping
 * separator) and sends it without a word; as text it comes back "must be a number", as typed.
 * A field that takes negative numbers keeps the full keyboard (a decimal pad has no minus).
 */
export function numberInput(p: { step?: string | number; min?: string | number }): { type: 'text'; inputMode?: 'numeric' | 'decimal' } {
  if (p.min === undefined || Number(p.min) < 0) return { type: 'text' };
  return { type: 'text', inputMode: p.step !== undefined && Number.isInteger(Number(p.step)) ? 'numeric' : 'decimal' };
}

export function Field(p: FieldProps) {
  const f = useField(p.name);
  const number = p.type === 'number';
  const value = p.secret || p.type === 'password' ? '' : f.hasOld ? String(f.old ?? '') : (p.value ?? '');
  const describedBy = [f.messages.length ? `${f.id}-error` : '', p.hint ? `${f.id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={f.messages.length ? 'field has-error' : 'field'}>
      <FieldLabel id={f.id} label={p.label} required={p.required} />
      <input
        id={f.id}
        name={p.name}
        type={(p.type ?? 'text') as 'text'}
        {...(number ? numberInput(p) : { step: p.step, min: p.min, max: p.max })}
        value={value}
        required={p.required}
        autocomplete={p.autocomplete}
        placeholder={p.placeholder}
        accept={p.accept}
        aria-invalid={f.messages.length ? 'true' : undefined}
        aria-describedby={describedBy}
      />
      {p.hint && (
        <p class="hint" id={`${f.id}-hint`}>
          {p.hint}
        </p>
      )}
      <FieldErrorList id={f.id} messages={f.messages} />
    </div>
  );
}

/** A text of several lines; `wide` spans a form grid's columns (an address of up to 1,000 characters). */
export function TextArea(p: { name: string; label: string; value?: string | null; rows?: number; required?: boolean; wide?: boolean }) {
  const f = useField(p.name);
  return (
    <div class={['field', p.wide && 'field-wide', f.messages.length && 'has-error'].filter(Boolean).join(' ')}>
      <FieldLabel id={f.id} label={p.label} required={p.required} />
      <textarea
        id={f.id}
        name={p.name}
        rows={p.rows ?? 4}
        required={p.required}
        aria-invalid={f.messages.length ? 'true' : undefined}
        aria-describedby={f.messages.length ? `${f.id}-error` : undefined}
      >
        {f.hasOld ? String(f.old ?? '') : (p.value ?? '')}
      </textarea>
      <FieldErrorList id={f.id} messages={f.messages} />
    </div>
  );
}

/** A list filter's select: it shows the value the page's URL asks for. */
export function FilterSelect(p: { name: string; label: string; options: [string, string][]; placeholder: string }) {
  const { url } = usePage();
  return <Select {...p} value={url.searchParams.get(p.name)} />;
}

export function Select(p: {
  name: string;
  label: string;
  options: [string, string][];
  value?: string | null;
  required?: boolean;
  placeholder?: string;
}) {
  const f = useField(p.name);
  const current = f.hasOld ? String(f.old ?? '') : (p.value ?? '');
  return (
    <div class={f.messages.length ? 'field has-error' : 'field'}>
      <FieldLabel id={f.id} label={p.label} required={p.required} />
      <select
        id={f.id}
        name={p.name}
        required={p.required}
        aria-invalid={f.messages.length ? 'true' : undefined}
        aria-describedby={f.messages.length ? `${f.id}-error` : undefined}
      >
        {p.placeholder !== undefined && <option value="">{p.placeholder}</option>}
        {p.options.map(([v, l]) => (
          <option value={v} selected={v === current}>
            {l}
          </option>
        ))}
      </select>
      <FieldErrorList id={f.id} messages={f.messages} />
    </div>
  );
}

export function Checkbox(p: { name: string; label: string; checked?: boolean; value?: string }) {
  const f = useField(p.name);
  const checked = f.hasOld ? ['1', 'on', 'true', true].includes(f.old as never) : p.checked;
  return (
    <div class={f.messages.length ? 'field field-check has-error' : 'field field-check'}>
      <input type="checkbox" id={f.id} name={p.name} value={p.value ?? '1'} checked={checked} />
      <label for={f.id}>{p.label}</label>
      <FieldErrorList id={f.id} messages={f.messages} />
    </div>
  );
}

/** A set of checkboxes sending `name[]`; `required`: at least one must be ticked (marked `*`). */
export function CheckboxGroup(p: { name: string; legend: string; options: [string, string][]; values?: string[]; required?: boolean }) {
  const f = useField(p.name);
  const selected = f.hasOld ? ([] as unknown[]).concat(f.old ?? []).map(String) : (p.values ?? []);
  return (
    <fieldset
      class={f.messages.length ? 'field fieldset has-error' : 'field fieldset'}
      aria-describedby={f.messages.length ? `${f.id}-error` : undefined}
    >
      <legend>
        {p.legend}
        {p.required && (
          <>
            {' '}
            <RequiredMark />
          </>
        )}
      </legend>
      <div class="check-grid">
        {p.options.map(([v, l], i) => (
          <div class="field-check">
            <input type="checkbox" id={`${f.id}-${i}`} name={`${p.name}[]`} value={v} checked={selected.includes(v)} />
            <label for={`${f.id}-${i}`}>{l}</label>
          </div>
        ))}
      </div>
      <FieldErrorList id={f.id} messages={f.messages} />
    </fieldset>
  );
}

export function Button(p: {
  children: ComponentChildren;
  kind?: 'primary' | 'secondary' | 'danger';
  small?: boolean;
  type?: 'submit' | 'button';
}) {
  return (
    <button type={p.type ?? 'submit'} class={`btn btn-${p.kind ?? 'primary'}${p.small ? ' btn-small' : ''}`}>
      {p.children}
    </button>
  );
}

export function LinkButton(p: { href: string; children: ComponentChildren; kind?: 'primary' | 'secondary'; small?: boolean }) {
  return (
    <a href={p.href} class={`btn btn-${p.kind ?? 'primary'}${p.small ? ' btn-small' : ''}`}>
      {p.children}
    </a>
  );
}

export function PageHeader(p: { title: string; subtitle?: string; actions?: ComponentChildren; back?: { href: string; label: string } }) {
  return (
    <div class="page-header">
      <div>
        {p.back && (
          <a class="back" href={p.back.href}>
            ← {p.back.label}
          </a>
        )}
        <h1>{p.title}</h1>
        {p.subtitle && <p class="muted">{p.subtitle}</p>}
      </div>
      {p.actions && <div class="actions">{p.actions}</div>}
    </div>
  );
}

/**
 * A titled box; its title names it as a region of the page. `region={false}` when what it holds is
 * a table box (TableWrap) of the same name: two regions of one name are one too many for a screen
 * reader's list of landmarks.
 */
export function Card(p: { title?: string; children: ComponentChildren; class?: string; region?: boolean }) {
  return (
    <section class={`card ${p.class ?? ''}`} aria-label={p.region === false ? undefined : p.title}>
      {p.title && <h2 class="card-title">{p.title}</h2>}
      {p.children}
    </section>
  );
}

export function Badge(p: { tone?: 'green' | 'red' | 'amber' | 'blue' | 'gray'; children: ComponentChildren }) {
  return <span class={`badge badge-${p.tone ?? 'gray'}`}>{p.children}</span>;
}

export const StatusBadge = ({ status }: { status: string }) => (
  <Badge tone={status === 'active' ? 'green' : status === 'inactive' ? 'gray' : 'blue'}>{status}</Badge>
);

/** A link to the same list with some query values changed (filters, sort and page live in the URL). */
export function useQueryHref() {
  const { url } = usePage();
  return (changes: Record<string, string | number | null | undefined>) => {
    const u = new URL(url.toString());
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === undefined || v === '') u.searchParams.delete(k);
      else u.searchParams.set(k, String(v));
    }
    return u.pathname + (u.search ? u.search : '');
  };
}

export interface Column<T> {
  label: string;
  /** Sort key; the header becomes a sort link. */
  sort?: string;
  render: (row: T) => ComponentChildren;
  class?: string;
  /**
   * The label of the column whose cell shows this one's value, under its own, between the phones' cards
   * and 1280 px (app.css `.tucked`), where this column is not drawn: a list with more columns than fit
   * beside the menu keeps every value without scrolling sideways.
   */
  under?: string;
}

/** A table's scroll box: focusable and named, so keyboard users can scroll it on phones. */
export function TableWrap(p: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={p.label}>
      {p.children}
    </div>
  );
}

/** A class attribute from the names given (none: no attribute). */
const classes = (...names: (string | false | undefined)[]) => names.filter(Boolean).join(' ') || undefined;

/** Query parameters that order or page a list without filtering it. */
const NOT_FILTERS = new Set(['sort', 'direction', 'page', 'per_page']);

/** Whether the page's query narrows its list (a search or a filter with a value). */
function isFiltered(url: URL): boolean {
  for (const [k, v] of url.searchParams) if (v !== '' && !NOT_FILTERS.has(k)) return true;
  return false;
}

/**
 * A list's table. `empty` is said when a filter leaves no row; `none`, when given, when the list
 * itself is empty (no filter): "No payout yet." rather than "No payout matches these filters.".
 */
export function DataTable<T>(p: { columns: Column<T>[]; rows: T[]; caption: string; empty?: string; none?: string }) {
  const { url } = usePage();
  const href = useQueryHref();
  const sort = url.searchParams.get('sort') ?? '';
  // The list's effective direction, as listQuery reads it: a sort without a direction is ascending.
  const given = url.searchParams.get('direction');
  const dir = given === 'asc' || given === 'desc' ? given : sort ? 'asc' : 'desc';
  const sortable = p.columns.filter((c) => c.sort);
  // A tucked column's heading is not drawn at those widths: its sort link is then in the sort line.
  const tuckedSort = sortable.some((c) => c.under);
  const cellOf = (c: Column<T>, r: T) => (
    <td class={classes(c.class, c.under && 'tucked-col')} data-label={c.label}>
      {c.render(r)}
      {p.columns
        .filter((t) => t.under === c.label)
        .map((t) => (
          <span class="tucked">{t.render(r)}</span>
        ))}
    </td>
  );
  // A column's sort link: ascending first, then the other way; the current one marked ▲/▼.
  const sortLink = (c: Column<T>, extra: { 'aria-current'?: 'true' } = {}) => {
    const on = sort === c.sort;
    return (
      <a href={href({ sort: c.sort, direction: on && dir === 'asc' ? 'desc' : 'asc', page: null })} {...extra}>
        {c.label}
        {on ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
      </a>
    );
  };
  return (
    <>
      {sortable.length > 0 && (
        // Phones hide the table's headings (rows become cards): the same sort links, as a line above.
        <nav class={classes('sort-bar', tuckedSort && 'sort-bar-tucked')} aria-label={`Sort ${p.caption}`}>
          <span class="muted">Sort by</span>
          {sortable.map((c) => sortLink(c, sort === c.sort ? { 'aria-current': 'true' } : {}))}
        </nav>
      )}
      <TableWrap label={p.caption}>
        <table class="table">
          <caption class="sr-only">{p.caption}</caption>
          <thead>
            <tr>
              {p.columns.map((c) => {
                const cls = classes(c.class, c.under && 'tucked-col');
                if (!c.sort)
                  return (
                    <th scope="col" class={cls}>
                      {c.class === 'select-col' ? <span class="sr-only">{c.label}</span> : c.label}
                    </th>
                  );
                const on = sort === c.sort;
                return (
                  <th scope="col" class={cls} aria-sort={on ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}>
                    {sortLink(c)}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {p.rows.length === 0 ? (
              <tr>
                <td colSpan={p.columns.length} class="empty">
                  {(!isFiltered(url) && p.none) || (p.empty ?? 'Nothing here yet.')}
                </td>
              </tr>
            ) : (
              p.rows.map((r) => <tr>{p.columns.map((c) => cellOf(c, r))}</tr>)
            )}
          </tbody>
        </table>
      </TableWrap>
    </>
  );
}

export function Pagination(p: { meta: { current_page: number; per_page: number; total: number; last_page: number } }) {
  const href = useQueryHref();
  const { current_page: page, last_page: last, total, per_page } = p.meta;
  const from = total === 0 ? 0 : (page - 1) * per_page + 1;
  const to = Math.min(total, page * per_page);
  if (page > last)
    return (
      <nav class="pagination" aria-label="Pagination">
        <span class="muted">
          Page {page} is past the end: {total} in {last} {last === 1 ? 'page' : 'pages'}.
        </span>
        <span class="pages">
          <a href={href({ page: last === 1 ? null : last })}>Go to the last page</a>
        </span>
      </nav>
    );
  return (
    <nav class="pagination" aria-label="Pagination">
      <span class="muted">
        {from}–{to} of {total}
      </span>
      <span class="pages">
        {page > 1 ? (
          <a href={href({ page: page - 1 })} rel="prev">
            Previous
          </a>
        ) : (
          <span class="disabled">Previous</span>
        )}
        <span aria-current="page">
          Page {page} of {last}
        </span>
        {page < last ? (
          <a href={href({ page: page + 1 })} rel="next">
            Next
          </a>
        ) : (
          <span class="disabled">Next</span>
        )}
      </span>
    </nav>
  );
}

/** The list toolbar: a search box and any extra filters, submitted as GET so they stay in the URL. */
export function Filters(p: { search?: string; searchLabel?: string; label?: string; children?: ComponentChildren }) {
  const { url } = usePage();
  const search = useField('search');
  const keep = ['sort', 'direction', 'per_page'].filter((k) => url.searchParams.get(k));
  return (
    <form method="get" class="filters" role="search" aria-label={p.label}>
      <div class={search.messages.length ? 'field field-inline has-error' : 'field field-inline'}>
        <label for="f-search">{p.searchLabel ?? 'Search'}</label>
        <input
          id="f-search"
          type="search"
          name="search"
          value={url.searchParams.get('search') ?? ''}
          placeholder={p.search}
          aria-invalid={search.messages.length ? 'true' : undefined}
          aria-describedby={search.messages.length ? 'f-search-error' : undefined}
        />
        <FieldErrorList id="f-search" messages={search.messages} />
      </div>
      {p.children}
      {keep.map((k) => (
        <input type="hidden" name={k} value={url.searchParams.get(k) ?? ''} />
      ))}
      <FilterButtons />
    </form>
  );
}

/** A filter form's Filter button, and Clear once the URL carries filters. */
export function FilterButtons() {
  const { url } = usePage();
  return (
    <>
      <Button kind="secondary">Filter</Button>
      {url.search && (
        <a href={url.pathname} class="btn btn-link">
          Clear
        </a>
      )}
    </>
  );
}

export function Kpi(p: { label: string; value: ComponentChildren; hint?: string }) {
  return (
    <div class="kpi">
      <div class="kpi-label">{p.label}</div>
      <div class="kpi-value">{p.value}</div>
      {p.hint && <div class="kpi-hint">{p.hint}</div>}
    </div>
  );
}

export function DefinitionList(p: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="deflist">
      {p.items.map(([k, v]) => (
        <div>
          <dt>{k}</dt>
          <dd>{v ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * `long-value` (app.css) for a value with a word of more than 16 characters: a product's name may be
 * one word of 60, its SKU of 100. In a table it then breaks anywhere inside a column of at most 16rem;
 * a shorter word keeps its line (a SKU is not cut at its hyphens).
 */
export function longValueClass(value: string): string | undefined {
  return /\S{17}/.test(value) ? 'long-value' : undefined;
}

/** A time in a list cell: the date and the time each kept whole, free to wrap between them. */
export function DateTimeCell(p: { iso: string }) {
  return (
    <time datetime={p.iso} class="datetime">
      <span class="nowrap">{formatDate(p.iso)},</span> <span class="nowrap">{formatTime(p.iso)}</span>
    </time>
  );
}

/** A phone as a tel: link dialling its E.164 form, or as text when no phone can dial it. */
export function PhoneLink(p: { phone: string; class?: string; children?: ComponentChildren }) {
  const dial = dialNumber(p.phone);
  // A phone may be 100 characters without a space: in a list it breaks inside its column.
  const cls = classes(p.class, longValueClass(p.phone));
  return dial ? (
    <a href={`tel:${dial}`} class={cls}>
      {p.children ?? p.phone}
    </a>
  ) : (
    <span class={cls}>{p.children ?? p.phone}</span>
  );
}

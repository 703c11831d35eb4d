// Deleting from the dashboard: `POST|DELETE /<resource>/delete` with `ids[]`, the buttons that send
// it, and the refusal when a record is still in use (a message, nothing deleted).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { HttpError, invalid } from '../../http/errors.js';
import { compile, validate } from '../../http/validation.js';
import { formBody } from '../../web/form-body.js';
import type { PageMeta } from '../../db/paging.js';
import { useOldTicked, usePage } from '../../web/page-context.js';
import { backUrl, OWN_BUTTON, refuseBack } from '../../web/respond.js';
import { wantsJson } from '../../web/scope.js';
import { LinkButton, Pagination, type Column } from '../../web/ui.js';

/** PostgreSQL's foreign_key_violation: a row another table still points at. */
export const FK_VIOLATION = '23503';

const IdsBody = compile(Type.Object({ ids: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 1000 }) }));

/**
 * The `ids[]` of a delete request, without repeats. None ticked (or malformed): a JSON client gets
 * the 422, a page goes back asking for one, as the list's boxes have no field to show a message
 * beside; undefined then (it answered).
 */
export function readIds(req: FastifyRequest, reply: FastifyReply, noun: string, fallback: string): string[] | undefined {
  try {
    return [...new Set(validate(IdsBody, formBody(req)).ids)];
  } catch (err) {
    if (wantsJson(req) || !(err instanceof HttpError) || err.statusCode !== 422) throw err;
    void refuseBack(req, reply, `Select at least one ${noun} to delete.`, fallback);
    return undefined;
  }
}

/**
 * A delete refused because something still uses the record: JSON clients get the 422 body with the
 * message on `ids`, pages go back with the message flashed and the rows still ticked. Nothing was deleted.
 */
export function refuseDelete(req: FastifyRequest, reply: FastifyReply, message: string, fallback: string) {
  if (wantsJson(req)) throw invalid({ ids: [message] });
  return refuseBack(req, reply, message, fallback);
}

/** Where to go after a delete: back to the list the request came from (its filters kept), else `list`. */
export function listAfterDelete(req: FastifyRequest, list: string): string {
  const back = backUrl(req, list);
  return back === list || back.startsWith(`${list}?`) ? back : list;
}

/** "1 product", "3 products". */
export const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * A one-record delete button: posts `_method=DELETE` and `ids[]` to `action`, after a confirmation;
 * `OWN_BUTTON` keeps a refusal from ticking its row on the list it came from.
 */
export function DeleteButton(p: { action: string; id: string; label?: string; confirm: string; small?: boolean; name?: string }) {
  const { csrf } = usePage();
  return (
    <form method="post" action={p.action} class="inline-form" data-confirm={p.confirm} aria-label={p.name ? `Delete ${p.name}` : 'Delete'}>
      <input type="hidden" name="_token" value={csrf} />
      <input type="hidden" name="_method" value="DELETE" />
      <input type="hidden" name="ids[]" value={p.id} />
      <input type="hidden" name={OWN_BUTTON} value="1" />
      <button type="submit" class={`btn btn-danger${p.small ? ' btn-small' : ''}`}>
        {p.label ?? 'Delete'}
      </button>
    </form>
  );
}

/**
 * The form the row checkboxes of a list belong to (`form={id}`), with its "Delete selected" button:
 * the checkboxes stay in the table, the form outside it.
 */
export function BulkDeleteForm(p: { id: string; action: string; confirm: string; label?: string }) {
  const { csrf } = usePage();
  return (
    <form id={p.id} method="post" action={p.action} class="inline-form" data-confirm={p.confirm} aria-label={p.label ?? 'Delete selected'}>
      <input type="hidden" name="_token" value={csrf} />
      <input type="hidden" name="_method" value="DELETE" />
      <button type="submit" class="btn btn-danger btn-small">
        {p.label ?? 'Delete selected'}
      </button>
    </form>
  );
}

/** A row's checkbox for a BulkDeleteForm; a refused delete comes back with the same rows ticked. */
export function RowCheck(p: { form: string; id: string; name: string }) {
  const ticked = useOldTicked('ids');
  return <input type="checkbox" name="ids[]" value={p.id} checked={ticked.has(p.id)} form={p.form} aria-label={`Select ${p.name}`} />;
}

type Named = { id: string; name: string };

/** The leading checkbox column of a list whose rows the viewer may delete together (none otherwise). */
export function selectColumns<R>(show: boolean, form: string, of: (r: R) => Named): Column<R>[] {
  if (!show) return [];
  return [
    {
      label: 'Select',
      class: 'select-col',
      render: (r) => {
        const { id, name } = of(r);
        return <RowCheck form={form} id={id} name={name} />;
      },
    },
  ];
}

/** The trailing Edit and Delete buttons of a catalog list, for a viewer who may use them (none otherwise). */
export function editDeleteColumns<R>(show: boolean, base: string, of: (r: R) => Named, confirm: (r: R) => string): Column<R>[] {
  if (!show) return [];
  return [
    {
      label: 'Actions',
      render: (r) => {
        const { id, name } = of(r);
        return (
          <div class="row-actions">
            <EditDeleteButtons base={base} id={id} name={name} confirm={confirm(r)} small />
          </div>
        );
      },
    },
  ];
}

/** A record's Edit button (`<base>/<id>/edit`) and Delete button (to `<base>/delete`, after `confirm`). */
export function EditDeleteButtons(p: { base: string; id: string; name: string; confirm: string; small?: boolean }) {
  return (
    <>
      <LinkButton href={`${p.base}/${p.id}/edit`} kind="secondary" small={p.small}>
        Edit
      </LinkButton>
      <DeleteButton action={`${p.base}/delete`} id={p.id} name={p.name} small={p.small} confirm={p.confirm} />
    </>
  );
}

/** The trailing View (and, for a viewer who may, Edit) buttons of a list row: `<base>/<id>/show|edit`. */
export function viewEditColumn<R>(base: string, mayEdit: boolean, idOf: (r: R) => string): Column<R> {
  return {
    label: 'Actions',
    render: (r) => (
      <div class="row-actions">
        <LinkButton href={`${base}/${idOf(r)}/show`} kind="secondary" small>
          View
        </LinkButton>
        {mayEdit && (
          <LinkButton href={`${base}/${idOf(r)}/edit`} kind="secondary" small>
            Edit
          </LinkButton>
        )}
      </div>
    ),
  };
}

/** Under a list: the bulk delete form when the viewer may delete and there are rows, and the pagination. */
export function ListFooter(p: { bulk: Parameters<typeof BulkDeleteForm>[0] | false; rows: number; meta: PageMeta }) {
  return (
    <div class="list-footer">
      {p.bulk && p.rows > 0 && <BulkDeleteForm {...p.bulk} />}
      <Pagination meta={p.meta} />
    </div>
  );
}

import type { ComponentChildren } from 'preact';
import { Button, Card, Form } from './ui.js';

/**
 * The form that creates a record (POST `<base>/store`) or edits the record `id` (PATCH
 * `<base>/<id>/update`), in a card: the fields, then Create or Save changes, and Cancel. `after`
 * follows the form in the card (a call centre's delete form).
 */
export function RecordForm(p: {
  base: string;
  id: string | undefined;
  noun: string;
  cancel: string;
  children: ComponentChildren;
  after?: ComponentChildren;
}) {
  const editing = p.id !== undefined;
  return (
    <Card>
      <Form
        action={editing ? `${p.base}/${p.id}/update` : `${p.base}/store`}
        method={editing ? 'PATCH' : 'POST'}
        label={editing ? `Edit ${p.noun}` : `New ${p.noun}`}
      >
        {p.children}
        <div class="form-actions">
          <Button>{editing ? 'Save changes' : `Create ${p.noun}`}</Button>
          <a href={p.cancel} class="btn btn-link">
            Cancel
          </a>
        </div>
      </Form>
      {p.after}
    </Card>
  );
}

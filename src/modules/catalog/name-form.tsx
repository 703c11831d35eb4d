import { Button, Card, Field, Form } from '../../web/ui.js';

/** The form of a record that is only its name (a category, a city): `<base>/store` or `<base>/<id>/update`. */
export function NameForm({ base, noun, record }: { base: string; noun: string; record?: { id: string; name: string } }) {
  return (
    <Card>
      <Form
        action={record ? `${base}/${record.id}/update` : `${base}/store`}
        method={record ? 'PATCH' : 'POST'}
        label={record ? `Edit ${noun}` : `New ${noun}`}
      >
        <Field name="name" label="Name" value={record?.name} required />
        <div class="form-actions">
          <Button>{record ? 'Save changes' : `Create ${noun}`}</Button>
          <a href={record ? `${base}/${record.id}/show` : base} class="btn btn-link">
            Cancel
          </a>
        </div>
      </Form>
    </Card>
  );
}

import { Field } from '../../web/ui.js';
import { RecordForm } from '../../web/record-form.js';

/** The form of a record that is only its name (a category, a city): `<base>/store` or `<base>/<id>/update`. */
export function NameForm({ base, noun, record }: { base: string; noun: string; record?: { id: string; name: string } }) {
  return (
    <RecordForm base={base} id={record?.id} noun={noun} cancel={record ? `${base}/${record.id}/show` : base}>
      <Field name="name" label="Name" value={record?.name} required />
    </RecordForm>
  );
}

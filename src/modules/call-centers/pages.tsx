import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { PageMeta } from '../../db/paging.js';
import { notFound } from '../../http/errors.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { formBody } from '../../web/form-body.js';
import { formatDate } from '../../web/format.js';
import { listQuery } from '../../web/list-query.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { renderFormPage } from '../../web/form-page.js';
import { usePage } from '../../web/page-context.js';
import { done } from '../../web/respond.js';
import { formRoutes, updateRoutes, wantsJson } from '../../web/scope.js';
import type { IdRoute } from '../../web/types.js';
import { Button, Field, Filters, FilterSelect, Form, Select, StatusBadge } from '../../web/ui.js';
import { RecordForm } from '../../web/record-form.js';
import { deleteRoute } from '../catalog/named-records.js';
import { CatalogList } from '../catalog/catalog-list.js';
import { callCenterPolicy } from './policy.js';
import {
  CALL_CENTER_SORTS,
  callCenterNameTaken,
  findCallCenter,
  isCallCenterManager,
  listCallCenters,
  managerOptions,
  type CallCenterJson,
  type CallCenterRow,
} from './queries.js';
import { CALL_CENTER_STATUSES, callCenterCreate, callCenterUpdate, NAME_TAKEN, type CallCenterInput } from './schemas.js';
import { createCallCenter, deleteCallCenters, updateCallCenter } from './service.js';

const LIST = '/call-centers';
const STATUS_OPTIONS: [string, string][] = [
  ['active', 'Active'],
  ['inactive', 'Inactive'],
];
const callCenterList = listQuery({
  sorts: CALL_CENTER_SORTS,
  defaultSort: 'name',
  defaultDirection: 'asc',
  statuses: CALL_CENTER_STATUSES,
  filters: { manager_id: Type.String({ maxLength: 100 }) },
});

/** Admins tick, edit and delete here; managers read (a call-center-manager only their own, without the manager filter). */
function CallCentersList({ rows, meta, managers }: { rows: CallCenterRow[]; meta: PageMeta; managers: [string, string][] | null }) {
  const { user } = usePage();
  const admin = callCenterPolicy.authorize(user!, 'update');
  return (
    <CatalogList
      policy={callCenterPolicy}
      title="Call centres"
      subtitle="Agents, follow-up agents and managers belong to one; its manager supervises its agents."
      create={{ href: '/call-centers/create', label: 'New call centre' }}
      filters={
        <Filters search="Name or manager" searchLabel="Search by name or manager">
          <FilterSelect name="status" label="Status" options={STATUS_OPTIONS} placeholder="Any status" />
          {managers && <FilterSelect name="manager_id" label="Manager" options={managers} placeholder="Any manager" />}
        </Filters>
      }
      rows={rows}
      meta={meta}
      empty="No call centre matches these filters."
      none="No call centre yet."
      columns={[
        {
          label: 'Name',
          sort: 'name',
          render: (r) => (admin ? <a href={`/call-centers/${r.data.id}/edit`}>{r.data.name}</a> : r.data.name),
        },
        { label: 'Manager', sort: 'manager', render: (r) => r.data.manager ?? '—' },
        { label: 'Agents', sort: 'agents', class: 'num', render: (r) => String(r.data.agents) },
        { label: 'Status', sort: 'status', render: (r) => <StatusBadge status={r.data.status} /> },
        { label: 'Created', sort: 'created_at', render: (r) => formatDate(r.data.created_at) },
      ]}
      deletion={{
        base: '/call-centers',
        form: 'call-centers-bulk',
        confirm: (r) => `Delete the call centre ${r.data.name}?`,
        confirmAll: 'Delete the selected call centres?',
      }}
    />
  );
}

function CallCenterForm({ cc, managers }: { cc?: CallCenterJson; managers: [string, string][] }) {
  return (
    <RecordForm
      base="/call-centers"
      id={cc?.id}
      noun="call centre"
      cancel={LIST}
      after={
        cc && (
          <Form action="/call-centers/delete" method="DELETE" confirm={`Delete the call centre ${cc.name}?`} label="Delete call centre">
            <input type="hidden" name="ids[]" value={cc.id} />
            <Button kind="danger">Delete</Button>
          </Form>
        )
      }
    >
      <div class="form-grid">
        <Field name="name" label="Name" value={cc?.name} required />
        <Select name="manager_id" label="Manager" options={managers} value={cc?.manager_id ?? null} placeholder="No manager" />
        <Select name="status" label="Status" options={STATUS_OPTIONS} value={cc?.status ?? 'active'} />
      </div>
    </RecordForm>
  );
}

/** Shape, then the manager's role and the name's uniqueness; an emptied name is refused on update. */
async function readCallCenter(web: FastifyInstance, req: FastifyRequest, before?: CallCenterJson): Promise<CallCenterInput> {
  const body = formBody(req);
  const v = before ? callCenterUpdate : callCenterCreate;
  const bag = new ErrorBag();
  const input = v.check(body, bag) as CallCenterInput;
  if (before && 'name' in body && input.name === undefined && !bag.has('name')) bag.add('name', messages.required('name'));
  if (input.manager_id && !bag.has('manager_id') && !(await isCallCenterManager(web.db, input.manager_id))) {
    bag.add('manager_id', messages.invalid('manager_id'));
  }
  if (input.name && !bag.has('name') && (await callCenterNameTaken(web.db, input.name, before?.id))) bag.add('name', NAME_TAKEN);
  bag.throwIfAny(v.schema);
  return input;
}

export async function callCentersPages(web: FastifyInstance) {
  const { db } = web;
  const route = formRoutes(web);
  addNav({ label: 'Call centres', href: LIST, icon: 'building', visible: callCenterPolicy.can('view'), section: 'Call centre' });

  const load = async (req: FastifyRequest<IdRoute>) => {
    const row = await findCallCenter(db, req.user!, req.params.id);
    if (!row) throw notFound();
    return row;
  };

  web.get(LIST, { config: { can: callCenterPolicy.can('view') } }, async (req, reply) => {
    const user = req.user!;
    const page = await listCallCenters(db, user, callCenterList(req));
    if (wantsJson(req)) return reply.send({ data: page.rows.map((r) => r.data), meta: page.meta });
    const managers = user.role === 'call-center-manager' ? null : await managerOptions(db);
    return renderPage(req, reply, {
      title: 'Call centres',
      body: <CallCentersList rows={page.rows} meta={page.meta} managers={managers} />,
    });
  });

  web.get('/call-centers/create', { config: { can: callCenterPolicy.can('create') } }, async (req, reply) =>
    renderFormPage(req, reply, {
      title: 'New call centre',
      back: { href: LIST, label: 'Call centres' },
      form: <CallCenterForm managers={await managerOptions(db)} />,
    }),
  );

  web.post('/call-centers/store', { config: { can: callCenterPolicy.can('create') } }, async (req, reply) => {
    const input = await readCallCenter(web, req);
    const row = await db.tx(async (q) => (await findCallCenter(q, null, await createCallCenter(q, req.user!, input)))!);
    return done(req, reply, { message: 'Call centre created.', redirect: LIST, data: row, status: 201 });
  });

  web.get<IdRoute>('/call-centers/:id/show', { config: { can: callCenterPolicy.can('view') } }, async (req, reply) => {
    const row = await load(req);
    if (wantsJson(req)) return reply.send({ data: row });
    return reply.redirect(callCenterPolicy.authorize(req.user!, 'update') ? `/call-centers/${row.id}/edit` : LIST, 302);
  });

  web.get<IdRoute>('/call-centers/:id/edit', { config: { can: callCenterPolicy.can('update') } }, async (req, reply) => {
    const row = await load(req);
    return renderFormPage(req, reply, {
      title: `Edit ${row.name}`,
      back: { href: LIST, label: 'Call centres' },
      form: <CallCenterForm cc={row} managers={await managerOptions(db)} />,
    });
  });

  const update = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const before = await load(req);
    const input = await readCallCenter(web, req, before);
    const row = await db.tx(async (q) => {
      await updateCallCenter(q, req.user!, before.id, input);
      return (await findCallCenter(q, null, before.id))!;
    });
    return done(req, reply, { message: 'Call centre updated.', redirect: LIST, data: row });
  };
  updateRoutes<IdRoute>(route, '/call-centers/:id/update', { config: { can: callCenterPolicy.can('update') } }, update);

  deleteRoute(web, {
    url: '/call-centers/delete',
    list: LIST,
    can: callCenterPolicy.can('delete'),
    noun: ['call centre'],
    audit: { action: 'call-centers.delete', type: 'call-center' },
    remove: deleteCallCenters,
  });
}

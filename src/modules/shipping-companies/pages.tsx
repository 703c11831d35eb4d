import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { invalid, notFound } from '../../http/errors.js';
import { enqueue } from '../../jobs/enqueue.js';
import { visibleJob } from '../jobs/queries.js';
import { syncJob } from '../shipping/sync.js';
import { ErrorBag, messages } from '../../http/validation.js';
import { formBody } from '../../web/form-body.js';
import { listQuery } from '../../web/list-query.js';
import { addNav } from '../../web/nav.js';
import { renderPage } from '../../web/page.js';
import { renderFormPage } from '../../web/form-page.js';
import { done } from '../../web/respond.js';
import { formRoutes, updateRoutes, wantsJson } from '../../web/scope.js';
import type { IdRoute } from '../../web/types.js';
import { deleteRoute, inUseMessage } from '../catalog/named-records.js';
import { cityOptions } from '../cities/queries.js';
import { shippingCompanyPolicy } from './policy.js';
import {
  COMPANY_SORTS,
  companyNameTaken,
  companyOrderCounts,
  findCompany,
  listCompanies,
  unknownCities,
  type CompanyFilters,
  type CompanyJson,
} from './queries.js';
import {
  ADAPTERS,
  checkAdapterFields,
  checkDistinctCities,
  checkStatusMap,
  companyCreate,
  companyUpdate,
  NAME_TAKEN,
  type CompanyInput,
} from './schemas.js';
import { createCompany, deleteCompanies, updateCompany } from './service.js';
import { CompaniesList, CompanyForm, CompanyPage, LIST, showUrl } from './views.js';

const companyList = listQuery({ sorts: COMPANY_SORTS, defaultSort: 'name', filters: { adapter: Type.String({ enum: [...ADAPTERS] }) } });

/** The list's filters from its query string: GET /shipping-companies, and its export (POST /shipping-companies/export). */
export function companyListFilters(req: FastifyRequest): CompanyFilters {
  const { search, status, adapter } = companyList(req);
  return { search, status, adapter: adapter as string | undefined };
}

/** The form's lines `LIVRE = delivered` as an object; a line without `=` makes it invalid (null). */
function parseStatusMap(text: string): Record<string, string> | null {
  const map: Record<string, string> = {};
  for (const line of text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)) {
    const at = line.lastIndexOf('=');
    if (at <= 0) return null;
    map[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return map;
}

/** A form's city lines without the empty ones (a JSON body's list is taken as sent). */
function dropEmptyLines(cities: unknown): unknown {
  if (!Array.isArray(cities)) return cities;
  return cities.filter((c) => !(c && typeof c === 'object' && Object.values(c).every((v) => v === null || v === '')));
}

/** Shape, the rules across fields, the cities and the name's uniqueness; an emptied name or adapter is refused on update. */
async function readCompany(
  web: FastifyInstance,
  req: FastifyRequest,
  before?: CompanyJson & { has_api_key: boolean },
): Promise<CompanyInput> {
  const body = { ...formBody(req) };
  const bag = new ErrorBag();
  if (typeof body.status_map === 'string') {
    const parsed = parseStatusMap(body.status_map);
    if (parsed === null) bag.add('status_map', 'Write each courier status as `STATUS = delivered`, one per line.');
    body.status_map = parsed ?? {};
  }
  if ('cities' in body) body.cities = dropEmptyLines(body.cities);
  const v = before ? companyUpdate : companyCreate;
  const input = v.check(body, bag) as CompanyInput;
  for (const k of ['name', 'adapter'] as const)
    if (before && k in body && input[k] === undefined && !bag.has(k)) bag.add(k, messages.required(k));
  if (!bag.has('status_map') && body.status_map !== undefined) {
    checkStatusMap(body.status_map, bag);
    input.status_map = body.status_map as Record<string, string> | null;
  }
  const merged = { ...input, adapter: input.adapter ?? before?.adapter, base_url: 'base_url' in input ? input.base_url : before?.base_url };
  checkAdapterFields(merged, Boolean(before?.has_api_key), bag);
  checkDistinctCities(input.cities, bag);
  const cities = Array.isArray(input.cities) ? input.cities : [];
  const ids = cities.map((c) => c?.city_id).filter((id): id is string => typeof id === 'string');
  const unknown = await unknownCities(web.db, ids);
  cities.forEach((c, i) => {
    if (c?.city_id && unknown.has(c.city_id) && !bag.has(`cities.${i}.city_id`))
      bag.add(`cities.${i}.city_id`, messages.invalid(`cities.${i}.city_id`));
  });
  if (input.name && !bag.has('name') && (await companyNameTaken(web.db, input.name, before?.id))) bag.add('name', NAME_TAKEN);
  bag.throwIfAny(v.schema);
  return input;
}

export async function shippingCompaniesPages(web: FastifyInstance) {
  const { db } = web;
  const { appKey } = web.config;
  const route = formRoutes(web);
  addNav({ label: 'Shipping companies', href: LIST, icon: 'truck', visible: shippingCompanyPolicy.can('view'), section: 'Catalog' });

  const load = async (req: FastifyRequest<IdRoute>) => {
    const row = await findCompany(db, req.params.id);
    if (!row) throw notFound();
    return row;
  };
  const json = ({ has_api_key: _, ...data }: CompanyJson & { has_api_key: boolean }) => data;

  web.get(LIST, { config: { can: shippingCompanyPolicy.can('view') } }, async (req, reply) => {
    const page = await listCompanies(db, companyList(req));
    if (wantsJson(req)) return reply.send({ data: page.rows.map((r) => r.data), meta: page.meta });
    return renderPage(req, reply, { title: 'Shipping companies', body: <CompaniesList rows={page.rows} meta={page.meta} /> });
  });

  web.get('/shipping-companies/create', { config: { can: shippingCompanyPolicy.can('create') } }, async (req, reply) =>
    renderFormPage(req, reply, {
      title: 'New shipping company',
      back: { href: LIST, label: 'Shipping companies' },
      form: <CompanyForm cities={await cityOptions(db)} />,
    }),
  );

  web.post('/shipping-companies/store', { config: { can: shippingCompanyPolicy.can('create') } }, async (req, reply) => {
    const input = await readCompany(web, req);
    const row = await db.tx(async (q) => (await findCompany(q, await createCompany(q, req.user!, appKey, input)))!);
    return done(req, reply, { message: 'Shipping company created.', redirect: showUrl(row.id), data: json(row), status: 201 });
  });

  web.get<IdRoute & { Querystring: { job?: string } }>(
    '/shipping-companies/:id/show',
    { config: { can: shippingCompanyPolicy.can('view') } },
    async (req, reply) => {
      const row = await load(req);
      if (wantsJson(req)) return reply.send({ data: json(row) });
      const job = await visibleJob(db, req.user!, req.query.job);
      return renderPage(req, reply, { title: row.name, body: <CompanyPage company={json(row)} hasKey={row.has_api_key} job={job} /> });
    },
  );

  // A status sync of this company now (fulfilment.md), besides the schedule's.
  web.post<IdRoute>('/shipping-companies/:id/sync', { config: { can: shippingCompanyPolicy.can('update') } }, async (req, reply) => {
    const row = await load(req);
    if (row.adapter !== 'http') throw invalid({ id: [`${row.name} ships by hand: there is no courier to ask.`] });
    const jobId = await db.tx((q) => enqueue(q, syncJob.kind, { companyId: row.id }, { userId: req.user!.id }));
    if (wantsJson(req)) return reply.code(202).send({ data: { job_id: jobId } });
    return done(req, reply, { message: 'Syncing the parcel statuses.', redirect: `${showUrl(row.id)}?job=${jobId}` });
  });

  web.get<IdRoute>('/shipping-companies/:id/edit', { config: { can: shippingCompanyPolicy.can('update') } }, async (req, reply) => {
    const row = await load(req);
    return renderFormPage(req, reply, {
      title: `Edit ${row.name}`,
      back: { href: showUrl(row.id), label: row.name },
      form: <CompanyForm company={json(row)} cities={await cityOptions(db)} hasKey={row.has_api_key} />,
    });
  });

  const update = async (req: FastifyRequest<IdRoute>, reply: FastifyReply) => {
    const before = await load(req);
    const input = await readCompany(web, req, before);
    const row = await db.tx(async (q) => {
      await updateCompany(q, req.user!, appKey, before, input);
      return (await findCompany(q, before.id))!;
    });
    return done(req, reply, { message: 'Shipping company updated.', redirect: showUrl(row.id), data: json(row) });
  };
  updateRoutes<IdRoute>(route, '/shipping-companies/:id/update', { config: { can: shippingCompanyPolicy.can('update') } }, update);

  deleteRoute(web, {
    url: '/shipping-companies/delete',
    list: LIST,
    can: shippingCompanyPolicy.can('delete'),
    noun: ['shipping company', 'shipping companies'],
    audit: { action: 'shipping-companies.delete', type: 'shipping-company' },
    remove: deleteCompanies,
    // Orders keep the company they left with: a company that shipped any cannot go (set it inactive).
    refusal: async (ids) => {
      const used = (await companyOrderCounts(db, ids)).map((u) => ({ name: u.name, uses: [u.uses] }));
      return used.some((u) => u.uses[0] > 0) ? inUseMessage('shipping company', ids.length, used, [['order']]) : undefined;
    },
  });
}

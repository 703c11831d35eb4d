import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../http/errors.js';
import { sendWrite } from '../../http/idempotency.js';
import { ErrorBag, validate } from '../../http/validation.js';
import { actorOf, apiDoc, bulkDeleteBody, checkListQuery, historyQuery, sendJson } from '../shared/api-helpers.js';
import { BulkDeleteBody, History, HistoryQuery, ListQueryOptional, Message, Page } from '../shared/list-schemas.js';
import { leadPolicy, type LeadAction } from './policy.js';
import { leadHistoryPage, leadJson, leadPage } from './queries.js';
import { LEAD_STATUSES, LeadBulkPatchBody, LeadCreateBody, LeadPatch, LeadResource } from './schemas.js';
import { createLeads, deleteLeads, patchLead, patchLeadsBulk } from './service.js';

const may = (action: LeadAction) => (role: Parameters<typeof leadPolicy.allows>[0]) => leadPolicy.allows(role, action);
const Reference = Type.Object({ reference: Type.String() });

export async function leadsApi(api: FastifyInstance, opts: { bulkBodyLimit: number }) {
  const bulk = { bodyLimit: opts.bulkBodyLimit };

  api.post(
    '/leads',
    {
      ...bulk,
      config: { scope: 'CREATE LEADS', allows: may('create') },
      schema: apiDoc('Leads', 'Create up to 1,000 leads, all or nothing', {
        body: LeadCreateBody,
        response: { 201: Type.Object({ message: Type.String(), data: Type.Object({ references: Type.Array(Type.String()) }) }) },
      }),
    },
    (req, reply) =>
      sendWrite(req, reply, async (q) => {
        const actor = actorOf(req);
        const references = await createLeads(q, actor, actor.accountId, req.body);
        return { status: 201, json: JSON.stringify({ message: 'Leads created successfully.', data: { references } }) };
      }),
  );

  api.get(
    '/leads',
    {
      config: { scope: 'VIEW LEADS', allows: may('view') },
      schema: apiDoc('Leads', 'List leads, newest first', { querystring: ListQueryOptional, response: { 200: Page(LeadResource) } }),
    },
    async (req, reply) => {
      const f = checkListQuery(req.query, LEAD_STATUSES);
      return sendJson(reply, await leadPage(api.db, actorOf(req).accountId, { ...f, status: f.status as never }));
    },
  );

  api.get(
    '/leads/:reference',
    {
      config: { scope: 'VIEW LEADS', allows: may('view') },
      schema: apiDoc('Leads', 'Show a lead', { params: Reference, response: { 200: Type.Object({ data: LeadResource }) } }),
    },
    async (req, reply) => {
      const { reference } = req.params as { reference: string };
      const json = await leadJson(api.db, actorOf(req).accountId, reference);
      if (!json) throw notFound();
      return sendJson(reply, `{"data":${json}}`);
    },
  );

  api.patch(
    '/leads/:reference',
    {
      config: { scope: 'UPDATE LEADS', allows: may('update') },
      schema: apiDoc('Leads', 'Update a lead: fields while open, status by the lifecycle', {
        params: Reference,
        body: LeadPatch,
        response: { 200: Type.Object({ message: Type.String(), data: LeadResource }) },
      }),
    },
    (req, reply) =>
      sendWrite(req, reply, async (q) => {
        const actor = actorOf(req);
        const { reference } = req.params as { reference: string };
        await patchLead(q, actor, actor.accountId, reference, req.body);
        const json = await leadJson(q, actor.accountId, reference);
        return { status: 200, json: `{"message":"Lead updated successfully.","data":${json}}` };
      }),
  );

  api.patch(
    '/leads',
    {
      ...bulk,
      config: { scope: 'UPDATE LEADS', allows: may('update') },
      schema: apiDoc('Leads', 'Update up to 1,000 leads, all or nothing', {
        body: LeadBulkPatchBody,
        response: { 200: Type.Object({ message: Type.String(), data: Type.Array(Reference) }) },
      }),
    },
    (req, reply) =>
      sendWrite(req, reply, async (q) => {
        const actor = actorOf(req);
        const refs = await patchLeadsBulk(q, actor, actor.accountId, req.body);
        const data = refs.map((reference) => ({ reference }));
        return { status: 200, json: JSON.stringify({ message: 'Leads updated successfully.', data }) };
      }),
  );

  api.delete(
    '/leads/:reference',
    {
      config: { scope: 'DELETE LEADS', allows: may('delete') },
      schema: apiDoc('Leads', 'Delete a lead (not a confirmed one)', { params: Reference, response: { 200: Message } }),
    },
    (req, reply) =>
      sendWrite(req, reply, async (q) => {
        const actor = actorOf(req);
        const { reference } = req.params as { reference: string };
        const found = await leadJson(q, actor.accountId, reference);
        if (!found) throw notFound();
        await deleteLeads(q, actor.accountId, [reference], () => 'reference', new ErrorBag());
        return { status: 200, json: JSON.stringify({ message: 'Lead deleted successfully.' }) };
      }),
  );

  api.delete(
    '/leads',
    {
      ...bulk,
      config: { scope: 'DELETE LEADS', allows: may('delete') },
      schema: apiDoc('Leads', 'Delete up to 1,000 leads, all or nothing', {
        body: BulkDeleteBody,
        response: { 200: Type.Object({ message: Type.String(), data: Type.Object({ count: Type.Integer() }) }) },
      }),
    },
    (req, reply) =>
      sendWrite(req, reply, async (q) => {
        const actor = actorOf(req);
        const bag = new ErrorBag();
        const { references } = bulkDeleteBody.check(req.body, bag);
        const count = await deleteLeads(q, actor.accountId, Array.isArray(references) ? references : [], (i) => `references.${i}`, bag);
        return { status: 200, json: JSON.stringify({ message: 'Leads deleted successfully.', data: { count } }) };
      }),
  );

  api.get(
    '/lead-histories',
    {
      config: { scope: 'VIEW LEADS', allows: may('view') },
      schema: apiDoc('Leads', 'Status history of the leads, newest first', {
        querystring: HistoryQuery,
        response: { 200: Page(History('lead_reference')) },
      }),
    },
    async (req, reply) => sendJson(reply, await leadHistoryPage(api.db, actorOf(req).accountId, validate(historyQuery, req.query))),
  );
}

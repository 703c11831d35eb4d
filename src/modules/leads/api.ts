import { recordsApi } from '../records/records-api.js';
import { leadPolicy } from './policy.js';
import { leadHistoryPage, leadJson, leadPage } from './queries.js';
import { LeadBulkPatchBody, LeadCreateBody, LeadPatch, LeadResource } from './schemas.js';
import { LEAD_STATUSES, type LeadStatus } from './transitions.js';
import { createLeads, deleteLeads, patchLead, patchLeadsBulk } from './service.js';

/** `/leads` and `/lead-histories` (api-v1.md). */
export const leadsApi = recordsApi({
  one: 'lead',
  many: 'leads',
  statuses: LEAD_STATUSES,
  schemas: { create: LeadCreateBody, patch: LeadPatch, bulkPatch: LeadBulkPatchBody, resource: LeadResource },
  authorize: (who, action) => leadPolicy.authorize(who, action === 'history' ? 'view' : action),
  docs: {
    show: 'Show a lead',
    update: 'Update a lead: fields while open, status by the lifecycle',
    delete: 'Delete a lead (not a confirmed one)',
  },
  create: (q, actor, body) => createLeads(q, actor, actor.accountId, body),
  page: (q, accountId, f) => leadPage(q, accountId, { ...f, status: f.status as LeadStatus[] | undefined }),
  json: leadJson,
  patch: (q, actor, reference, body) => patchLead(q, actor, actor.accountId, reference, body),
  patchBulk: (q, actor, body) => patchLeadsBulk(q, actor, actor.accountId, body),
  remove: (q, actor, references, keyOf, bag) => deleteLeads(q, actor.accountId, references, keyOf, bag),
  histories: leadHistoryPage,
});

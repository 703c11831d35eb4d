import { recordsApi, type ApiScope } from '../records/records-api.js';
import { leadListQuery } from '../listing/api-helpers.js';
import { leadPolicy } from './policy.js';
import { forbidden } from '../../http/errors.js';
import { leadAccess, leadHistoryPage, leadJson, leadPage, reachableLeads, type LeadScope } from './queries.js';
import { LeadBulkPatchBody, LeadCreateBody, LeadPatch, LeadResource } from './schemas.js';
import { LEAD_STATUSES, outcomeRefusal, type LeadStatus } from './transitions.js';
import { createLeads, deleteLeads, patchLead, patchLeadsBulk } from './service.js';
import { intakeLeads } from './intake.js';

/** `/leads` and `/lead-histories` (api-v1.md). */
export const leadsApi = recordsApi({
  one: 'lead',
  many: 'leads',
  statuses: LEAD_STATUSES,
  schemas: { create: LeadCreateBody, patch: LeadPatch, bulkPatch: LeadBulkPatchBody, resource: LeadResource, list: leadListQuery },
  authorize: (who, action) => leadPolicy.authorize(who, action === 'history' ? 'view' : action),
  docs: {
    show: 'Show a lead',
    update: 'Update a lead: fields while open, status by the lifecycle',
    delete: 'Delete a lead (not a confirmed one)',
  },
  create: (q, actor, body) => createLeads(q, actor, actor.accountId, body),
  intake: (db, actor, body, bulkAtOnce) => intakeLeads(db, actor, actor.accountId, body, bulkAtOnce),
  // The dashboard's reach (an agent their queue: leads of their products) inside the token's account.
  scope: async (q, actor) => {
    const { scope } = await leadAccess(q, actor);
    return { ...scope, accountId: actor.accountId, narrows: scope.productIds !== undefined };
  },
  reachable: (q, scope, references) => reachableLeads(q, scope as LeadScope & ApiScope, references),
  // An agent sets only the statuses of their `agent_status_handlings`, as on the call screen.
  checkPatch: async (q, actor, items) => {
    if (actor.role !== 'agent') return;
    const statuses = items
      .map((item) => (item as { status?: unknown } | null)?.status)
      .filter((s): s is LeadStatus => (LEAD_STATUSES as readonly unknown[]).includes(s));
    if (statuses.length === 0) return;
    const { handlings } = await leadAccess(q, actor);
    if (statuses.some((s) => outcomeRefusal(handlings, s))) throw forbidden();
  },
  page: (q, scope, f) => leadPage(q, scope as LeadScope, { ...f, status: f.status as LeadStatus[] | undefined }),
  json: leadJson,
  patch: (q, actor, reference, body, unreachable) => patchLead(q, actor, actor.accountId, reference, body, undefined, unreachable),
  patchBulk: (q, actor, body, unreachable) => patchLeadsBulk(q, actor, actor.accountId, body, unreachable),
  remove: (q, actor, references, keyOf, bag) => deleteLeads(q, actor.accountId, references, keyOf, bag),
  histories: (q, scope, f) => leadHistoryPage(q, scope as LeadScope, f),
});

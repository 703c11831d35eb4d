import type { Actor } from '../../core/actor.js';
import type { Queryable, QueryOptions } from '../../db/database.js';
import { withChanges, withImpersonator, withoutStatus } from '../records/history.js';
import { unsoldLinesOf } from '../records/lines.js';
import { compact, jsonPage, withExtra, type PageRequest } from '../../db/paging.js';
import { dateFrom, dateBefore, Where } from '../../db/where.js';
import {
  byReferences,
  LEADS,
  narrowedBeyondStatus,
  oneByReference,
  recordFilters,
  recordPage,
  recordSearch,
  recordStatusCounts,
  type RecordFilters,
  type PageOptions,
} from '../records/record-list.js';
import { LEAD_HISTORY_JSON, LEAD_JSON } from './presenter.js';
import { CALL_OUTCOMES, type LeadStatus } from './transitions.js';
import { isManager } from '../users/policy.js';
import { visibleUsers } from '../users/queries.js';

export interface LeadFilters extends RecordFilters {
  status?: LeadStatus[];
  /**
   * The dashboard's "Assigned to" (those who may assign): the agent's id, or `none` for the leads no
   * manager assigned. An agent's leads are a probe of the partial index `leads_assigned` (0015).
   */
  assigned_to?: string;
}

/** The "Assigned to" filter's value for the leads nobody was given to. */
export const NOT_ASSIGNED = 'none';

/** A lead of the account as its API JSON text, or undefined (also when deleted). */
export async function leadJson(
  q: Queryable,
  accountId: string,
  reference: string,
  opts?: Pick<QueryOptions, 'last'>,
): Promise<string | undefined> {
  const { rows } = await q.query<{ j: string }>(
    `SELECT ${LEAD_JSON}::text AS j FROM ${oneByReference(LEADS)}`,
    [accountId, reference],
    { name: 'lead_json', last: opts?.last }, // GET /leads/{reference}: planning this query cost more than running it
  );
  return rows[0] && compact(rows[0].j);
}

/**
 * Which leads a caller sees: one account's (the API, sellers) or every account's (`accountId`
 * null: staff), optionally only an agent's queue or a team's (leads with a line of one of `productIds`).
 */
export interface LeadScope {
  accountId: string | null;
  productIds?: string[];
  /**
   * An agent's id, with `productIds`: they also see the leads they hold the claim of (a lapsed one
   * only on a lead of a deleted product) or are assigned to, whatever their products (a lead whose
   * every product was deleted stays on their call screen: docs/decisions.md, "The agent on a lead
   * keeps it when its products are deleted").
   */
  agentId?: string;
}

/** The scope's product condition on lead `l` (a team's or an agent's queue; an agent's own leads too). */
function productCondition(w: Where, productIds: string[], agentId?: string): string {
  const lines = `l.id IN (SELECT ll.lead_id FROM lead_lines ll WHERE ll.product_id = ANY(${w.param(productIds)}::text[]))`;
  if (!agentId) return lines;
  const agent = w.param(agentId);
  // A claim still running, or a lapsed one on a lead of a deleted product (its screen offers to take it
  // again): a lapsed claim keeps `claimed_by`, and a product taken off the agent must take its leads too.
  const unsold = `EXISTS (SELECT 1 FROM lead_lines ll JOIN products p ON p.id = ll.product_id WHERE ll.lead_id = l.id AND p.deleted_at IS NOT NULL)`;
  return `(${lines} OR (l.claimed_by = ${agent} AND (l.claimed_until > now() OR ${unsold})) OR l.assigned_to = ${agent})`;
}

const scopeOf = (scope: string | LeadScope): LeadScope => (typeof scope === 'string' ? { accountId: scope } : scope);

/** Whether filters other than the status apply, which the trigger-kept `status_counts` cannot count. */
const narrowed = (s: LeadScope, f: LeadFilters) => narrowedBeyondStatus(f) || Boolean(s.productIds) || Boolean(f.assigned_to);

function leadWhere(scope: string | LeadScope, f: LeadFilters): Where {
  const { accountId, productIds, agentId } = scopeOf(scope);
  const w = new Where();
  if (accountId !== null) w.and(`l.account_id = ${w.param(accountId)}`);
  w.and('l.deleted_at IS NULL');
  if (productIds) w.and(productCondition(w, productIds, agentId));
  if (f.assigned_to === NOT_ASSIGNED) w.and('l.assigned_to IS NULL');
  else if (f.assigned_to) w.and(`l.assigned_to = ${w.param(f.assigned_to)}`);
  return recordFilters(w, LEADS, f);
}

/** Of `references`, those of live leads of the account that `scope` sees. */
export async function reachableLeads(q: Queryable, scope: LeadScope & { accountId: string }, references: string[]): Promise<Set<string>> {
  const w = leadWhere(scope, {});
  const leads = byReferences(LEADS, w.param(scope.accountId), w.param(references));
  const { rows } = await q.query<{ reference: string }>(`SELECT l.reference FROM ${leads} ${w}`, w.params);
  return new Set(rows.map((r) => r.reference));
}

/** Sortable columns of the dashboard's list (`created_at` is the index-backed default). */
export const LEAD_SORTS = {
  created_at: 'l.created_at',
  updated_at: 'l.updated_at',
  full_name: 'l.full_name',
  city: 'l.city',
  total: 'l.total',
  callback_at: 'l.callback_at',
} as const;
type LeadSort = keyof typeof LEAD_SORTS;

/** GET /leads: newest first (or the dashboard's sort), as the paginated body's text. */
export function leadPage(q: Queryable, scope: string | LeadScope, f: LeadFilters, opts: PageOptions<LeadSort> = {}): Promise<string> {
  const s = scopeOf(scope);
  const p = { accountId: s.accountId, where: leadWhere(s, f), narrowed: narrowed(s, f), f, sorts: LEAD_SORTS };
  return recordPage(q, LEADS, { ...p, jsonExpr: withExtra(LEAD_JSON, opts.extra) }, { ...opts, defaultSort: 'created_at' });
}

/**
 * The status tabs: every status's count under the other filters. Without filters (the usual view of
 * an account, or of all of them) the trigger-kept `status_counts` answer at once; otherwise one
 * GROUP BY over the filtered leads.
 */
export async function leadStatusCounts(q: Queryable, scope: string | LeadScope, f: LeadFilters): Promise<Map<string, number>> {
  const s = scopeOf(scope);
  // "Not assigned" and nothing else: the kept counts less the assigned leads' (an index range), not a scan of every lead.
  if (f.assigned_to === NOT_ASSIGNED && !narrowed(s, { ...f, assigned_to: undefined })) {
    const [all, assigned] = await Promise.all([
      leadStatusCounts(q, s, { ...f, assigned_to: undefined }),
      recordStatusCounts(q, LEADS, {
        accountId: s.accountId,
        narrowed: true,
        where: () => leadWhere(s, { ...f, status: undefined, assigned_to: undefined }).and('l.assigned_to IS NOT NULL'),
      }),
    ]);
    return new Map([...all].map(([status, n]) => [status, n - (assigned.get(status) ?? 0)]));
  }
  return recordStatusCounts(q, LEADS, {
    accountId: s.accountId,
    narrowed: narrowed(s, f),
    where: () => leadWhere(s, { ...f, status: undefined }),
  });
}

export interface HistoryFilters extends PageRequest {
  reference?: string;
  from?: string;
  to?: string;
  /** The zone `from`/`to` written without one are read in (dateFrom): the dashboard's. */
  zone?: string;
  /** The dashboard's search box: the record's reference, its customer's phone or part of their name. */
  search?: string;
  /** Oldest first when `asc` (the dashboard's sortable "When" column); newest first by default. */
  direction?: 'asc' | 'desc';
}

/** A history list's order: by time, then id, newest first unless asked otherwise. */
export const historyOrder = (f: HistoryFilters): [string, 'ASC' | 'DESC'][] => {
  const d = f.direction === 'asc' ? 'ASC' : 'DESC';
  return [
    ['h.created_at', d],
    ['h.id', d],
  ];
};

export function leadHistoryPage(
  q: Queryable,
  scope: string | LeadScope,
  f: HistoryFilters,
  opts: PageOptions<never> = {},
): Promise<string> {
  const { accountId, productIds, agentId } = scopeOf(scope);
  const w = new Where();
  if (accountId !== null) w.and(`h.account_id = ${w.param(accountId)}`);
  w.and('l.deleted_at IS NULL');
  if (productIds) w.and(productCondition(w, productIds, agentId));
  if (f.reference) w.and(`l.reference = ${w.param(f.reference)}`);
  if (f.from) w.and(`h.created_at >= ${w.param(dateFrom(f.from, f.zone))}::timestamptz`);
  if (f.to) w.and(`h.created_at < ${w.param(dateBefore(f.to, f.zone))}::timestamptz`);
  if (f.search) w.and(recordSearch(w, 'l', f.search));
  return jsonPage(q, {
    jsonExpr: withExtra(LEAD_HISTORY_JSON, opts.extra),
    from: 'FROM lead_histories h JOIN leads l ON l.id = h.lead_id',
    key: 'h.id',
    where: w,
    orderBy: historyOrder(f),
    page: f,
  });
}

/** A live lead by internal id, if the scope sees it (else undefined: the pages answer 404). */
export interface LeadRow {
  id: string;
  account_id: string;
  account_name: string;
  reference: string;
  status: LeadStatus;
  order_id: string | null;
}

export async function findLead(q: Queryable, scope: LeadScope, id: string): Promise<LeadRow | undefined> {
  return findLeadWhere(q, scope, (w) => `l.id = ${w.param(id)}`);
}

/** The live lead of an account with this reference, when the scope sees it (a duplicate's original). */
export async function findLeadByReference(q: Queryable, scope: LeadScope, accountId: string, reference: string) {
  return findLeadWhere(q, scope, (w) => `l.account_id = ${w.param(accountId)} AND l.reference = ${w.param(reference)}`);
}

async function findLeadWhere(q: Queryable, scope: LeadScope, which: (w: Where) => string): Promise<LeadRow | undefined> {
  const w = leadWhere(scope, {});
  w.and(which(w));
  const { rows } = await q.query<LeadRow>(
    `SELECT l.id, l.account_id, a.name AS account_name, l.reference, l.status, l.order_id
       FROM leads l JOIN accounts a ON a.id = l.account_id ${w}`,
    w.params,
  );
  return rows[0];
}

/** Live leads among `ids` the scope sees (bulk delete). */
export async function findLeads(q: Queryable, scope: LeadScope, ids: string[]): Promise<Map<string, LeadRow>> {
  const w = leadWhere(scope, {});
  w.and(`l.id = ANY(${w.param(ids)}::text[])`);
  const { rows } = await q.query<LeadRow>(
    `SELECT l.id, l.account_id, a.name AS account_name, l.reference, l.status, l.order_id
       FROM leads l JOIN accounts a ON a.id = l.account_id ${w}`,
    w.params,
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * The places (0-based, in the lead's order) of its lines whose product was deleted: shown "no longer
 * sold" on its pages, and a form that sends such a line back unchanged is refused (its SKU may name
 * another product since: docs/decisions.md, "A deleted product's line is not swapped by SKU").
 */
export const unsoldLines = (q: Queryable, leadId: string) => unsoldLinesOf(q, 'lead_lines', leadId);

/**
 * A lead's whole history, oldest first, as API history items; with `impersonator` (the dashboard's
 * timelines), also who impersonated, what each row's request changed (`changes`) and whether it set
 * no status (`without_status`: a comment alone).
 */
export async function leadHistories(q: Queryable, leadId: string, opts: { impersonator?: boolean } = {}): Promise<string> {
  const json = opts.impersonator ? withoutStatus(withChanges(withImpersonator(LEAD_HISTORY_JSON))) : LEAD_HISTORY_JSON;
  const { rows } = await q.query<{ j: string }>(
    `SELECT coalesce(json_agg(${json} ORDER BY h.created_at, h.id), '[]')::text AS j
       FROM lead_histories h JOIN leads l ON l.id = h.lead_id WHERE h.lead_id = $1`,
    [leadId],
  );
  return compact(rows[0].j);
}

interface LockedLead {
  id: string;
  reference: string;
  status: LeadStatus;
  assigned_to: string | null;
  /** The agent whose claim on it has not expired. */
  claimed_by: string | null;
}

/**
 * The account's live leads among `references`, locked for this transaction: one probe of the
 * unique (account, reference) index per reference, the only index that can serve it (a deleted
 * lead is left out after the look-up: with `deleted_at IS NULL` in it, the plan kept from a young
 * table scanned a partial index, all of the account's leads; docs/decisions.md, "Plans made on young
 * tables"). Locked in the order of the references (DISTINCT keeps that subquery from being merged
 * into the join), so two requests never wait for each other in a cycle.
 */
export async function lockLeads(q: Queryable, accountId: string, references: string[]): Promise<Map<string, LockedLead>> {
  const { rows } = await q.query<LockedLead>(
    `SELECT l.id, l.reference, l.status, l.assigned_to, CASE WHEN l.claimed_until > now() THEN l.claimed_by END AS claimed_by
       FROM (SELECT DISTINCT unnest($2::text[]) AS reference ORDER BY 1) r
       CROSS JOIN LATERAL (
         SELECT id, reference, status, assigned_to, claimed_by, claimed_until, deleted_at FROM leads
          WHERE account_id = $1 AND reference = r.reference
         OFFSET 0 FOR UPDATE) l
      WHERE l.deleted_at IS NULL`,
    [accountId, [...new Set(references)]],
    { name: 'lock-leads' },
  );
  return new Map(rows.map((r) => [r.reference, r]));
}

interface LeadAccess {
  scope: LeadScope;
  /** The statuses an agent may set (`agent_status_handlings`); null: every status the lifecycle allows. */
  handlings: LeadStatus[] | null;
}

/**
 * Which leads an actor sees: a seller their account's; an agent their queue (leads of the
 * products in `products_ids_to_confirm`); a manager, a call-center-manager or a manager leader
 * their team's queues (domain.md: "VUX (own team)"; the leads of the products their team's agents
 * confirm, the team being the one their user pages list, `visibleUsers`); admins and follow-up
 * agents every account's.
 */
export async function leadAccess(q: Queryable, actor: Actor): Promise<LeadAccess> {
  if (actor.role === 'seller') return { scope: { accountId: actor.accountId! }, handlings: null };
  if (isManager(actor)) {
    const w = visibleUsers(new Where(), { id: actor.userId!, role: actor.role!, account_id: null }, 'agent');
    const { rows } = await q.query<{ products: string[] }>(
      `SELECT coalesce(array_agg(DISTINCT p.id), '{}') AS products
         FROM users u CROSS JOIN LATERAL jsonb_array_elements_text(u.products_ids_to_confirm) AS p(id) ${w}`,
      w.params,
    );
    return { scope: { accountId: null, productIds: rows[0]?.products ?? [] }, handlings: null };
  }
  if (actor.role !== 'agent') return { scope: { accountId: null }, handlings: null };
  const { rows } = await q.query<{ products: unknown; handlings: unknown }>(
    'SELECT products_ids_to_confirm AS products, agent_status_handlings AS handlings FROM users WHERE id = $1',
    [actor.userId],
  );
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  const handlings = strings(rows[0]?.handlings) as LeadStatus[];
  return {
    scope: { accountId: null, productIds: strings(rows[0]?.products), agentId: actor.userId! },
    handlings: handlings.length > 0 ? handlings : [...CALL_OUTCOMES],
  };
}

/** A line of an export (webhooks-files.md): the lead's reference, status and customer, the line, the lead's total. */
export interface LeadExportRow {
  id: string;
  reference: string;
  status: string;
  full_name: string;
  phone: string;
  city: string | null;
  area: string | null;
  address: string | null;
  sku: string | null;
  name: string | null;
  quantity: number | null;
  price: number | null;
  total: number;
  created_at: string;
}

/** How many leads an export of the list `f` writes (its progress bar's total). */
export async function leadExportCount(q: Queryable, scope: LeadScope, f: LeadFilters): Promise<number> {
  const w = leadWhere(scope, f);
  const { rows } = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM leads l ${w}`, w.params);
  return rows[0].n;
}

/**
 * The next `limit` leads of the list `f` after the lead `after` (keyset on the id: each batch one
 * index range, whatever the row count), a row per product line.
 */
export async function leadExportBatch(
  q: Queryable,
  scope: LeadScope,
  f: LeadFilters,
  after: string,
  limit: number,
): Promise<LeadExportRow[]> {
  const w = leadWhere(scope, f);
  w.and(`l.id > ${w.param(after)}`);
  const { rows } = await q.query<LeadExportRow>(
    `WITH b AS (SELECT l.* FROM leads l ${w} ORDER BY l.id LIMIT ${w.param(limit)})
     SELECT b.id, b.reference, b.status, b.full_name, b.phone, b.city, b.area, b.address, ll.sku, ll.name, ll.quantity,
            ll.price::float8 AS price, b.total::float8 AS total, iso_utc(b.created_at) AS created_at
       FROM b LEFT JOIN lead_lines ll ON ll.lead_id = b.id
      ORDER BY b.id, ll.position`,
    w.params,
  );
  return rows;
}

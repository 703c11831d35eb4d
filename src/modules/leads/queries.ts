import type { Queryable } from '../../db/database.js';
import { normalizePhone } from '../../lib/phone.js';
import { compact, dateBound, jsonPage, Where, type PageRequest } from '../shared/listing.js';
import { LEAD_HISTORY_JSON, LEAD_JSON } from './presenter.js';
import type { LeadStatus } from './schemas.js';

export interface LeadFilters extends PageRequest {
  status?: LeadStatus[];
  reference?: string;
  phone?: string;
  sku?: string;
  created_from?: string;
  created_to?: string;
}

/** A lead of the account as its API JSON text, or undefined (also when deleted). */
export async function leadJson(q: Queryable, accountId: string, reference: string): Promise<string | undefined> {
  const { rows } = await q.query<{ j: string }>(
    `SELECT ${LEAD_JSON}::text AS j FROM leads l WHERE l.account_id = $1 AND l.reference = $2 AND l.deleted_at IS NULL`,
    [accountId, reference],
  );
  return rows[0] && compact(rows[0].j);
}

export function leadWhere(accountId: string, f: LeadFilters): Where {
  const w = new Where();
  w.and(`l.account_id = ${w.param(accountId)}`).and('l.deleted_at IS NULL');
  if (f.status?.length) w.and(`l.status = ANY(${w.param(f.status)}::text[])`);
  if (f.reference) w.and(`l.reference = ${w.param(f.reference)}`);
  if (f.phone) w.and(`l.phone_normalized = ${w.param(normalizePhone(f.phone))}`);
  if (f.sku) {
    w.and(`l.id IN (SELECT ll.lead_id FROM lead_lines ll JOIN products p ON p.id = ll.product_id
                     WHERE p.account_id = l.account_id AND p.sku = ${w.param(f.sku)})`);
  }
  if (f.created_from) w.and(`l.created_at >= ${w.param(dateBound(f.created_from, false))}::timestamptz`);
  if (f.created_to) w.and(`l.created_at <= ${w.param(dateBound(f.created_to, true))}::timestamptz`);
  return w;
}

/** GET /leads: newest first, as the paginated body's text. */
export function leadPage(q: Queryable, accountId: string, f: LeadFilters): Promise<string> {
  return jsonPage(q, {
    jsonExpr: LEAD_JSON,
    from: 'FROM leads l',
    where: leadWhere(accountId, f),
    orderBy: [
      ['l.created_at', 'DESC'],
      ['l.id', 'DESC'],
    ],
    page: f,
  });
}

export interface HistoryFilters extends PageRequest {
  reference?: string;
  from?: string;
  to?: string;
}

export function leadHistoryPage(q: Queryable, accountId: string, f: HistoryFilters): Promise<string> {
  const w = new Where();
  w.and(`h.account_id = ${w.param(accountId)}`).and('l.deleted_at IS NULL');
  if (f.reference) w.and(`l.reference = ${w.param(f.reference)}`);
  if (f.from) w.and(`h.created_at >= ${w.param(dateBound(f.from, false))}::timestamptz`);
  if (f.to) w.and(`h.created_at <= ${w.param(dateBound(f.to, true))}::timestamptz`);
  return jsonPage(q, {
    jsonExpr: LEAD_HISTORY_JSON,
    from: 'FROM lead_histories h JOIN leads l ON l.id = h.lead_id',
    where: w,
    orderBy: [
      ['h.created_at', 'DESC'],
      ['h.id', 'DESC'],
    ],
    page: f,
  });
}

export interface LockedLead {
  id: string;
  reference: string;
  status: LeadStatus;
}

/** The account's live leads among `references`, locked for this transaction. */
export async function lockLeads(q: Queryable, accountId: string, references: string[]): Promise<Map<string, LockedLead>> {
  const { rows } = await q.query<LockedLead>(
    `SELECT id, reference, status FROM leads
      WHERE account_id = $1 AND reference = ANY($2::text[]) AND deleted_at IS NULL
      ORDER BY id FOR UPDATE`,
    [accountId, [...new Set(references)]],
  );
  return new Map(rows.map((r) => [r.reference, r]));
}

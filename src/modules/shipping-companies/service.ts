import type { Queryable } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import { seal } from '../../lib/seal.js';
import { audit } from '../../web/audit.js';
import type { WebUser } from '../../web/types.js';
import type { CompanyJson } from './queries.js';
import type { CompanyInput } from './schemas.js';

/** The purpose a company's API key is sealed for (lib/seal.ts). */
export const API_KEY_PURPOSE = 'shipping-company-api-key';

/** What the audit keeps of an input: never the key, only that one was given. */
const audited = ({ api_key, ...rest }: CompanyInput) => (api_key ? { ...rest, api_key: '(set)' } : rest);

async function writeCities(q: Queryable, id: string, cities: NonNullable<CompanyInput['cities']>) {
  await q.query('DELETE FROM shipping_company_cities WHERE shipping_company_id = $1', [id]);
  if (cities.length === 0) return;
  await q.query(
    `INSERT INTO shipping_company_cities (shipping_company_id, city_id, delivery_fee, return_fee)
       SELECT $1, * FROM unnest($2::text[], $3::numeric[], $4::numeric[])`,
    [id, cities.map((c) => c.city_id), cities.map((c) => c.delivery_fee), cities.map((c) => c.return_fee)],
  );
}

/** A new shipping company with its cities, its key sealed with the app key; audited; its id. */
export async function createCompany(q: Queryable, user: WebUser, appKey: string, input: CompanyInput): Promise<string> {
  const id = newId();
  const http = input.adapter === 'http';
  await q.query(
    `INSERT INTO shipping_companies (id, name, adapter, status, base_url, api_key_sealed, status_map) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      id,
      input.name,
      input.adapter,
      input.status ?? 'active',
      http ? input.base_url : null,
      http && input.api_key ? seal(appKey, input.api_key, API_KEY_PURPOSE) : null,
      JSON.stringify(http ? (input.status_map ?? {}) : {}),
    ],
  );
  await writeCities(q, id, input.cities ?? []);
  await audit(q, user, 'shipping-companies.create', { type: 'shipping-company', id }, audited(input));
  return id;
}

/** Writes what `input` gives; an empty api_key keeps the stored one; a manual company keeps no URL, key or map. */
export async function updateCompany(q: Queryable, user: WebUser, appKey: string, before: CompanyJson, input: CompanyInput): Promise<void> {
  const adapter = input.adapter ?? before.adapter;
  const http = adapter === 'http';
  await q.query(
    `UPDATE shipping_companies SET name = $2, adapter = $3, status = $4, base_url = $5,
            api_key_sealed = CASE WHEN NOT $8 THEN NULL WHEN $6::text IS NULL THEN api_key_sealed ELSE $6 END,
            status_map = $7, updated_at = now()
      WHERE id = $1`,
    [
      before.id,
      input.name ?? before.name,
      adapter,
      input.status ?? before.status,
      http ? ('base_url' in input ? input.base_url : (before.base_url ?? null)) : null,
      http && input.api_key ? seal(appKey, input.api_key, API_KEY_PURPOSE) : null,
      JSON.stringify(http ? ('status_map' in input ? (input.status_map ?? {}) : (before.status_map ?? {})) : {}),
      http,
    ],
  );
  if (input.cities !== undefined) await writeCities(q, before.id, input.cities ?? []);
  await audit(q, user, 'shipping-companies.update', { type: 'shipping-company', id: before.id }, audited(input));
}

/** Deletes the companies `ids` (their city lines go with them); the deleted ones, for the audit. */
export async function deleteCompanies(q: Queryable, ids: string[]): Promise<{ id: string; name: string }[]> {
  return (
    await q.query<{ id: string; name: string }>('DELETE FROM shipping_companies WHERE id = ANY($1::text[]) RETURNING id, name', [ids])
  ).rows;
}

import type { Queryable } from '../../db/database.js';
import { FinalJobError } from '../../jobs/registry.js';
import { unseal } from '../../lib/seal.js';
import { API_KEY_PURPOSE } from '../shipping-companies/service.js';
import type { CourierAdapter, StatusMap } from './courier.js';
import { httpCourier } from './http-courier.js';

/**
 * The `http` courier of a shipping company, its key opened with the app key; a job's final error
 * when the company is gone, ships by hand now, or its key no longer opens (APP_KEY changed).
 */
export async function companyCourier(q: Queryable, appKey: string, companyId: string): Promise<{ name: string; courier: CourierAdapter }> {
  const { rows } = await q.query<{
    name: string;
    adapter: string;
    base_url: string | null;
    api_key_sealed: string | null;
    status_map: StatusMap;
  }>('SELECT name, adapter, base_url, api_key_sealed, status_map FROM shipping_companies WHERE id = $1', [companyId]);
  const c = rows[0];
  if (!c) throw new FinalJobError('The shipping company no longer exists.');
  if (c.adapter !== 'http' || !c.base_url) throw new FinalJobError(`${c.name} ships by hand now: there is no courier to call.`);
  const apiKey = c.api_key_sealed ? unseal(appKey, c.api_key_sealed, API_KEY_PURPOSE) : undefined;
  if (!apiKey) throw new FinalJobError(`The API key of ${c.name} cannot be read (was APP_KEY changed?): enter it again.`);
  return { name: c.name, courier: httpCourier({ baseUrl: c.base_url, apiKey, statusMap: c.status_map }) };
}

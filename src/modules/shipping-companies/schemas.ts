import { Type } from '@sinclair/typebox';
import { answerUniqueViolation } from '../../http/errors.js';
import { checkDistinct, compile, messages, twoDecimals, type ErrorBag } from '../../http/validation.js';
import { MAPPED_STATUSES } from '../shipping/courier.js';

export const ADAPTERS = ['manual', 'http'] as const;
export const COMPANY_STATUSES = ['active', 'inactive'] as const;
export const MAX_CITIES = 500;
const fee = () => twoDecimals(Type.Number({ minimum: 0, maximum: 99_999 }));

const CompanyBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  adapter: Type.String({ enum: [...ADAPTERS] }),
  status: Type.Optional(Type.String({ enum: [...COMPANY_STATUSES] })),
  base_url: Type.Optional(Type.String({ maxLength: 255, nullable: true })),
  api_key: Type.Optional(Type.String({ maxLength: 500, nullable: true })),
  // An object of courier status → codops status, checked by checkStatusMap.
  status_map: Type.Optional(Type.Object({}, { nullable: true })),
  cities: Type.Optional(
    Type.Array(Type.Object({ city_id: Type.String({ maxLength: 100 }), delivery_fee: fee(), return_fee: fee() }), {
      maxItems: MAX_CITIES,
      nullable: true,
    }),
  ),
});
export const companyCreate = compile(CompanyBody);
/** An update may send any field; an emptied name or adapter is refused; an empty api_key keeps the stored one. */
export const companyUpdate = compile(Type.Partial(CompanyBody));

export interface CompanyInput {
  name?: string;
  adapter?: (typeof ADAPTERS)[number];
  status?: (typeof COMPANY_STATUSES)[number];
  base_url?: string | null;
  api_key?: string | null;
  status_map?: Record<string, string> | null;
  cities?: { city_id: string; delivery_fee: number; return_fee: number }[] | null;
}

export const NAME_TAKEN = 'The name has already been taken.';
answerUniqueViolation('shipping_companies_name_unique', 'name', NAME_TAKEN);
const BASE_URL_INVALID = 'The base url field must be a valid URL.';
const API_KEY_NOT_ASCII = 'The api key field must only contain single-byte alphanumeric characters and symbols.';
const STATUS_MAP_INVALID = 'Each courier status (1 to 100 characters) must map to shipped, delivered or returned.';

export const isHttpUrl = (s: string) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
};

/** The rules across fields: an http company needs a base URL (and a key, on create or when it had none). */
export function checkAdapterFields(input: CompanyInput, hadKey: boolean, bag: ErrorBag) {
  if (input.base_url && !bag.has('base_url') && !isHttpUrl(input.base_url)) bag.add('base_url', BASE_URL_INVALID);
  // Sent as `Authorization: Bearer <key>`: a key outside visible ASCII could never be sent, and every
  // push failed as "could not be reached" for the retries' 21 minutes (Laravel's `ascii` message).
  if (input.api_key && !bag.has('api_key') && !/^[\x20-\x7e]+$/.test(input.api_key)) bag.add('api_key', API_KEY_NOT_ASCII);
  if (input.adapter !== 'http' || bag.has('adapter')) return;
  if (!input.base_url && !bag.has('base_url')) bag.add('base_url', messages.requiredIf('base_url', 'adapter', 'http'));
  if (!input.api_key && !hadKey && !bag.has('api_key')) bag.add('api_key', messages.requiredIf('api_key', 'adapter', 'http'));
}

export function checkStatusMap(map: unknown, bag: ErrorBag) {
  if (map === undefined || map === null || bag.has('status_map')) return;
  const ok = Object.entries(map as Record<string, unknown>).every(
    ([k, v]) => k.length >= 1 && k.length <= 100 && typeof v === 'string' && (MAPPED_STATUSES as readonly string[]).includes(v),
  );
  if (!ok) bag.add('status_map', STATUS_MAP_INVALID);
}

/** A city appears once per company. */
export function checkDistinctCities(cities: CompanyInput['cities'], bag: ErrorBag) {
  if (!Array.isArray(cities)) return; // not a list: the schema's error stands
  const ids = cities.map((c, i) =>
    typeof c?.city_id === 'string' && c.city_id && !bag.has(`cities.${i}.city_id`) ? c.city_id : undefined,
  );
  checkDistinct(bag, (i) => `cities.${i}.city_id`, ids);
}

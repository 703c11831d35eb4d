import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

export const DEFAULT_COUNTRY = 'MA';

/** The form used for duplicate detection and search: E.164 when the number parses, else its digits. */
export function normalizePhone(phone: string): string {
  const parsed = parsePhoneNumberFromString(phone, DEFAULT_COUNTRY);
  if (parsed) return parsed.number;
  const digits = phone.replace(/[^\d+]/g, '');
  return digits === '' ? phone : digits;
}

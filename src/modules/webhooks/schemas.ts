import { validateHeaderValue } from 'node:http';
import { Type } from '@sinclair/typebox';
import { checkDistinct, compile, messages, sometimesRequired, type ErrorBag } from '../../http/validation.js';
import { EVENT_TYPES } from '../events/outbox.js';

export const MAX_CUSTOM_HEADERS = 20;

const fields = {
  url: Type.String({ minLength: 1, maxLength: 2000 }),
  secret: Type.String({ minLength: 1, maxLength: 1000 }),
  eventTypes: Type.Array(Type.String({ enum: [...EVENT_TYPES] }), { minItems: 1, maxItems: EVENT_TYPES.length }),
  customHeaders: Type.Optional(
    Type.Array(Type.Object({ key: Type.String({ minLength: 1, maxLength: 100 }), value: Type.String({ minLength: 1, maxLength: 100 }) }), {
      maxItems: MAX_CUSTOM_HEADERS,
      nullable: true,
    }),
  ),
};

/** A seller's new webhook (their own account); an admin's names the account. */
export const SellerWebhookBody = compile(Type.Object(fields));
export const AdminWebhookBody = compile(Type.Object({ account_id: Type.String({ maxLength: 100 }), ...fields }));
export const WEBHOOK_STATUSES = ['active', 'disabled'] as const;

/**
 * A change: any field, but the URL and the events may not be emptied (`sometimes|required`: an empty
 * list is "is required.", as on create); a new secret is optional; `status` re-enables a disabled
 * webhook (or disables one).
 */
export const WebhookUpdateBody = compile(
  Type.Object({
    url: sometimesRequired(fields.url),
    secret: Type.Optional(fields.secret),
    eventTypes: sometimesRequired(fields.eventTypes),
    customHeaders: fields.customHeaders,
    status: Type.Optional(Type.String({ enum: [...WEBHOOK_STATUSES] })),
  }),
);

export interface WebhookInput {
  account_id?: string;
  url?: string;
  secret?: string;
  eventTypes?: string[];
  customHeaders?: { key: string; value: string }[] | null;
  status?: 'active' | 'disabled';
}

export const URL_INVALID = 'The url field must be a valid URL.';
export const URL_PRIVATE = 'The url must not point to a loopback, private, link-local or metadata address.';
const HEADER_NAME_INVALID = (i: number) => `The customHeaders.${i}.key field must be a valid header name.`;
const HEADER_VALUE_INVALID = (i: number) => `The customHeaders.${i}.value field must not contain line breaks.`;
const HEADER_RESERVED = (i: number) => `The customHeaders.${i}.key field cannot replace a header codops sets.`;

/** Headers codops sets on every delivery (and the transport's own): a custom header may not replace them. */
export const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'user-agent',
  'host',
  'connection',
  'transfer-encoding',
  'x-codops-event',
  'x-codops-delivery',
  'x-codops-timestamp',
  'x-codops-signature',
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** http or https with a host. */
export function isWebhookUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0 && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** Laravel's `distinct` on the events: one named twice would be stored (and listed) twice. */
export function checkEventTypes(eventTypes: unknown, bag: ErrorBag): void {
  if (!Array.isArray(eventTypes)) return; // the schema's own error
  checkDistinct(
    bag,
    (i) => `eventTypes.${i}`,
    eventTypes.map((v: unknown) => (typeof v === 'string' ? v : undefined)),
  );
}

/** Header names and values a request can carry; none of codops's own. */
export function checkCustomHeaders(headers: WebhookInput['customHeaders'], bag: ErrorBag): void {
  // The schema already reported a value that is not an array (a string, a number…): nothing to walk.
  if (!Array.isArray(headers)) return;
  headers.forEach((h, i) => {
    if (!h || typeof h !== 'object') return;
    if (typeof h.key === 'string' && !bag.has(`customHeaders.${i}.key`)) {
      if (!TOKEN.test(h.key)) bag.add(`customHeaders.${i}.key`, HEADER_NAME_INVALID(i));
      else if (RESERVED_HEADERS.has(h.key.toLowerCase())) bag.add(`customHeaders.${i}.key`, HEADER_RESERVED(i));
    }
    if (typeof h.value === 'string' && !bag.has(`customHeaders.${i}.value`)) {
      if (/[\r\n\0]/.test(h.value)) bag.add(`customHeaders.${i}.value`, HEADER_VALUE_INVALID(i));
      else if (!isSendableHeaderValue(h.value)) bag.add(`customHeaders.${i}.value`, messages.format(`customHeaders.${i}.value`));
    }
  });
}

/** Whether Node sends the value (visible ASCII, tab and Latin-1; not `日本`, not DEL): what it refuses would throw at delivery. */
function isSendableHeaderValue(value: string): boolean {
  try {
    validateHeaderValue('x', value);
    return true;
  } catch {
    return false;
  }
}

import { Type } from '@sinclair/typebox';
import { requiredWithout, sometimesRequired, whenPresent } from '../../http/validation.js';
import { LEAD_STATUSES } from './transitions.js';

/** The fields of the lead form (the API's `data` pairs are not on it). */
export const LEAD_FORM_FIELDS = ['full_name', 'phone', 'city', 'area', 'address', 'products'] as const;

const text = (min: number, max: number, nullable = false) => Type.String({ minLength: min, maxLength: max, nullable });

const LeadLineInput = Type.Object({
  sku: Type.String({ minLength: 1, maxLength: 100 }),
  quantity: Type.Integer({ minimum: 1, maximum: 999 }),
  price: Type.Number({ minimum: 1, maximum: 999_999 }),
});

/**
 * api-v1.md gives the pairs' fields no `required`: one left out passes, sent (even as null) it is
 * checked; but a pair is `{key, value}`, so one of the two must be filled (`required_without`).
 */
const DataPair = Type.Object({
  key: whenPresent(requiredWithout(text(1, 100), 'value')),
  value: whenPresent(requiredWithout(text(1, 100), 'key')),
});

const leadFields = {
  phone: text(7, 100),
  full_name: text(3, 100),
  city: Type.Optional(text(3, 100, true)),
  area: Type.Optional(text(3, 100, true)),
  address: Type.Optional(text(5, 100, true)),
  data: Type.Optional(Type.Array(DataPair, { maxItems: 100, nullable: true })),
  products: Type.Array(LeadLineInput, { minItems: 1, maxItems: 100 }),
};

/**
 * A row of a leads import (webhooks-files.md): the lead's fields and one product line, by the same
 * rules and messages as an item of POST /leads; the rows after the first of a `lead_key` give only a line.
 */
export const LeadImportRow = Type.Object({
  full_name: leadFields.full_name,
  phone: leadFields.phone,
  city: leadFields.city,
  area: leadFields.area,
  address: leadFields.address,
  ...LeadLineInput.properties,
});
export const LeadImportLine = LeadLineInput;
export const LEAD_MAX_LINES = leadFields.products.maxItems!;

/** One lead: an item of POST /leads, and the body of a hand-made one. */
export const LeadInput = Type.Object(leadFields);
export const LeadCreateBody = Type.Object({
  leads: Type.Array(LeadInput, { minItems: 1, maxItems: 1000 }),
});

const statusFields = {
  status: Type.Optional(Type.String({ enum: [...LEAD_STATUSES] })),
  callback_at: Type.Optional(Type.String({ format: 'laravel-date', stored: true, nullable: true })),
  cancel_reason: Type.Optional(text(1, 255, true)),
  /** With `duplicate`: the reference of the lead this one repeats (another live lead of the account). */
  duplicate_of: Type.Optional(text(1, 100, true)),
  comment: Type.Optional(text(1, 1000, true)),
};

/** The fields required on create may be left out of a patch, not cleared. */
export const LeadPatch = Type.Object({
  full_name: sometimesRequired(leadFields.full_name),
  phone: sometimesRequired(leadFields.phone),
  city: leadFields.city,
  area: leadFields.area,
  address: leadFields.address,
  data: leadFields.data,
  products: sometimesRequired(leadFields.products),
  ...statusFields,
});

export const LeadBulkPatchBody = Type.Object({
  leads: Type.Array(Type.Object({ reference: Type.String({ minLength: 1, maxLength: 100 }), ...LeadPatch.properties }), {
    minItems: 1,
    maxItems: 1000,
  }),
});

const nullableString = Type.Union([Type.String(), Type.Null()]);
export const LeadResource = Type.Object({
  id: Type.String(),
  reference: Type.String(),
  status: Type.String({ enum: [...LEAD_STATUSES] }),
  full_name: Type.String(),
  phone: Type.String(),
  city: nullableString,
  area: nullableString,
  address: nullableString,
  products: Type.Array(
    Type.Object({ sku: Type.String(), name: Type.String(), quantity: Type.Integer(), price: Type.Number(), total: Type.Number() }),
  ),
  total: Type.Number(),
  data: Type.Array(Type.Object({ key: Type.String(), value: Type.String() })),
  call_attempts: Type.Integer(),
  callback_at: nullableString,
  cancel_reason: nullableString,
  duplicate_of: nullableString,
  order_reference: nullableString,
  created_at: Type.String(),
  updated_at: Type.String(),
});

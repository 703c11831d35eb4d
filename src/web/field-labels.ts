import type { FieldErrors } from '../http/errors.js';
import { displayAttribute } from '../http/validation.js';

/** Labels the generic rule cannot guess (the form's own wording). */
const NAMED: Record<string, string> = {
  delivery_user_id: 'Delivery person',
  sku: 'SKU',
  callback_at: 'Call back at',
  is_fees_paid_by_customer: 'Fees paid by the customer',
  startTime: 'Start time',
  endTime: 'End time',
  password_confirmation: 'Password confirmation',
};
const ITEM: Record<string, string> = {
  products: 'product',
  variants: 'variant',
  agent_working_hours: 'working hours',
  cities: 'city line',
  leads: 'lead',
  orders: 'order',
};

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** How a page names a field: `products.0.price` → "Price of product 1", `delivery_user_id` → "Delivery person". */
export function fieldLabel(key: string): string {
  const line = /^(\w+)\.(\d+)(?:\.(\w+))?$/.exec(key);
  if (line) {
    const item = `${ITEM[line[1]] ?? line[1].replace(/_/g, ' ').replace(/s$/, '')} ${Number(line[2]) + 1}`;
    if (!line[3] || (line[1] === 'products' && line[3] === 'sku')) return capitalize(item);
    return `${fieldLabel(line[3])} of ${item}`;
  }
  return NAMED[key] ?? capitalize(key.replace(/_id$/, '').replace(/_/g, ' '));
}

/**
 * A validation message as a page shows it, beside the field: Laravel's "The products.0.price field
 * is required." reads "Price of product 1 is required." (the API keeps Laravel's wording).
 */
export function labelMessage(key: string, message: string): string {
  const attr = displayAttribute(key);
  const label = fieldLabel(key);
  const field = `The ${attr} field `;
  // Another field named in the rest ("… after agent_working_hours.0.startTime.") by its label too.
  const others = (rest: string) => rest.replace(/\b\w+\.\d+\.\w+\b/g, (k) => lowerFirst(fieldLabel(k)));
  if (message.startsWith(field)) return `${label} ${others(message.slice(field.length))}`;
  const selected = `The selected ${attr} is invalid.`;
  if (message === selected) return `The selected ${lowerFirst(label)} is invalid.`;
  return message;
}

export function labelErrors(errors: FieldErrors | undefined): FieldErrors | undefined {
  if (!errors) return errors;
  return Object.fromEntries(Object.entries(errors).map(([k, ms]) => [k, ms.map((m) => labelMessage(k, m))]));
}

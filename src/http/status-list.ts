import { messages, type ErrorBag } from './validation.js';

/** The longest `status` comma list a list takes (every status of an order, with room to spare). */
export const STATUS_LIST_MAX = 200;

/**
 * `status` as the lists of leads and orders read it (api-v1.md, "comma list"): `new, no_reply` is
 * `['new', 'no_reply']`, empty items dropped; one unknown status is "The selected status is invalid.".
 */
export function readStatusList(list: string, statuses: readonly string[], bag: ErrorBag): string[] {
  const wanted = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (wanted.some((s) => !statuses.includes(s))) bag.add('status', messages.invalid('status'));
  return wanted;
}

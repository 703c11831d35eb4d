import type { Queryable } from '../../db/database.js';
import { displayAttribute as attr, ErrorBag, messages } from '../../http/validation.js';
import type { WebUser } from '../../web/types.js';
import type { Role } from '../../core/roles.js';
import { MANAGED_BY, TIME_FORMAT, USER_VALIDATORS, type UserInput } from './schemas.js';
import { accountExists } from '../accounts/service.js';
import { EMAIL_TAKEN } from './service.js';

/**
 * Validates a user form of `role` (create, or update of `existing`): the shape and the checks that
 * need the database (email taken, account, manager, products and warehouses that exist), all
 * reported in one 422. Answers the normalised input; a seller's team member always gets the
 * seller's account.
 */
export async function checkUserInput(
  q: Queryable,
  ctx: { viewer: WebUser; role: Role; existing?: { id: string; phone?: string | null } },
  body: Record<string, unknown>,
): Promise<UserInput & { account_id?: string }> {
  const { viewer, role, existing } = ctx;
  const v = USER_VALIDATORS[role][existing ? 'update' : 'create'];
  const bag = new ErrorBag();
  const input = v.check(body, bag) as UserInput;

  if (existing) {
    // Laravel's `sometimes|required`: a required field sent empty is refused, not ignored.
    // A user created without a phone (the CLI does not require one) may be edited without inventing one.
    const required = existing.phone ? (['full_name', 'email', 'phone'] as const) : (['full_name', 'email'] as const);
    for (const f of required) if (f in body && input[f] === undefined) bag.add(f, messages.required(f));
  }

  if (typeof input.email === 'string' && !bag.has('email')) {
    const { rows } = await q.query('SELECT 1 FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL AND id <> $2', [
      input.email,
      existing?.id ?? '',
    ]);
    if (rows.length > 0) bag.add('email', EMAIL_TAKEN);
  }

  if (role === 'seller' && !existing) {
    if (viewer.role === 'seller') input.account_id = viewer.account_id!;
    else if (input.account_id === undefined) bag.add('account_id', messages.required('account_id'));
    else if (typeof input.account_id === 'string') {
      if (!(await accountExists(q, input.account_id))) bag.add('account_id', messages.invalid('account_id'));
    }
  }

  if (typeof input.manager_id === 'string') {
    const { rows } = await q.query('SELECT 1 FROM users WHERE id = $1 AND role = ANY($2::text[]) AND deleted_at IS NULL AND id <> $3', [
      input.manager_id,
      MANAGED_BY[role] ?? [],
      existing?.id ?? '',
    ]);
    if (rows.length === 0) bag.add('manager_id', messages.invalid('manager_id'));
  }

  if (typeof input.call_center_id === 'string' && !bag.has('call_center_id')) {
    const { rows } = await q.query('SELECT 1 FROM call_centers WHERE id = $1', [input.call_center_id]);
    if (rows.length === 0) bag.add('call_center_id', messages.invalid('call_center_id'));
  }

  // Products are soft-deleted (a deleted one is no more to be confirmed than one that never was);
  // warehouses are deleted for good.
  for (const [field, live] of [
    ['products_ids_to_confirm', 'SELECT id FROM products WHERE id = ANY($1::text[]) AND deleted_at IS NULL'],
    ['warehouses_ids_to_manage', 'SELECT id FROM warehouses WHERE id = ANY($1::text[])'],
  ] as const) {
    const list = input[field];
    if (!Array.isArray(list) || bag.has(field)) continue;
    const unique = [...new Set(list)];
    const { rows } = await q.query<{ id: string }>(live, [unique]);
    const known = new Set(rows.map((r) => r.id));
    list.forEach((id, i) => {
      if (typeof id === 'string' && !known.has(id)) bag.add(`${field}.${i}`, messages.invalid(`${field}.${i}`));
    });
    input[field] = unique;
  }

  if (Array.isArray(input.agent_working_hours)) {
    input.agent_working_hours.forEach((slot, i) => {
      if (!slot || typeof slot !== 'object') return;
      const k = `agent_working_hours.${i}`;
      const okStart = typeof slot.startTime === 'string' && TIME_FORMAT.test(slot.startTime);
      const okEnd = typeof slot.endTime === 'string' && TIME_FORMAT.test(slot.endTime);
      if (typeof slot.startTime === 'string' && !okStart)
        bag.add(`${k}.startTime`, `The ${attr(k)}.startTime field must match the format H:i.`);
      if (typeof slot.endTime === 'string' && !okEnd) bag.add(`${k}.endTime`, `The ${attr(k)}.endTime field must match the format H:i.`);
      // An end before the start crosses midnight (call-centre/agent.ts crossesMidnight); the same time is no range.
      if (okStart && okEnd && slot.endTime === slot.startTime)
        bag.add(`${k}.endTime`, messages.different(`${k}.endTime`, `${k}.startTime`));
    });
  }
  if (Array.isArray(input.agent_status_handlings)) input.agent_status_handlings = [...new Set(input.agent_status_handlings)];

  bag.throwIfAny(v.schema);
  delete input.password_confirmation;
  return input;
}

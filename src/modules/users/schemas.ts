import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { compile, confirmed, twoDecimals, type Validator } from '../../http/validation.js';
import { LEAD_STATUSES } from '../leads/transitions.js';
import { ROLES, type Role } from '../../core/roles.js';

const USER_STATUSES = ['active', 'inactive'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** The fields a role adds to the common ones (domain.md), plus its account or manager link. */
type ExtraField =
  | 'whatsapp_phone'
  | 'company'
  | 'account_id'
  | 'manager_id'
  | 'call_center_id'
  | 'salary'
  | 'products_ids_to_confirm'
  | 'agent_working_hours'
  | 'agent_status_handlings'
  | 'warehouses_ids_to_manage';

const CONTACT: ExtraField[] = ['whatsapp_phone', 'company'];

export const EXTRA_FIELDS: Record<Role, readonly ExtraField[]> = {
  admin: [],
  'manager-leader': [],
  manager: [...CONTACT, 'manager_id', 'call_center_id'],
  'call-center-manager': [...CONTACT, 'manager_id', 'call_center_id'],
  agent: [...CONTACT, 'manager_id', 'call_center_id', 'salary', 'products_ids_to_confirm', 'agent_working_hours', 'agent_status_handlings'],
  'follow-up-agent': [...CONTACT, 'manager_id', 'call_center_id'],
  'stock-manager': [...CONTACT, 'warehouses_ids_to_manage'],
  'sourcing-agent': CONTACT,
  delivery: CONTACT,
  seller: ['account_id', ...CONTACT],
};

/** Who a role's `manager_id` may name: managers report to a manager leader, agents to a (call-centre) manager. */
export const MANAGED_BY: Partial<Record<Role, readonly Role[]>> = {
  manager: ['manager-leader'],
  'call-center-manager': ['manager-leader'],
  agent: ['manager', 'call-center-manager'],
  'follow-up-agent': ['manager', 'call-center-manager'],
};

/** Roles switched on and off by activate/deactivate (domain.md); the others by their `status` field. */
export const ACTIVATABLE_ROLES: readonly Role[] = ['admin', 'manager-leader', 'seller'];
export const hasStatusField = (role: Role) => !ACTIVATABLE_ROLES.includes(role);

export const TIME_FORMAT = /^([01]\d|2[0-3]):[0-5]\d$/;
export const MAX_WORKING_HOURS = 21;

const text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const optionalText = (max: number) => Type.Optional(Type.String({ minLength: 1, maxLength: max, nullable: true }));
const ids = (max: number) => Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: max, nullable: true }));

const EXTRA_SCHEMAS: Record<ExtraField, TSchema> = {
  whatsapp_phone: optionalText(100),
  company: optionalText(100),
  account_id: Type.String({ minLength: 1, maxLength: 64 }),
  manager_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, nullable: true })),
  call_center_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, nullable: true })),
  salary: Type.Optional(twoDecimals(Type.Number({ minimum: 0, maximum: 999_999, nullable: true }))),
  products_ids_to_confirm: ids(1000),
  agent_working_hours: Type.Optional(
    Type.Array(Type.Object({ startTime: Type.String({ maxLength: 5 }), endTime: Type.String({ maxLength: 5 }) }), {
      maxItems: MAX_WORKING_HOURS,
      nullable: true,
    }),
  ),
  agent_status_handlings: Type.Optional(
    Type.Array(Type.String({ enum: [...LEAD_STATUSES] }), { maxItems: LEAD_STATUSES.length * 2, nullable: true }),
  ),
  warehouses_ids_to_manage: ids(1000),
};

/**
 * The form's fields in its order (views.tsx `UserForm`): a schema's order is the order of a 422's
 * keys (ErrorBag), and every other form's schema follows its form.
 */
const FORM_ORDER = [
  'full_name',
  'email',
  'phone',
  'whatsapp_phone',
  'company',
  'account_id',
  'manager_id',
  'call_center_id',
  'salary',
  'agent_status_handlings',
  'products_ids_to_confirm',
  'agent_working_hours',
  'warehouses_ids_to_manage',
  'password',
  'password_confirmation',
  'status',
] as const;

/**
 * The body of a user of `role`. On create, `full_name`, `email`, `phone` and `password` are
 * required (and `account_id` for a seller created by an admin); on update every field is optional,
 * but a required one sent empty is refused (see the service), and the account never moves.
 */
function userSchema(role: Role, mode: 'create' | 'update'): TObject {
  const props: Record<string, TSchema> = {
    full_name: text(100),
    email: Type.String({ format: 'email', maxLength: 255 }),
    phone: text(100),
  };
  for (const f of EXTRA_FIELDS[role]) {
    if (f === 'account_id' && mode === 'update') continue;
    props[f] = f === 'account_id' ? Type.Optional(EXTRA_SCHEMAS[f]) : EXTRA_SCHEMAS[f]; // required for admins, checked by the service
  }
  props.password = confirmed(Type.String({ minLength: 8, maxLength: 255 }));
  props.password_confirmation = Type.Optional(Type.String({ maxLength: 255 }));
  if (hasStatusField(role)) props.status = Type.Optional(Type.String({ enum: [...USER_STATUSES] }));
  const rank = (f: string) =>
    FORM_ORDER.includes(f as (typeof FORM_ORDER)[number]) ? FORM_ORDER.indexOf(f as (typeof FORM_ORDER)[number]) : FORM_ORDER.length;
  const object = Type.Object(
    Object.fromEntries(
      Object.keys(props)
        .sort((a, b) => rank(a) - rank(b))
        .map((f) => [f, props[f]]),
    ),
  );
  return mode === 'create' ? object : Type.Partial(object);
}

export const USER_VALIDATORS = Object.fromEntries(
  ROLES.map((r) => [r, { create: compile(userSchema(r, 'create')), update: compile(userSchema(r, 'update')) }]),
) as Record<Role, { create: Validator<TObject>; update: Validator<TObject> }>;

/** What a validated body may hold. */
export interface UserInput {
  full_name?: string;
  email?: string;
  phone?: string;
  whatsapp_phone?: string | null;
  company?: string | null;
  account_id?: string;
  manager_id?: string | null;
  call_center_id?: string | null;
  salary?: number | null;
  products_ids_to_confirm?: string[] | null;
  agent_working_hours?: { startTime: string; endTime: string }[] | null;
  agent_status_handlings?: string[] | null;
  warehouses_ids_to_manage?: string[] | null;
  status?: UserStatus;
  password?: string;
  password_confirmation?: string;
}

/** Bulk delete of team members: `ids[]`. */
const DeleteBody = Type.Object({ ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 100 }) });
export const deleteBody = compile(DeleteBody);

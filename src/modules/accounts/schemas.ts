import { Type } from '@sinclair/typebox';
import { compile } from '../../http/validation.js';

export const ACCOUNT_STATUSES = ['active', 'inactive'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

const name = Type.String({ minLength: 1, maxLength: 100 });

const AccountCreate = Type.Object({
  name,
  status: Type.Optional(Type.String({ enum: [...ACCOUNT_STATUSES] })),
});

/** The status changes only through activate/deactivate, which also end sessions. */
const AccountUpdate = Type.Object({ name: Type.Optional(name) });

export const accountCreate = compile(AccountCreate);
export const accountUpdate = compile(AccountUpdate);

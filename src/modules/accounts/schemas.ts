import { Type } from '@sinclair/typebox';
import { compile } from '../../http/validation.js';

export const ACCOUNT_STATUSES = ['active', 'inactive'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

const name = Type.String({ minLength: 1, maxLength: 100 });

export const AccountCreate = Type.Object({
  name,
  status: Type.Optional(Type.String({ enum: [...ACCOUNT_STATUSES] })),
});

/** The status changes only through activate/deactivate, which also end sessions. */
export const AccountUpdate = Type.Object({ name: Type.Optional(name) });

/** An account as JSON clients read it. */
export const AccountResource = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: Type.String({ enum: [...ACCOUNT_STATUSES] }),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export const accountCreate = compile(AccountCreate);
export const accountUpdate = compile(AccountUpdate);

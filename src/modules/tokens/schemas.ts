import { Type } from '@sinclair/typebox';
import { SCOPES } from '../../core/scopes.js';
import { compile } from '../../http/validation.js';

const fields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  scopes: Type.Array(Type.String({ enum: [...SCOPES] }), { minItems: 1, maxItems: 50 }),
  expires_at: Type.Optional(Type.String({ format: 'laravel-date', maxLength: 40 })),
};
/** The form of a new API key: a seller's, for their own account; an admin's names the account. */
export const SellerKeyBody = compile(Type.Object(fields));
export const AdminKeyBody = compile(Type.Object({ account_id: Type.String({ maxLength: 100 }), ...fields }));

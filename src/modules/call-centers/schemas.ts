import { Type } from '@sinclair/typebox';
import { answerUniqueViolation } from '../../http/errors.js';
import { compile } from '../../http/validation.js';

export const CALL_CENTER_STATUSES = ['active', 'inactive'] as const;
export const NAME_TAKEN = 'The name has already been taken.';
answerUniqueViolation('call_centers_name_unique', 'name', NAME_TAKEN);

const CallCenterBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  manager_id: Type.Optional(Type.String({ maxLength: 100, nullable: true })),
  status: Type.Optional(Type.String({ enum: [...CALL_CENTER_STATUSES] })),
});
export const callCenterCreate = compile(CallCenterBody);
export const callCenterUpdate = compile(Type.Partial(CallCenterBody));
export type CallCenterInput = { name?: string; manager_id?: string | null; status?: string };

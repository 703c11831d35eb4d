import { Type } from '@sinclair/typebox';
import { ROLES, ROLE_SLUGS, type Role } from '../../core/roles.js';
import { compile } from '../../http/validation.js';

/** Who an announcement goes to: every active user, the active users of one role, or listed users. */
export const AUDIENCES = ['all', 'role', 'users'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** A role is named by its slug, as /users/{role} names it (`sellers`, `agents`…). */
export const ROLE_BY_SLUG = new Map<string, Role>(ROLES.map((r) => [ROLE_SLUGS[r], r]));

export const MAX_RECIPIENTS = 1000;

/**
 * `POST /notifications/store`. `role` is `required_if:audience,role`, `user_ids` is
 * `required_if:audience,users|array|max:1000` with each `exists:users,id` (checked by pages.tsx).
 */
export const announcementBody = compile(
  Type.Object({
    title: Type.String({ minLength: 1, maxLength: 200 }),
    message: Type.Optional(Type.String({ maxLength: 2000 })),
    link: Type.Optional(Type.String({ maxLength: 500 })),
    audience: Type.String({ enum: [...AUDIENCES] }),
    role: Type.Optional(Type.String({ enum: ROLES.map((r) => ROLE_SLUGS[r]) })),
    user_ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: MAX_RECIPIENTS })),
  }),
);

/** The checked input of a send. */
export interface AnnouncementInput {
  title: string;
  message: string;
  link: string | null;
  audience: Audience;
  role: Role | null;
  userIds: string[];
}

import type { FieldErrors } from '../http/errors.js';
import type { Actor } from '../core/actor.js';
import type { Role } from '../core/roles.js';

/**
 * The signed-in person of a dashboard request; also the actor of what they do (policies, histories
 * and the lifecycles read the Actor fields).
 */
export interface WebUser extends Actor {
  kind: 'user';
  id: string;
  role: Role;
  account_id: string | null;
  full_name: string;
  email: string;
  hide_money: boolean;
  picture_path: string | null;
  /** Unread notifications (the bell of every page). */
  unread_notifications?: number;
  /** The admin behind a "log in as" session. */
  impersonator: { id: string; full_name: string } | null;
}

/** The generic of a route with an `:id` in its path: `req.params.id` typed, no cast. */
export interface IdRoute {
  Params: { id: string };
}

declare module 'fastify' {
  interface Session {
    userId?: string;
    impersonatorId?: string;
    remember?: boolean;
    lastSeen?: number;
    intended?: string;
    flash?: { success?: string; error?: string };
    errors?: FieldErrors;
    old?: Record<string, unknown>;
  }
  interface FastifyRequest {
    user?: WebUser;
    /** A list page's refused filters: shown beside them, the filter itself left out. */
    listErrors?: FieldErrors;
    /** The CSRF token of a page rendered outside the dashboard's scope (the 404 of an unknown path). */
    csrfToken?: string;
  }
  interface FastifyContextConfig {
    /** Pages reachable without a session (login, password reset). */
    guest?: boolean;
    /** The policy check of a dashboard route. */
    can?: (user: WebUser) => boolean;
    /** Set on every dashboard route: its errors render as pages. */
    web?: boolean;
    /** Where a failed form goes back to (else the Referer): a path, or one made from the request. */
    back?: string | ((req: FastifyRequest) => string);
  }
}

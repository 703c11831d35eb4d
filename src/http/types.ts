import type { Database } from '../db/database.js';
import type { Config } from '../config.js';
import type { TokenActor } from '../core/actor.js';
import type { Scope } from '../core/scopes.js';
import type { Principal } from '../core/policy.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    config: Config;
    /** Set while the instance stops: answers close their connection (src/http/drain.ts). */
    stopping: boolean;
  }
  interface FastifyRequest {
    /** The API token's actor, once the bearer hook has accepted it. */
    tokenActor?: TokenActor;
    /** The raw JSON text of the body (idempotency compares it). */
    rawBody?: string;
  }
  interface FastifyContextConfig {
    /** The API scope a route needs, and the role check of its resource's policy. */
    scope?: Scope;
    allows?: (who: Principal) => boolean;
    /** An API route open without a token (the OpenAPI document), still rate-limited per client IP. */
    open?: boolean;
  }
}

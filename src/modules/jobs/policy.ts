import type { Actor } from '../../core/actor.js';

/** A job is seen by the user who started it and by admins; to anyone else it does not exist (404). */
export const canSeeJob = (actor: Actor, startedBy: string | null) =>
  actor.role === 'admin' || (startedBy !== null && startedBy === actor.userId);

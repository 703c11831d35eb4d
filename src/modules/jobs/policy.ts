import type { WebUser } from '../../web/types.js';

/** A job is seen by the user who started it and by admins; to anyone else it does not exist (404). */
export const canSeeJob = (user: WebUser, startedBy: string | null) =>
  user.role === 'admin' || (startedBy !== null && startedBy === user.id);

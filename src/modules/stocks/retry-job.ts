import { SYSTEM } from '../../core/actor.js';
import { defineJob } from '../../jobs/registry.js';
import { RETRY_WAITING_KIND, retryWaitingOrders } from './effects.js';

/**
 * The retry of waiting orders that a stock movement had to skip (another transaction held them: a
 * ship refused for want of stock, a cancel, an edit). It runs again, as the system, once that
 * transaction is over; if it has to skip some again, it asks for another run itself.
 */
export const retryWaitingJob = defineJob<{ products: string[] }>({
  kind: RETRY_WAITING_KIND,
  label: 'Reserve orders waiting for stock',
  retry: { limit: 3, delaySeconds: 5 },
  leaseSeconds: 60,
  async handler(ctx) {
    const reserved = await ctx.db.tx((q) => retryWaitingOrders(q, SYSTEM, ctx.payload.products));
    return { reserved };
  },
});

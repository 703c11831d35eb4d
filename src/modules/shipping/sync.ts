import type { Queryable } from '../../db/database.js';
import { SYSTEM } from '../../core/actor.js';
import { enqueue } from '../../jobs/enqueue.js';
import { defineJob, FinalJobError } from '../../jobs/registry.js';
import { transitionOrders } from '../orders/lifecycle.js';
import { companyCourier } from './company-courier.js';
import { CourierError } from './courier.js';

export interface SyncPayload {
  /** One company (on demand); every active http company when absent (the schedule). */
  companyId?: string;
}

interface Checkpoint {
  company: number;
  /** The last order id of the company done (orders are walked by id). */
  after: string;
}

const BATCH = 100;

async function companiesToSync(q: Queryable, companyId?: string): Promise<string[]> {
  if (companyId) return [companyId];
  const { rows } = await q.query<{ id: string }>(
    // An inactive company takes no new parcels, but the ones it has on the road are still followed.
    `SELECT c.id FROM shipping_companies c
      WHERE c.adapter = 'http'
        AND (c.status = 'active'
             OR EXISTS (SELECT 1 FROM orders o WHERE o.shipping_company_id = c.id AND o.status = 'shipped' AND o.deleted_at IS NULL))
      ORDER BY c.id`,
  );
  return rows.map((r) => r.id);
}

async function shippedCount(q: Queryable, companies: string[]): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM orders WHERE shipping_company_id = ANY($1::text[]) AND status = 'shipped' AND deleted_at IS NULL`,
    [companies],
  );
  return rows[0].n;
}

interface Shipped {
  id: string;
  account_id: string;
  reference: string;
  tracking_number: string;
}

async function shippedBatch(q: Queryable, companyId: string, after: string): Promise<Shipped[]> {
  const { rows } = await q.query<Shipped>(
    `SELECT id, account_id, reference, tracking_number FROM orders
      WHERE shipping_company_id = $1 AND status = 'shipped' AND deleted_at IS NULL AND tracking_number IS NOT NULL AND id > $2
      ORDER BY id LIMIT ${BATCH}`,
    [companyId, after],
  );
  return rows;
}

/**
 * Asks each http shipping company about its shipped orders, 100 tracking numbers a call
 * (fulfilment.md's status sync): each courier event lands once on the order's timeline
 * (`order_events`), and an order whose courier status maps to `delivered` or `returned` moves there
 * through the order's one transition (stock comes back on a return), with the job's checkpoint in
 * the same transaction. On demand (one company), a courier that fails with a 5xx or a timeout fails
 * the run, retried later from the checkpoint, and a malformed or 4xx answer ends the job with its
 * reason; on schedule, a company that cannot be asked is reported and the others go on.
 */
export const syncJob = defineJob<SyncPayload>({
  kind: 'shipping.sync',
  label: 'Sync parcel statuses',
  retry: { limit: 5, delaySeconds: 30 },
  leaseSeconds: 60,
  async handler(ctx) {
    const companies = await companiesToSync(ctx.db, ctx.payload.companyId);
    if (ctx.progress.total === 0) await ctx.report({ total: await shippedCount(ctx.db, companies) });
    const start = (ctx.progress.checkpoint as Checkpoint | null) ?? { company: 0, after: '' };
    let moved = 0;
    for (let c = start.company; c < companies.length; c++) {
      let after = c === start.company ? start.after : '';
      let courier;
      let name;
      try {
        ({ courier, name } = await companyCourier(ctx.db, ctx.appKey, companies[c]));
      } catch (err) {
        if (!(err instanceof FinalJobError) || ctx.payload.companyId) throw err;
        await ctx.report({ errors: [{ message: err.message }], checkpoint: { company: c + 1, after: '' } });
        continue;
      }
      for (;;) {
        ctx.signal.throwIfAborted();
        const batch = await shippedBatch(ctx.db, companies[c], after);
        if (batch.length === 0) break;
        let parcels, skipped;
        try {
          ({ parcels, skipped } = await courier.fetchStatuses(batch.map((o) => o.tracking_number)));
        } catch (err) {
          // One company's courier down does not hold the others' sync back: the schedule asks it again
          // next time. A sync of that company alone is retried with backoff (5xx, timeout) or ends
          // with the reason (a malformed or 4xx answer, which another attempt would only repeat).
          if (!(err instanceof CourierError)) throw err;
          if (ctx.payload.companyId) throw err.retryable ? err : new FinalJobError(`${name}: ${err.reason}`);
          await ctx.report({ errors: [{ message: `${name}: ${err.reason}` }], checkpoint: { company: c + 1, after: '' } });
          break;
        }
        const byTracking = new Map(batch.map((o) => [o.tracking_number, o]));
        after = batch[batch.length - 1].id;
        const checkpoint: Checkpoint = { company: c, after };
        moved += await ctx.db.tx(async (q) => {
          const events = parcels.flatMap((p) => p.events.map((e) => ({ order: byTracking.get(p.tracking_number)!.id, ...e })));
          await q.query(
            `INSERT INTO order_events (order_id, at, status, note)
             SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[])
             ON CONFLICT (order_id, at, status, coalesce(note, '')) DO NOTHING`,
            [events.map((e) => e.order), events.map((e) => e.at), events.map((e) => e.status), events.map((e) => e.note ?? null)],
          );
          const moves = parcels.flatMap((p) => {
            const to = courier.mapStatus(p.status);
            return to === 'delivered' || to === 'returned' ? [{ order: byTracking.get(p.tracking_number)!, to }] : [];
          });
          // Still shipped, locked, and still under that parcel: a parcel the order no longer travels
          // under (an earlier delivery attempt's) never moves it.
          const still = new Set(
            (
              await q.query<{ id: string }>(
                `SELECT o.id FROM orders o JOIN unnest($1::text[], $2::text[]) AS c(id, tracking) ON c.id = o.id
                  WHERE o.status = 'shipped' AND o.tracking_number = c.tracking ORDER BY o.id FOR UPDATE OF o`,
                [moves.map((m) => m.order.id), moves.map((m) => m.order.tracking_number)],
              )
            ).rows.map((r) => r.id),
          );
          const byAccount = new Map<string, typeof moves>();
          for (const m of moves.filter((m) => still.has(m.order.id)))
            byAccount.set(m.order.account_id, [...(byAccount.get(m.order.account_id) ?? []), m]);
          for (const [accountId, list] of byAccount) {
            await transitionOrders(
              q,
              SYSTEM,
              accountId,
              list.map((m) => ({ id: m.order.id, from: 'shipped' as const, to: m.to, comment: null })),
            );
          }
          // An event or a parcel codops cannot read (a time that is no date-time, a field over its limit) is
          // told on the job, by order when known; the rest of the answer counts.
          const errors = [
            ...parcels.flatMap((p) =>
              (p.unreadable ?? []).map((why) => ({
                reference: byTracking.get(p.tracking_number)!.reference,
                message: `${name}: ${why}: it was not recorded.`,
              })),
            ),
            ...skipped.map((p) => {
              const order = p.tracking_number === undefined ? undefined : byTracking.get(p.tracking_number);
              return { ...(order ? { reference: order.reference } : {}), message: `${name}: ${p.reason}: it was skipped.` };
            }),
          ];
          await ctx.report({ done: batch.length, checkpoint, ...(errors.length > 0 ? { errors } : {}) }, q);
          return [...byAccount.values()].reduce((n, l) => n + l.length, 0);
        });
      }
    }
    return { moved };
  },
});

/** Enqueues a sync of every company unless one is already waiting or running (the schedule's tick). */
export async function enqueueScheduledSync(q: Queryable): Promise<string | undefined> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('codops:shipping.sync', 0))`);
  const { rows } = await q.query(`SELECT 1 FROM jobs WHERE kind = $1 AND status IN ('queued', 'running') LIMIT 1`, [syncJob.kind]);
  if (rows.length > 0) return undefined;
  return enqueue(q, syncJob.kind, {});
}

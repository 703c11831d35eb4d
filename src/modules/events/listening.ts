import type { Database, Queryable } from '../../db/database.js';
import { databaseOf } from '../../db/database.js';

/** The NOTIFY sent (migration 0021) whenever an account's webhooks change who listens to what. */
const CHANNEL = 'codops_webhooks';
const CACHE_MS = 30_000; // safety net; the NOTIFY normally forgets an account at once
const MAX_ACCOUNTS = 10_000;

/**
 * Which event types the active webhooks of each account subscribe to, remembered per process so a
 * change nobody listens to costs no statement. An account is forgotten on the NOTIFY of any change to
 * its webhooks (from any process sharing the database). A load that overlaps a forget is not kept:
 * it may have read the webhooks from before the change.
 */
class Listening {
  private byAccount = new Map<string, { types: ReadonlySet<string>; at: number }>();
  private generation = 0;

  forget(accountId?: string): void {
    this.generation++;
    if (accountId) this.byAccount.delete(accountId);
    else this.byAccount.clear();
  }

  async types(q: Queryable, accountId: string): Promise<ReadonlySet<string>> {
    const hit = this.byAccount.get(accountId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.types;
    const generation = this.generation;
    const types = await subscribedTypes(q, accountId);
    if (generation === this.generation) {
      if (this.byAccount.size >= MAX_ACCOUNTS) this.byAccount.clear();
      this.byAccount.set(accountId, { types, at: Date.now() });
    }
    return types;
  }
}

async function subscribedTypes(q: Queryable, accountId: string): Promise<ReadonlySet<string>> {
  const { rows } = await q.query<{ type: string }>(
    `SELECT DISTINCT unnest(event_types) AS type FROM webhooks WHERE account_id = $1 AND status = 'active'`,
    [accountId],
    { name: 'webhook_listening_types' },
  );
  return new Set(rows.map((r) => r.type));
}

const watched = new WeakMap<Database, Listening>();

/**
 * Starts remembering who listens on `db` in this process (the server and `codops worker` call it).
 * A process that never calls it asks the database on every change, as a one-off command should.
 */
export async function watchListeners(db: Database): Promise<void> {
  if (watched.has(db)) return;
  const cache = new Listening();
  watched.set(db, cache);
  await db.listen(CHANNEL, (accountId) => cache.forget(accountId || undefined));
}

/** This process's change to `accountId`'s webhooks is seen by its next request, before the NOTIFY comes back. */
export function forgetListeners(db: Database, accountId: string): void {
  watched.get(db)?.forget(accountId);
}

/**
 * False when this process knows that no active webhook of `accountId` subscribes to `type`; true when
 * one may (a process that does not watch `db` leaves the question to the outbox's own statement).
 */
export async function mayListen(q: Queryable, accountId: string, type: string): Promise<boolean> {
  const db = databaseOf(q);
  const cache = db && watched.get(db);
  return cache ? (await cache.types(q, accountId)).has(type) : true;
}

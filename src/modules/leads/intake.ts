import type { Static } from '@sinclair/typebox';
import type { Database } from '../../db/database.js';
import { pgCode } from '../../db/database.js';
import { ErrorBag } from '../../http/validation.js';
import { Coalescer } from '../../lib/coalescer.js';
import type { Actor } from '../../core/actor.js';
import type { LeadInput } from './schemas.js';
import { createLeads, createLeadsBody, insertLeads, PREPARED_CREATE, SMALL_CREATE } from './service.js';

interface Create {
  actor: Actor;
  accountId: string;
  body: unknown;
  items: Static<typeof LeadInput>[];
}

const coalescers = new WeakMap<Database, Coalescer<Create, string[]>>();

/**
 * POST /leads without an Idempotency-Key, in transactions of its own: a small create (valid shape,
 * up to SMALL_CREATE leads) that arrives while another of the same account and actor is being
 * written waits for it and goes with the others then waiting in one statement, one commit
 * (docs/decisions.md, "Concurrent small creates share a statement"). Each answers its own
 * references; a shared statement that refuses anything is run again request by request, so each
 * gets its own answer. Anything else runs alone, as before.
 */
export function intakeLeads(db: Database, actor: Actor, accountId: string, body: unknown): Promise<string[]> {
  const sent = (body as { leads?: unknown } | null)?.leads;
  // A bulk body is checked once, by the create itself.
  if (!Array.isArray(sent) || sent.length > SMALL_CREATE) return alone(db, { actor, accountId, body, items: [] });
  const bag = new ErrorBag();
  const { leads } = createLeadsBody.check(body, bag);
  const create = { actor, accountId, body, items: leads };
  if (bag.has() || !Array.isArray(leads) || leads.length > SMALL_CREATE) return alone(db, create);
  let coalescer = coalescers.get(db);
  if (!coalescer) {
    coalescer = new Coalescer(
      (jobs) => writeTogether(db, jobs),
      (job) => job.items.length,
      PREPARED_CREATE,
    );
    coalescers.set(db, coalescer);
  }
  const key = [accountId, actor.label, actor.userId, actor.tokenId, actor.impersonatorId].join('\u0000');
  return coalescer.add(key, create);
}

const alone = (db: Database, c: Create) => db.tx((q) => createLeads(q, c.actor, c.accountId, c.body), { commitWithLast: true });

/**
 * An error the database answered (a severity and a SQLSTATE): its transaction was rolled back. A
 * socket's error (`EPIPE`, `ECONNRESET`) has a code but no severity.
 */
const refusedByDatabase = (err: unknown) =>
  typeof err === 'object' && err !== null && 'severity' in err && /^[0-9A-Z]{5}$/.test(pgCode(err) ?? '');

async function writeTogether(db: Database, jobs: Create[]): Promise<PromiseSettledResult<string[]>[]> {
  if (jobs.length > 1) {
    const [{ actor, accountId }] = jobs;
    try {
      const { refs } = await db.tx(
        (q) =>
          insertLeads(
            q,
            actor,
            accountId,
            jobs.flatMap((j) => j.items),
          ),
        { commitWithLast: true },
      );
      if (refs) {
        let at = 0;
        return jobs.map((j) => ({ status: 'fulfilled', value: refs.slice(at, (at += j.items.length)) }));
      }
    } catch (err) {
      // Without the database's answer it is not known whether the statement was committed: nothing
      // may be written twice, so each request gets the error.
      if (!refusedByDatabase(err)) return jobs.map(() => ({ status: 'rejected', reason: err }));
    }
  }
  return Promise.allSettled(jobs.map((j) => alone(db, j)));
}

import pLimit, { type LimitFunction } from 'p-limit';
import type { Database } from '../../db/database.js';
import { pgCode } from '../../db/database.js';
import { Coalescer } from '../../lib/coalescer.js';
import type { Actor } from '../../core/actor.js';
import { checkLeadsBody, insertLeads, PREPARED_CREATE, SMALL_CREATE, writeCheckedLeads, type CheckedLeads } from './service.js';

interface Create {
  actor: Actor;
  accountId: string;
  checked: CheckedLeads;
}

/** Each database's turns for bulk creates (docs/decisions.md, "Bulk creates take turns"). */
const turns = new WeakMap<Database, LimitFunction>();

function bulkTurn(db: Database, atOnce: number): LimitFunction {
  let limit = turns.get(db);
  if (!limit) turns.set(db, (limit = pLimit(atOnce)));
  else if (limit.concurrency !== atOnce) limit.concurrency = atOnce;
  return limit;
}

const coalescers = new WeakMap<Database, Coalescer<Create, string[]>>();

/**
 * POST /leads without an Idempotency-Key, in transactions of its own: a small create (valid shape,
 * up to SMALL_CREATE leads) that arrives while another of the same account and actor is being
 * written waits for it and goes with the others then waiting in one statement, one commit
 * (docs/decisions.md, "Concurrent small creates share a statement"). Each answers its own
 * references; a shared statement that refuses anything is run again request by request, so each
 * gets its own answer. A larger create, its body checked, waits until fewer than `bulkAtOnce`
 * (BULK_CREATES_AT_ONCE) are in the database, and runs alone. Each body's shape is checked once.
 */
export function intakeLeads(db: Database, actor: Actor, accountId: string, body: unknown, bulkAtOnce: number): Promise<string[]> {
  const create = { actor, accountId, checked: checkLeadsBody(body) };
  if (create.checked.bag.has()) return alone(db, create);
  if (create.checked.items.length > SMALL_CREATE) return bulkTurn(db, bulkAtOnce)(() => alone(db, create));
  let coalescer = coalescers.get(db);
  if (!coalescer) {
    coalescer = new Coalescer(
      (jobs) => writeTogether(db, jobs),
      (job) => job.checked.items.length,
      PREPARED_CREATE,
    );
    coalescers.set(db, coalescer);
  }
  const key = [accountId, actor.label, actor.userId, actor.tokenId, actor.impersonatorId].join('\u0000');
  return coalescer.add(key, create);
}

const alone = (db: Database, c: Create) =>
  db.tx((q) => writeCheckedLeads(q, c.actor, c.accountId, c.checked), { commitWithLast: true, retryConflicts: true });

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
            jobs.flatMap((j) => j.checked.items),
          ),
        { commitWithLast: true, retryConflicts: true },
      );
      if (refs) {
        let at = 0;
        return jobs.map((j) => ({ status: 'fulfilled', value: refs.slice(at, (at += j.checked.items.length)) }));
      }
    } catch (err) {
      // Without the database's answer it is not known whether the statement was committed: nothing
      // may be written twice, so each request gets the error.
      if (!refusedByDatabase(err)) return jobs.map(() => ({ status: 'rejected', reason: err }));
    }
  }
  // One after the other, so that the references stay in the order the requests came.
  const settled: PromiseSettledResult<string[]>[] = [];
  for (const j of jobs)
    settled.push(
      await alone(db, j).then(
        (value) => ({ status: 'fulfilled', value }),
        (reason: unknown) => ({ status: 'rejected', reason }),
      ),
    );
  return settled;
}

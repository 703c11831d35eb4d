// The catalog's named records (categories, cities, areas, warehouses): a unique name, and a delete
// that is refused, with what still uses each record, rather than leaving anything half-deleted.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pgCode, type Queryable } from '../../db/database.js';
import { answerUniqueViolation, nothingDeleted, notFound } from '../../http/errors.js';
import type { TObject, TString } from '@sinclair/typebox';
import { ErrorBag, type Validator } from '../../http/validation.js';
import { auditMany } from '../../web/audit.js';
import { formBody } from '../../web/form-body.js';
import { done } from '../../web/respond.js';
import type { WebUser } from '../../web/types.js';
import { count, FK_VIOLATION, listAfterDelete, readIds, refuseDelete } from './deletion.js';

export const NAME_TAKEN = 'The name has already been taken.';

for (const index of ['categories_name_unique', 'cities_name_unique', 'areas_city_name_unique', 'warehouses_name_unique']) {
  answerUniqueViolation(index, 'name', NAME_TAKEN);
}

/** The posted name of a record that is only its name, checked for shape and uniqueness (422). */
export async function readUniqueName(
  req: FastifyRequest,
  body: Validator<TObject<{ name: TString }>>,
  taken: (name: string) => Promise<boolean>,
): Promise<string> {
  const bag = new ErrorBag();
  const input = body.check(formBody(req), bag);
  if (!bag.has('name') && (await taken(input.name))) bag.add('name', NAME_TAKEN);
  bag.throwIfAny(body.schema);
  return input.name;
}

type Nouns = [one: string, many?: string];

/**
 * Why records cannot go, from what uses each: "This category is used by 3 products and cannot be
 * deleted." for one, each one's sentence and "Nothing was deleted." for several; `fallback` when
 * nothing counted uses them (another reference refused the delete). `uses` counts each kind of user,
 * in the order of `nouns` ("used by 1 warehouse and 2 shipping companies").
 */
export function inUseMessage(
  noun: string,
  asked: number,
  used: { name: string; uses: number[] }[],
  nouns: Nouns[],
  fallback = `This ${noun} is in use and cannot be deleted.`,
): string {
  const users = (u: { uses: number[] }) =>
    u.uses
      .map((n, i) => (n > 0 ? count(n, ...nouns[i]) : ''))
      .filter(Boolean)
      .join(' and ');
  const live = used.filter((u) => users(u) !== '');
  if (live.length === 0) return fallback;
  if (asked === 1) return `This ${noun} is used by ${users(live[0])} and cannot be deleted.`;
  return nothingDeleted(live.map((u) => `The ${noun} ${u.name} is used by ${users(u)} and cannot be deleted.`));
}

interface DeleteRoute<R extends { id: string; name: string }> {
  url: string;
  list: string;
  can: (user: WebUser) => boolean;
  noun: [one: string, many?: string];
  /** The audit entry of each deleted record (`<resource>.delete`, its subject type). */
  audit: { action: string; type: string };
  /** Deletes `ids` and what goes with them, inside the transaction; the rows' fields besides `id` are audited. */
  remove: (q: Queryable, ids: string[]) => Promise<R[]>;
  /**
   * Why `ids` cannot be deleted (undefined: they can). Asked before the delete, and again with
   * `refused` when a foreign key stopped it (something took the record meanwhile).
   */
  refusal?: (ids: string[], refused: boolean) => Promise<string | undefined>;
  /** What to do once the delete is committed (this process forgets what it cached, say). */
  afterDelete?: (rows: R[]) => void;
  /** Where to go once deleted; back to the list by default. */
  redirect?: (req: FastifyRequest) => string;
}

/** `POST|DELETE <url>` with `ids[]`: all of them or none, each audited. */
export function deleteRoute<R extends { id: string; name: string }>(web: FastifyInstance, o: DeleteRoute<R>): void {
  const [one, many] = o.noun;
  web.route({
    method: ['POST', 'DELETE'],
    url: o.url,
    config: { can: o.can },
    handler: async (req, reply) => {
      const ids = readIds(req, reply, one, o.list);
      if (!ids) return reply;
      const early = await o.refusal?.(ids, false);
      if (early) return refuseDelete(req, reply, early, o.list);
      let deleted: R[];
      try {
        deleted = await web.db.tx(async (q) => {
          const rows = await o.remove(q, ids);
          await auditMany(
            q,
            req.user!,
            o.audit.action,
            o.audit.type,
            rows.map(({ id, ...changes }) => ({ id, changes })),
          );
          return rows;
        });
      } catch (err) {
        const why = pgCode(err) === FK_VIOLATION ? await o.refusal?.(ids, true) : undefined;
        if (!why) throw err;
        return refuseDelete(req, reply, why, o.list);
      }
      if (deleted.length === 0) throw notFound();
      o.afterDelete?.(deleted);
      const message =
        deleted.length === 1
          ? `${one[0].toUpperCase()}${one.slice(1)} ${deleted[0].name} deleted.`
          : `${count(deleted.length, one, many)} deleted.`;
      return done(req, reply, { message, redirect: o.redirect?.(req) ?? listAfterDelete(req, o.list) });
    },
  });
}

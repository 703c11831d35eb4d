// Server-side helpers the leads and orders pages share.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database, Queryable } from '../../db/database.js';
import { HttpError, invalid, nothingDeleted } from '../../http/errors.js';
import { compile, ErrorBag, messages, validate, type Validator } from '../../http/validation.js';
import { Type, type TSchema } from '@sinclair/typebox';
import { actorOfUser } from '../../web/actor.js';
import { formBody } from '../../web/form-body.js';
import type { Actor } from '../../core/actor.js';
import type { PageMeta } from '../../db/paging.js';
import { backUrl, oldInput, refuseBack } from '../../web/respond.js';
import { wantsJson } from '../../web/scope.js';
import type { WebUser } from '../../web/types.js';
import { accountExists } from '../accounts/service.js';
import { catalogPrices } from './hand-made.js';
import { refuseUnsoldLines, unsoldLinesOf } from './lines.js';
import { LINES_BUTTON, LINES_SHOWN, pick } from './record-ui.js';

export const isStaff = (u: WebUser) => u.role !== 'seller';

export function pageMeta(p: { page: number; per_page: number }, total: number): PageMeta {
  return { current_page: p.page, per_page: p.per_page, total, last_page: Math.max(1, Math.ceil(total / p.per_page)) };
}

/** The page's total from the status tabs' counts: the chosen statuses', or all of them. */
export const totalOf = (counts: Map<string, number>, statuses: readonly string[] | undefined) =>
  statuses?.length
    ? [...new Set(statuses)].reduce((sum, s) => sum + (counts.get(s) ?? 0), 0)
    : [...counts.values()].reduce((a, b) => a + b, 0);

/**
 * A delete has no field to show its refusal beside: a page gets the messages as the flash error
 * and goes back, a list with the same rows ticked; a JSON client gets the 422 body. Answers false when it already replied.
 */
export async function deleting(
  req: FastifyRequest,
  reply: FastifyReply,
  fallback: string,
  run: () => Promise<unknown>,
  bulk?: { empty: string; missing: string; nameOf: (index: number) => string | undefined },
): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (err) {
    if (wantsJson(req) || !(err instanceof HttpError) || err.statusCode !== 422) throw err;
    // A bulk delete names each refused record ("LD-00012: A confirmed lead cannot be deleted."),
    // and an empty selection asks for one instead of "The ids field is required.".
    const lines = Object.entries(err.errors ?? {}).flatMap(([key, list]) => {
      if (bulk && key === 'ids') return [bulk.empty];
      const i = /^ids\.(\d+)$/.exec(key);
      if (!bulk || !i) return list;
      const name = bulk.nameOf(Number(i[1]));
      // A record deleted meanwhile (a second click) or never visible has no name to show.
      return name ? list.map((m) => `${name}: ${m}`) : [bulk.missing];
    });
    const refusals = [...new Set(lines)];
    const refusedEach = bulk && refusals.length > 0 && !(err.errors && 'ids' in err.errors);
    await refuseBack(req, reply, refusedEach ? nothingDeleted(refusals) : refusals.join(' ') || err.message, fallback);
    return false;
  }
}

/**
 * Bulk delete across accounts: `ids[i]` → its record (when the caller sees it), then one delete
 * per account with every refusal keyed `ids.i`; the caller's transaction makes it all or nothing.
 */
async function deleteAcrossAccounts<R extends { account_id: string; reference: string }>(
  ids: string[],
  found: Map<string, R>,
  del: (accountId: string, references: string[], keyOf: (j: number) => string) => Promise<number>,
): Promise<number> {
  const bag = new ErrorBag();
  ids.forEach((id, i) => found.has(id) || bag.add(`ids.${i}`, messages.invalid(`ids.${i}`)));
  const byAccount = new Map<string, number[]>();
  ids.forEach((id, i) => {
    const r = found.get(id);
    if (r) byAccount.set(r.account_id, [...(byAccount.get(r.account_id) ?? []), i]);
  });
  let count = 0;
  for (const [accountId, indexes] of byAccount) {
    try {
      count += await del(
        accountId,
        indexes.map((i) => found.get(ids[i])!.reference),
        (j) => `ids.${indexes[j]}`,
      );
    } catch (err) {
      if (!(err instanceof HttpError) || !err.errors) throw err;
      for (const [k, list] of Object.entries(err.errors)) for (const m of list) bag.add(k, m);
    }
  }
  if (bag.size > 0)
    throw invalid(Object.fromEntries(Object.entries(bag.toJSON()).sort(([a], [b]) => Number(a.split('.')[1]) - Number(b.split('.')[1]))));
  return count;
}

const bulkIds = compile(Type.Object({ ids: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 1000 }) }));

/**
 * The bulk delete of a list page: the ticked `ids[]`, each looked up among what the user may see
 * (`find`), deleted per account (`del`) in one transaction, all or nothing. A page is told which
 * record was refused, or that none was ticked (see `deleting`). Answers how many were deleted, or
 * undefined when it already replied.
 */
export async function bulkDelete<R extends { account_id: string; reference: string }>(
  req: FastifyRequest,
  reply: FastifyReply,
  db: Database,
  opts: {
    noun: string;
    fallback: string;
    find: (q: Queryable, ids: string[]) => Promise<Map<string, R>>;
    del: (q: Queryable, accountId: string, references: string[], keyOf: (j: number) => string) => Promise<number>;
  },
): Promise<number | undefined> {
  let count = 0;
  let names: string[] = [];
  const ok = await deleting(
    req,
    reply,
    opts.fallback,
    async () => {
      const { ids } = validate(bulkIds, formBody(req));
      count = await db.tx(async (q) => {
        const found = await opts.find(q, ids);
        names = ids.map((id) => found.get(id)?.reference ?? '');
        return deleteAcrossAccounts(ids, found, (accountId, refs, keyOf) => opts.del(q, accountId, refs, keyOf));
      });
    },
    {
      empty: `Select at least one ${opts.noun} to delete.`,
      missing: `A selected ${opts.noun} no longer exists.`,
      nameOf: (i) => names[i] || undefined,
    },
  );
  return ok ? count : undefined;
}

/**
 * A hand-made lead or order from its form: created by the module's one-record function (the API's
 * rules, errors keyed as the form's fields) in the account it goes to, a seller's own or the one
 * staff name (`account_id`). A missing or unknown account is reported with the record's own
 * errors, so the form shows them all at once. Answers its id and account.
 */
export async function createHandMade(
  db: Database,
  req: FastifyRequest,
  k: {
    table: 'leads' | 'orders';
    fields: readonly string[];
    /** The one record's validator (with no account, only its shape can be checked). */
    shape: Validator<TSchema>;
    create: (q: Queryable, actor: Actor, accountId: string, input: unknown) => Promise<string>;
  },
): Promise<{ id: string; accountId: string }> {
  const body = formBody(req);
  const user = req.user!;
  const input = pick(body, k.fields);
  const bag = new ErrorBag();
  let accountId = user.account_id!;
  if (isStaff(user)) {
    const id = body.account_id;
    if (typeof id !== 'string' || id.trim() === '') bag.add('account_id', messages.required('account_id'));
    else if (!(await accountExists(db, id))) bag.add('account_id', messages.invalid('account_id'));
    else accountId = id;
  }
  if (bag.size > 0) {
    const shapeBag = new ErrorBag();
    k.shape.check(input, shapeBag);
    throw invalid({ ...bag.toJSON(), ...shapeBag.toJSON(k.shape.schema) });
  }
  const id = await db.tx(async (q) => {
    await fillLineDefaults(q, req, accountId, input);
    const reference = await k.create(q, actorOfUser(user), accountId, input);
    const { rows } = await q.query<{ id: string }>(`SELECT id FROM ${k.table} WHERE account_id = $1 AND reference = $2`, [
      accountId,
      reference,
    ]);
    return rows[0].id;
  });
  return { id, accountId };
}

/**
 * A form's "Add a line" or "Remove line N" (`_lines`, LineRows): nothing is written; the form comes
 * back (302 to the page it was sent from, as a refused one does) with what was typed, one row more or
 * without that line, the new row or the lines in view. Answers true when it replied (false: a save).
 */
export function linesButton(req: FastifyRequest, reply: FastifyReply, max: number, fallback: string): boolean {
  const raw = req.body as Record<string, unknown> | null | undefined;
  const action = raw && typeof raw === 'object' && !wantsJson(req) ? raw[LINES_BUTTON] : undefined;
  if (typeof action !== 'string' || !/application\/x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? ''))) return false;
  // Rows as the browser sent them, blank ones included (formBody drops those).
  const sent = new Set(Object.keys(raw!).flatMap((k) => /^products\[(\d+)\]\[/.exec(k)?.[1] ?? []));
  let rows = sent.size;
  const remove = /^remove-(\d+)$/.exec(action)?.[1];
  if (remove !== undefined && sent.has(remove)) {
    for (const k of Object.keys(raw!)) if (k.startsWith(`products[${remove}][`)) delete raw![k];
    rows -= 1;
  } else if (action === 'add') rows += 1;
  const body = formBody(req);
  delete body[LINES_BUTTON];
  rows = Math.max(1, Math.min(max, rows));
  req.session.old = { ...oldInput(body), [LINES_SHOWN]: rows };
  const back = backUrl(req, fallback).replace(/#.*$/, '');
  reply.redirect(`${back}#${action === 'add' ? `f-products-${rows - 1}-sku` : 'f-lines'}`, 302);
  return true;
}

/**
 * A form's line with a product and no quantity takes 1, and no price the product's catalogue price, as
 * choosing it does with JavaScript (docs/decisions.md, "A form's line without a price"). Forms only: the
 * API and the dashboard's JSON require both (api-v1.md).
 */
export async function fillLineDefaults(
  q: Queryable,
  req: FastifyRequest,
  accountId: string,
  input: Record<string, unknown>,
): Promise<void> {
  if (wantsJson(req) || !/application\/x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? ''))) return;
  if (!Array.isArray(input.products)) return;
  const blank = (v: unknown) => v === undefined || v === '';
  const chosen = (input.products as unknown[]).filter(
    (l): l is { sku: string; quantity?: unknown; price?: unknown } =>
      !!l && typeof l === 'object' && typeof (l as { sku?: unknown }).sku === 'string' && (l as { sku: string }).sku !== '',
  );
  for (const l of chosen) if (blank(l.quantity)) l.quantity = '1';
  const open = chosen.filter((l) => blank(l.price));
  if (open.length === 0) return;
  const prices = await catalogPrices(
    q,
    accountId,
    open.map((l) => l.sku),
  );
  for (const l of open) if (prices.has(l.sku)) l.price = prices.get(l.sku);
}

/**
 * The lines a form sends back to save a lead or an order (its edit page, the call screen's
 * confirmation): a deleted product's line sent back unchanged refused on `bag` (refuseUnsoldLines),
 * then a chosen product's blank quantity and price filled in (fillLineDefaults).
 */
export async function checkFormLines(
  q: Queryable,
  req: FastifyRequest,
  record: { table: 'lead_lines' | 'order_lines'; id: string; accountId: string },
  input: Record<string, unknown>,
  bag: ErrorBag,
): Promise<void> {
  refuseUnsoldLines(await unsoldLinesOf(q, record.table, record.id), input.products, bag);
  await fillLineDefaults(q, req, record.accountId, input);
}

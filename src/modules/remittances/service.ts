import type { Queryable } from '../../db/database.js';
import type { TSchema } from '@sinclair/typebox';
import { hasControlCharacters } from '../../http/input-hygiene.js';
import { checkDistinct, ErrorBag, messages } from '../../http/validation.js';
import { newId } from '../../lib/ids.js';
import { audit } from '../../web/audit.js';
import type { WebUser } from '../../web/types.js';
import { pendingOrders, type Courier } from './queries.js';
import { MAX_LINE_AMOUNT, MAX_ORDERS, ORDERS_OR_CSV, remittanceBody } from './schemas.js';

const toCents = (s: string) => Math.round(Number(s) * 100);
const money = (c: number) => (c / 100).toFixed(2);

/** A line's cells, split on `delimiter` outside double quotes (`""` inside quotes is one quote). */
function cellsOf(raw: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quoted && c === '"' && raw[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (c === delimiter && !quoted) {
      cells.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  cells.push(cell.trim());
  return cells;
}

/**
 * A CSV of `reference,amount` lines (a header line and blank lines are skipped); a bad line is
 * reported by its number. A line holding a `;` is split on `;` (what a spreadsheet writes where the
 * decimal mark is a comma), and an amount may then use a decimal comma (`597,75`); any other shape
 * of amount (`1,234.50`) is a bad line, never read as another figure. An amount above
 * MAX_LINE_AMOUNT, and a line beyond the MAX_ORDERS a remittance records, are bad lines too (the
 * remittance's sum would not fit its column: a 500).
 */
export function parseCsv(text: string, bag: ErrorBag): { line: number; reference: string; amount: string }[] {
  const out: { line: number; reference: string; amount: string }[] = [];
  let full = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (full) return;
    const cells = cellsOf(raw, raw.includes(';') ? ';' : ',');
    if (cells.every((c) => c === '')) return;
    if (line === 1 && /^reference$/i.test(cells[0])) return;
    const amount = (cells[1] ?? '').replace(/\s/g, '');
    // A reference is at most 100 characters of text (as the API's): anything else is not quoted back.
    if (
      !cells[0] ||
      cells[0].length > 100 ||
      hasControlCharacters(cells[0]) ||
      cells.slice(2).some((c) => c !== '') ||
      !/^\d+([.,]\d{1,2})?$/.test(amount)
    ) {
      bag.add(`lines.${line}`, `Line ${line}: write the order's reference and the amount received, as ORD-00001,398.00.`);
      return;
    }
    const reference = cells[0].toUpperCase();
    if (Number(amount.replace(',', '.')) > MAX_LINE_AMOUNT) {
      bag.add(`lines.${line}.amount`, `Line ${line} (${reference}): the amount must not be greater than ${MAX_LINE_AMOUNT}.`);
      return;
    }
    if (out.length === MAX_ORDERS) {
      bag.add(`lines.${line}`, `Line ${line}: a remittance records at most ${MAX_ORDERS} orders; record the rest in another.`);
      full = true;
      return;
    }
    out.push({ line, reference, amount: amount.replace(',', '.') });
  });
  return out;
}

const SHOWN_LINES = 100;

/** The 422 of a remittance: a CSV's first 100 problem lines, and how many more (a page lists them). */
export function throwLineErrors(bag: ErrorBag, schema?: TSchema): void {
  bag.capUnder('lines.', SHOWN_LINES, (n) => `…and ${n} more line${n === 1 ? '' : 's'} with a problem: fix these first.`);
  bag.throwIfAny(schema);
}

/**
 * Records what a courier handed over, under a lock of its pending orders: by selected orders (the
 * amounts codops expects) or by CSV lines. An unknown or already remitted order is a 422 on its line;
 * an amount that differs from the expected one is reported line by line (422 on `lines.<n>.amount`)
 * and recorded only when `confirm` is set. `bag` holds the form's other errors (a bad date, a
 * malformed CSV line): everything is answered in one 422. Answers the remittance's id.
 */
export async function recordRemittance(
  q: Queryable,
  user: WebUser,
  courier: Courier,
  input: {
    order_ids?: string[] | null;
    lines?: { line: number; reference: string; amount: string }[];
    received_at: string;
    comment: string | null;
    confirm: boolean;
  },
  bag: ErrorBag,
): Promise<string> {
  // One remittance of a courier at a time: the next reads the pending orders after this one committed
  // (the orders' row locks alone let it read, from its snapshot, orders just remitted).
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('codops:remittance:' || $1, 0))`, [courier.id]);
  const pending = await pendingOrders(q, courier, true);
  const picked: { id: string; expected: number; received: number }[] = [];
  if (input.order_ids && input.order_ids.length > 0) {
    const byId = new Map(pending.map((o) => [o.id, o]));
    // A repeated id is Laravel's `distinct` (it reached the primary key and read "remitted meanwhile").
    checkDistinct(bag, (i) => `order_ids.${i}`, input.order_ids);
    input.order_ids.forEach((id, i) => {
      const o = byId.get(id);
      if (bag.has(`order_ids.${i}`)) return; // a failed item is not looked up (Laravel's `exists`)
      if (!o) bag.add(`order_ids.${i}`, messages.invalid(`order_ids.${i}`));
      else picked.push({ id, expected: toCents(o.expected), received: toCents(o.expected) });
    });
  } else if (input.lines && input.lines.length > 0) {
    const byRef = new Map<string, typeof pending>();
    for (const o of pending) byRef.set(o.reference, [...(byRef.get(o.reference) ?? []), o]);
    const seen = new Set<string>();
    for (const l of input.lines) {
      const found = byRef.get(l.reference) ?? [];
      if (found.length !== 1 || seen.has(found[0].id)) {
        bag.add(
          `lines.${l.line}`,
          found.length > 1
            ? `Line ${l.line}: ${l.reference} names several orders of ${courier.name}; select the orders instead.`
            : seen.has(found[0]?.id)
              ? `Line ${l.line}: ${l.reference} appears twice.`
              : `Line ${l.line}: ${l.reference} is not a delivered order of ${courier.name} awaiting remittance.`,
        );
        continue;
      }
      seen.add(found[0].id);
      const expected = toCents(found[0].expected);
      const received = toCents(l.amount);
      if (expected !== received && !input.confirm)
        bag.add(`lines.${l.line}.amount`, `Line ${l.line} (${l.reference}): expected ${money(expected)}, received ${money(received)}.`);
      picked.push({ id: found[0].id, expected, received });
    }
  } else if (!bag.hasUnder('lines.')) bag.add('order_ids', ORDERS_OR_CSV); // else every line of the CSV was malformed
  throwLineErrors(bag, remittanceBody.schema);
  const id = newId();
  const sum = (k: 'expected' | 'received') => money(picked.reduce((a, p) => a + p[k], 0));
  await q.query(
    `INSERT INTO remittances (id, shipping_company_id, delivery_user_id, amount, expected, received_at, comment, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      id,
      courier.type === 'shipping_company' ? courier.id : null,
      courier.type === 'delivery_user' ? courier.id : null,
      sum('received'),
      sum('expected'),
      input.received_at,
      input.comment,
      user.id,
    ],
  );
  await q.query(
    `INSERT INTO remittance_orders (order_id, remittance_id, expected, received)
     SELECT c.id, $1, c.expected, c.received FROM unnest($2::text[], $3::numeric[], $4::numeric[]) AS c(id, expected, received)`,
    [id, picked.map((p) => p.id), picked.map((p) => money(p.expected)), picked.map((p) => money(p.received))],
  );
  await audit(
    q,
    user,
    'remittances.create',
    { type: 'remittance', id },
    { orders: picked.length, amount: sum('received'), expected: sum('expected') },
  );
  return id;
}

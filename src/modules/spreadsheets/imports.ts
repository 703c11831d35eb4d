import type { TSchema } from '@sinclair/typebox';
import { controlCharacterMessage, hasControlCharacters } from '../../http/input-hygiene.js';
import type { Actor } from '../../core/actor.js';
import type { Queryable } from '../../db/database.js';
import { readSheet, type SheetFormat, type SheetRow } from '../../files/sheets.js';
import type { FileStore } from '../../files/store.js';
import { ErrorBag, messages, type Validator } from '../../http/validation.js';
import { defineJob, FinalJobError, type JobContext } from '../../jobs/registry.js';
import type { LineInput } from '../records/lines.js';
import { activeProductsBySku, type ProductRef } from '../products/lookup.js';

/** What an import job is given: whose records, by whom, and the uploaded file. */
export interface ImportPayload {
  accountId: string;
  actor: Actor;
  fileKey: string;
  format: SheetFormat;
}

/** An import's error (webhooks-files.md): `column` is null for the file's own errors (no rows, too many rows). */
export interface ImportError {
  row: number;
  column: string | null;
  message: string;
}

/** Every import error is built here, in the spec's shape and key order. */
const importError = (row: number, column: string | null, message: string): ImportError => ({ row, column, message });

/** A done import's result: the count, and the line its page shows under the bar (web/job-progress.tsx). */
function importedResult(kind: string, n: number) {
  const noun = kind.startsWith('orders.') ? 'order' : 'lead';
  return { imported: n, message: `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'} imported.` };
}

/**
 * One kind of import (leads, orders): its columns, and the API's own validators for a record's first
 * row (its fields and a product line) and for the further rows of a `lead_key` (a line only).
 */
export interface ImportSpec<Item> {
  kind: string;
  label: string;
  /** Every column, in the template's order; all but `lead_key` are read, the `required` ones must be there. */
  columns: readonly string[];
  required: readonly string[];
  example: Record<string, string>;
  row: Validator<TSchema>;
  line: Validator<TSchema>;
  maxLines: number;
  /** The customer's columns: a `lead_key`'s later rows may leave them out or repeat them otherwise (a phone as +212…). */
  customer: readonly string[];
  /** The columns holding an amount: a `;` CSV's `199,5` there is read as `199.5`. */
  amounts: readonly string[];
  /** The columns holding a number (counts and amounts): the XLSX template's only columns not formatted as Text. */
  figures: readonly string[];
  /** A row's cells as the API would receive them (`yes` → `1` for a boolean). */
  prepare?: (values: Record<string, string>) => Record<string, unknown>;
  item: (first: Record<string, unknown>, lines: LineInput[]) => Item;
  /** The API's set-based create, in the import's transaction; throws when it refuses. */
  insert: (q: Queryable, actor: Actor, accountId: string, items: Item[], products: Map<string, ProductRef>) => Promise<void>;
}

export const MAX_ROWS = 100_000;
const KEY = 'lead_key';
/**
 * Records per set-based create. Its duplicate look-up compares each record with the earlier ones of
 * the same statement (O(n²) in the batch): 100 at a time is about 3× faster per lead than 1,000 (the
 * records of earlier batches are found in the table, in the same transaction).
 */
const BATCH = 100;
/** Errors per progress report (each one statement). */
const ERROR_CHUNK = 5000;
const RETRIES = 2;

const norm = (h: string) => h.trim().toLowerCase();

/**
 * The columns of the record other than its customer's (an order's `total` and fees): a `lead_key`'s
 * later row must not give another value. Its customer fields are the first row's (webhooks-files.md).
 */
const recordColumns = (spec: ImportSpec<unknown>) =>
  spec.columns.filter(
    (c) => c !== KEY && !spec.customer.includes(c) && !((spec.line.schema.properties as Record<string, unknown> | undefined) ?? {})[c],
  );

/** Two cells saying the same (`yes` and `1` for a boolean, `398` and `398.00`). */
function sameCell(spec: ImportSpec<unknown>, column: string, a: string, b: string): boolean {
  const read = (v: string) => {
    const cell = v.trim();
    const prepared = spec.prepare ? spec.prepare({ [column]: cell })[column] : cell;
    return typeof prepared === 'string' ? prepared.trim() : prepared;
  };
  const [x, y] = [read(a), read(b)];
  if (x === y) return true;
  const numeric = (v: unknown) => typeof v === 'string' && v !== '' && Number.isFinite(Number(v));
  return numeric(x) && numeric(y) && Number(x) === Number(y);
}

/**
 * A later row of a `lead_key` giving an order's total or fees other than its first row does: the
 * row is an error rather than a value dropped unseen. An empty cell is the first row's.
 */
function groupConflicts(
  spec: ImportSpec<unknown>,
  columns: readonly string[],
  key: string,
  first: { row: number; values: Record<string, string> },
  row: number,
  values: Record<string, string>,
) {
  const errors: ImportError[] = [];
  for (const column of columns) {
    const cell = values[column];
    if (cell === undefined || cell.trim() === '' || sameCell(spec, column, first.values[column] ?? '', cell)) continue;
    const attribute = column.replace(/_/g, ' ');
    errors.push(importError(row, column, `The ${attribute} differs from row ${first.row}, the first row of lead_key "${key}".`));
  }
  return errors;
}

/** The index of each known column in the header row (case-insensitive, any order; unknown ones ignored). */
function headerIndex(spec: ImportSpec<unknown>, header: string[]): Map<string, number> {
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    const name = norm(h);
    if (spec.columns.includes(name) && !index.has(name)) index.set(name, i);
  });
  return index;
}

/** The known columns the header names more than once: which of them holds the value is not for us to guess. */
function namedTwice(spec: ImportSpec<unknown>, header: string[]): string[] {
  const names = header.map(norm).filter((name) => spec.columns.includes(name));
  return spec.columns.filter((c) => names.indexOf(c) !== names.lastIndexOf(c));
}

/** An amount written with a decimal comma (`199,5`, `1234,50`); thousands separators are not guessed at. */
const DECIMAL_COMMA = /^\s*-?\d+,\d+\s*$/;

/** A row's known cells by column; in a `;` CSV, an amount's decimal comma as the API's point. */
function valuesOf(spec: Pick<ImportSpec<unknown>, 'amounts'>, index: Map<string, number>, row: SheetRow): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, i] of index) {
    const cell = row.cells[i] ?? '';
    out[name] = row.decimalComma && spec.amounts.includes(name) && DECIMAL_COMMA.test(cell) ? cell.replace(',', '.') : cell;
  }
  return out;
}

/** Validates one row with the API's validator: its normalised value and its errors as `{row, column, message}`. */
function checkRow(spec: ImportSpec<unknown>, v: Validator<TSchema>, row: number, values: Record<string, string>) {
  const bag = new ErrorBag();
  // The API refuses control characters before its rules (input-hygiene.ts); a cell is refused the same.
  for (const [column, text] of Object.entries(values)) if (hasControlCharacters(text)) bag.add(column, controlCharacterMessage(column));
  const input = spec.prepare ? spec.prepare(values) : { ...values };
  delete (input as Record<string, unknown>)[KEY];
  const value = v.check(input, bag) as Record<string, unknown>;
  const errors: ImportError[] = [];
  for (const [column, list] of Object.entries(bag.toJSON(v.schema)))
    for (const message of list) errors.push(importError(row, column, message));
  return { value, errors };
}

async function* rowsOf(files: FileStore, payload: ImportPayload): AsyncGenerator<SheetRow> {
  const file = await files.get(payload.fileKey);
  if (!file) throw new FinalJobError('The uploaded file is no longer there.');
  try {
    yield* readSheet(file.stream, payload.format);
  } catch (err) {
    if (err instanceof FinalJobError) throw err;
    throw new FinalJobError(`The file could not be read as ${payload.format.toUpperCase()}: ${(err as Error).message}`);
  } finally {
    file.stream.destroy();
  }
}

interface Checked {
  rows: number;
  /** The file's row number of the header (1 when the file has none) and of the last data row read. */
  headerRow: number;
  lastRow: number;
  errors: ImportError[];
  /** Rows per `lead_key`, so that the writing pass knows when a record is whole. */
  groups: Map<string, number>;
  skus: Set<string>;
}

const NOT_UTF8 =
  'This row holds text that is not UTF-8 (the file was saved in another encoding): save the file as "CSV UTF-8" and import it again.';

/**
 * A CSV row holding bytes that are not UTF-8: one error, on the column of its first such cell, by
 * its name in the header (none in the header itself, or past its cells); and the columns whose
 * cells do, whose text (read with U+FFFD) is not checked.
 */
function notUtf8(spec: ImportSpec<unknown>, header: string[] | undefined, r: SheetRow) {
  const names = (r.notUtf8 ?? []).map((cell) => {
    const name = header?.[cell]?.trim() ?? '';
    return spec.columns.includes(norm(name)) ? norm(name) : name;
  });
  const column = header ? names[0] : undefined;
  return { error: importError(r.row, column || null, NOT_UTF8), columns: new Set(names) };
}

/** First pass: every row checked, every error collected; nothing written. */
async function checkFile(spec: ImportSpec<unknown>, ctx: JobContext<ImportPayload>): Promise<Checked> {
  const errors: ImportError[] = [];
  const groups = new Map<string, number>();
  /** Each `lead_key`'s first row: its number and its record columns. */
  const firsts = new Map<string, { row: number; values: Record<string, string> }>();
  const ofRecord = recordColumns(spec);
  const skuRows = new Map<string, number[]>();
  let header: string[] | undefined;
  let index: Map<string, number> | undefined;
  let rows = 0;
  let headerRow = 1;
  let lastRow = 1;
  for await (const r of rowsOf(ctx.files, ctx.payload)) {
    if (!index) {
      [headerRow, lastRow] = [r.row, r.row];
      if (r.notUtf8) errors.push(notUtf8(spec, undefined, r).error);
      header = r.cells;
      index = headerIndex(spec, r.cells);
      // The header's own row: blank lines may come before it.
      const missing = spec.required.filter((c) => !index!.has(c));
      const twice = namedTwice(spec, r.cells);
      if (missing.length > 0 || twice.length > 0) {
        errors.push(...missing.map((c) => importError(r.row, c, messages.required(c))));
        errors.push(...twice.map((c) => importError(r.row, c, `The ${c} column appears more than once in the header.`)));
        return { rows: 0, headerRow, lastRow, errors, groups, skus: new Set() };
      }
      continue;
    }
    if (rows === MAX_ROWS) {
      errors.push(importError(r.row, null, `The file must not have more than ${MAX_ROWS} rows.`));
      break;
    }
    rows++;
    lastRow = r.row;
    if (rows % 10_000 === 0) ctx.signal.throwIfAborted();
    const values = valuesOf(spec, index, r);
    const key = values[KEY]?.trim() ?? '';
    const seen = key ? (groups.get(key) ?? 0) : 0;
    if (key) groups.set(key, seen + 1);
    if (key && seen === 0) firsts.set(key, { row: r.row, values: Object.fromEntries(ofRecord.map((c) => [c, values[c] ?? ''])) });
    const checked = checkRow(spec, seen === 0 ? spec.row : spec.line, r.row, values);
    let rowErrors =
      seen === 0 ? checked.errors : [...checked.errors, ...groupConflicts(spec, ofRecord, key, firsts.get(key)!, r.row, values)];
    // A cell that is not UTF-8 is that error alone; the row's other cells are checked as any row's.
    const garbled = r.notUtf8 ? notUtf8(spec, header, r) : undefined;
    if (garbled) rowErrors = [garbled.error, ...rowErrors.filter((e) => !garbled.columns.has(e.column ?? ''))];
    errors.push(...rowErrors);
    if (seen + 1 > spec.maxLines) errors.push(importError(r.row, 'sku', messages.maxItems('products', spec.maxLines)));
    const sku = checked.value.sku;
    if (typeof sku === 'string' && !garbled?.columns.has('sku') && !rowErrors.some((e) => e.column === 'sku')) {
      const list = skuRows.get(sku);
      if (list) list.push(r.row);
      else skuRows.set(sku, [r.row]);
    }
  }
  if (!index) for (const c of spec.required) errors.push(importError(1, c, messages.required(c)));
  else if (rows === 0) errors.push(importError(lastRow + 1, null, 'The file has no rows to import.'));
  // Laravel's `exists`, as POST /leads answers it: the account's active products.
  const known = await activeProductsBySku(ctx.db, ctx.payload.accountId, skuRows.keys());
  for (const [sku, list] of skuRows)
    if (!known.has(sku)) for (const row of list) errors.push(importError(row, 'sku', messages.invalid('sku')));
  const order = (c: string | null) => (c === null ? -1 : spec.columns.indexOf(c));
  errors.sort((a, b) => a.row - b.row || order(a.column) - order(b.column));
  return { rows, headerRow, lastRow, errors, groups, skus: new Set(skuRows.keys()) };
}

interface Pending<Item> {
  first: Record<string, unknown>;
  lines: LineInput[];
  left: number;
  item?: Item;
}

/** Second pass, in one transaction: the records in file order, through the API's set-based create a batch at a time. */
async function writeFile<Item>(spec: ImportSpec<Item>, ctx: JobContext<ImportPayload>, q: Queryable, checked: Checked): Promise<number> {
  const { accountId, actor } = ctx.payload;
  const products = await activeProductsBySku(q, accountId, checked.skus);
  if (products.size !== checked.skus.size) throw new FinalJobError('A product was deactivated during the import: nothing was imported.');
  const queue: Pending<Item>[] = [];
  const open = new Map<string, Pending<Item>>();
  let written = 0;
  const flush = async (all: boolean) => {
    let n = 0;
    while (n < queue.length && queue[n].left === 0) n++;
    if (n < BATCH && !(all && n > 0)) return;
    const ready = queue.splice(0, n).map((p) => spec.item(p.first, p.lines));
    for (let i = 0; i < ready.length; i += BATCH) await spec.insert(q, actor, accountId, ready.slice(i, i + BATCH), products);
    written += ready.length;
  };
  let index: Map<string, number> | undefined;
  for await (const r of rowsOf(ctx.files, ctx.payload)) {
    if (!index) {
      index = headerIndex(spec as ImportSpec<unknown>, r.cells);
      continue;
    }
    const values = valuesOf(spec, index, r);
    const key = values[KEY]?.trim() ?? '';
    const pending = key ? open.get(key) : undefined;
    const { value } = checkRow(spec as ImportSpec<unknown>, pending ? spec.line : spec.row, r.row, values);
    const line = { sku: value.sku, quantity: value.quantity, price: value.price } as LineInput;
    if (pending) {
      pending.lines.push(line);
      pending.left--;
    } else {
      const p: Pending<Item> = { first: value, lines: [line], left: (key ? checked.groups.get(key)! : 1) - 1 };
      if (key) open.set(key, p);
      queue.push(p);
    }
    if (key && open.get(key)!.left === 0) open.delete(key);
    await flush(false);
  }
  await flush(true);
  return written;
}

/**
 * Rows that failed among those read (the header's, "no rows" and "too many rows" are the file's
 * errors), and whether every error is a row's.
 */
function failedRowsOf(checked: Checked) {
  const inRows = checked.errors.filter((e) => e.row > checked.headerRow && e.row <= checked.lastRow);
  return { rows: new Set(inRows.map((e) => e.row)).size, all: inRows.length === checked.errors.length };
}

/** The summary names the rows with an error when every error is a row's. */
const namedRows = (failed: ReturnType<typeof failedRowsOf>) => (failed.all ? failed.rows : undefined);

async function reportErrors(ctx: JobContext<ImportPayload>, checked: Checked, failed: ReturnType<typeof failedRowsOf>) {
  await ctx.db.tx(async (q) => {
    for (let i = 0; i < checked.errors.length; i += ERROR_CHUNK) {
      const last = i + ERROR_CHUNK >= checked.errors.length;
      await ctx.report(
        {
          errors: checked.errors.slice(i, i + ERROR_CHUNK),
          // Every row was checked and none imported: `done` counts imported rows, so every row failed
          // (an import is all or nothing; the errors and the summary say which rows were wrong).
          ...(last
            ? {
                total: checked.rows,
                done: 0,
                failed: checked.rows,
                checkpoint: { refused: checked.errors.length, refusedRows: namedRows(failed) },
              }
            : {}),
        },
        q,
      );
    }
  });
}

/** The job's summary; `rows` when it names them (namedRows). */
const refusal = (n: number, rows?: number) =>
  `The file has ${n} ${n === 1 ? 'error' : 'errors'}${rows ? ` in ${rows} ${rows === 1 ? 'row' : 'rows'}` : ''}: nothing was imported.`;

/**
 * Registers an import job (webhooks-files.md, Imports): the file is read twice as a stream — every
 * row checked by the API's rules first, then, only when none failed, every record written in one
 * transaction through the API's set-based create — so memory holds the errors and the `lead_key`
 * counts, never the file. The outcome is kept in the checkpoint with the writes, so a run that
 * crashed after its commit does not import twice.
 */
export function defineImport<Item>(spec: ImportSpec<Item>) {
  const job = defineJob<ImportPayload>({
    kind: spec.kind,
    label: spec.label,
    lane: 'low',
    retry: { limit: RETRIES, delaySeconds: 10 },
    // On PostgreSQL the lease is renewed beside the writing transaction (the longest gap between
    // renewals during a 100,000-row import was the renewal interval itself: docs/decisions.md, Leases),
    // so a server killed mid-import frees its job within a minute. On PGlite that transaction holds
    // the one connection and no renewal runs before it ends (20 s for 100,000 rows here, 37 s in the
    // crash audit): the registry's ten minutes there (EMBEDDED_LEASE_SECONDS) cover it.
    leaseSeconds: 60,
    async handler(ctx) {
      const done = ctx.progress.checkpoint as { imported?: number; refused?: number; refusedRows?: number } | null;
      try {
        if (done?.imported !== undefined) return importedResult(spec.kind, done.imported);
        if (done?.refused !== undefined) throw new FinalJobError(refusal(done.refused, done.refusedRows), true);
        const checked = await checkFile(spec as ImportSpec<unknown>, ctx);
        if (checked.errors.length > 0) {
          const failed = failedRowsOf(checked);
          await reportErrors(ctx, checked, failed);
          throw new FinalJobError(refusal(checked.errors.length, namedRows(failed)), true);
        }
        await ctx.report({ total: checked.rows });
        const imported = await ctx.db.tx(async (q) => {
          const n = await writeFile(spec, ctx, q, checked);
          await ctx.report({ done: checked.rows, checkpoint: { imported: n } }, q);
          return n;
        });
        await ctx.files.delete(ctx.payload.fileKey);
        return importedResult(spec.kind, imported);
      } catch (err) {
        // The upload stays while another attempt may need it.
        if (err instanceof FinalJobError || ctx.attempt > RETRIES) await ctx.files.delete(ctx.payload.fileKey).catch(() => undefined);
        throw err;
      }
    },
    // Its last run died (crashes used its retries): the upload is not needed any more.
    abandoned: (payload, files) => files.delete(payload.fileKey),
  });
  return { job, spec };
}

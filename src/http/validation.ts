import { Kind, Type, type TSchema, type Static } from '@sinclair/typebox';
import { invalid, type FieldErrors } from './errors.js';
import { zonedHour24, zonedInstant, zonelessInstant } from '../lib/time-zone.js';
import { charLength, count, entries, isInteger, isNumeric, isPhpArray, looseEquals, phpString, trimToNull } from './php-values.js';

/*
 * The TypeBox schemas, read as Laravel rule lists and applied as Laravel 10's validator does
 * (api-v1.md, "Validation errors"): a property in the object's `required` list is `required`,
 * `nullable: true` is `nullable`; then the type rule (`string`, `integer`, `numeric`, `boolean`,
 * `array`, `email`, `date`), `min`/`max` from the size keywords and `in` from `enum`, in that
 * order. Every failing rule adds its message, except that a failed `required` ends the field.
 */

const ATOM = String.raw`[A-Za-z0-9!#$%&'*+/=?^_\x60{|}~\u0080-\uffff-]+`;
const LABEL = String.raw`[A-Za-z0-9\u0080-\uffff](?:[A-Za-z0-9\u0080-\uffff-]{0,61}[A-Za-z0-9\u0080-\uffff])?`;
const QUOTED = String.raw`"(?:[^"\\\r\n]|\\.)*"`;
/** Laravel's `email` (RFC 5322 as egulias reads it, no DNS): `a@b` and `"a b"@c.co` pass, `a..b@c.co` and `a@b_c.co` do not. */
const EMAIL = new RegExp(String.raw`^(?:${ATOM}(?:\.${ATOM})*|${QUOTED})@(?:${LABEL}(?:\.${LABEL})*|\[[^[\]\\\s]*\])$`, 'u');

/** Laravel's `email` rule (the validator's own test: the dashboard, the API and the CLI agree). */
export const isEmail = (s: string) => EMAIL.test(s);

/**
 * Laravel's `date` accepts a calendar date or a date-time, and refuses days a month lacks and year 0.
 * Every date it passes is one PostgreSQL reads (a value reaches SQL as written, `::timestamptz`): an
 * offset beyond ±15:59, PostgreSQL's largest ("time zone displacement out of range"; Date.parse
 * takes up to ±23:59), and hour 24 of 9999-12-31, whose next day is year 10000, are no dates.
 */
export function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})([T ]([\d:.]+?)(Z|[+-](\d{2}):?(\d{2}))?)?$/.exec(s);
  if (!m || Number(m[1]) < 1) return false;
  if (m[7] !== undefined && (Number(m[7]) > 15 || Number(m[8]) > 59)) return false;
  if (s.startsWith('9999-12-31') && m[5] !== undefined && /^24(?::|$)/.test(m[5])) return false;
  // Without a zone, only a time read as a wall clock (UTC, or TIMEZONE on the dashboard), as
  // zonedInstant reads it (hour 24 too, PHP's next day): Date.parse took `2026-12-05 13:` or
  // `2026-12-05 ::` too, and in the server process's own zone.
  if (m[4] && !m[6]) {
    if (zonelessInstant(s, 'UTC') === null) return false;
  } else if (Number.isNaN(Date.parse(zonedHour24(s) ?? s))) return false;
  // Date.parse reads 2026-02-30 as March 2nd; PostgreSQL would refuse it.
  const day = new Date(Date.UTC(2000, Number(m[2]) - 1, Number(m[3])));
  day.setUTCFullYear(Number(m[1]));
  return day.getUTCMonth() === Number(m[2]) - 1 && day.getUTCDate() === Number(m[3]);
}

const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/** An instant in years 1–9999 in UTC: what ISO 8601 writes with four digits, as every answer writes a time. */
export const isStorableInstant = (at: number) => at >= FIRST_INSTANT && at <= LAST_INSTANT;

/**
 * A date a record keeps (a lead's callback: a schema's `stored: true`; a key's expiry and cash received
 * are checked once read in TIMEZONE), not a list filter's bound: a date whose instant is storable. `9999-12-31T23:59:59-14:00` is a date (a
 * filter reads it as an open bound) but none a record keeps: it was answered as `10000-01-01T13:59:59Z`.
 * A zone-less time is read as UTC; the dashboard reads its own in TIMEZONE before.
 */
export function isStoredDate(s: string): boolean {
  return isDate(s) && isStorableInstant(Date.parse(zonedInstant(s, 'UTC').replace(' ', 'T')));
}

/** Laravel's `Str::snake`, which `getDisplayableAttribute` applies before reading underscores as spaces. */
function snake(key: string): string {
  if (/^[a-z]+$/.test(key)) return key;
  const words = key.replace(/(^|\s)(\S)/gu, (_m, space: string, c: string) => space + c.toUpperCase()).replace(/\s+/gu, '');
  return words.replace(/(.)(?=[A-Z])/gu, '$1_').toLowerCase();
}

/**
 * How a key reads in a message: a key inside an array (it has an index segment, `leads.0.full_name`)
 * as sent; any other snake-cased with its underscores as spaces (`payment_method` → `payment method`).
 */
export function displayAttribute(key: string): string {
  return /(^|\.)\d+(\.|$)/.test(key) ? key : snake(key).replace(/_/g, ' ');
}

const attr = displayAttribute;

export const messages = {
  required: (k: string) => `The ${attr(k)} field is required.`,
  string: (k: string) => `The ${attr(k)} field must be a string.`,
  numeric: (k: string) => `The ${attr(k)} field must be a number.`,
  integer: (k: string) => `The ${attr(k)} field must be an integer.`,
  boolean: (k: string) => `The ${attr(k)} field must be true or false.`,
  array: (k: string) => `The ${attr(k)} field must be an array.`,
  email: (k: string) => `The ${attr(k)} field must be a valid email address.`,
  date: (k: string) => `The ${attr(k)} field must be a valid date.`,
  beforeOrEqualNow: (k: string) => `The ${attr(k)} field must be a date before or equal to now.`,
  invalid: (k: string) => `The selected ${attr(k)} is invalid.`,
  minString: (k: string, n: number) => `The ${attr(k)} field must be at least ${n} characters.`,
  maxString: (k: string, n: number) => `The ${attr(k)} field must not be greater than ${n} characters.`,
  minNumber: (k: string, n: number) => `The ${attr(k)} field must be at least ${n}.`,
  maxNumber: (k: string, n: number) => `The ${attr(k)} field must not be greater than ${n}.`,
  minItems: (k: string, n: number) => `The ${attr(k)} field must have at least ${n} items.`,
  maxItems: (k: string, n: number) => `The ${attr(k)} field must not have more than ${n} items.`,
  afterNow: (k: string) => `The ${attr(k)} field must be a date after now.`,
  requiredWithout: (k: string, other: string) => `The ${attr(k)} field is required when ${attr(other)} is not present.`,
  requiredIf: (k: string, other: string, value: string) => `The ${attr(k)} field is required when ${attr(other)} is ${value}.`,
  startsWith: (k: string, ...prefixes: string[]) => `The ${attr(k)} field must start with one of the following: ${prefixes.join(', ')}.`,
  format: (k: string) => `The ${attr(k)} field format is invalid.`,
  prohibits: (k: string, other: string) => `The ${attr(k)} field prohibits ${attr(other)} from being present.`,
  confirmed: (k: string) => `The ${attr(k)} field confirmation does not match.`,
  different: (k: string, other: string) => `The ${attr(k)} field and ${attr(other)} must be different.`,
  decimal: (k: string) => `The ${attr(k)} field must have 0-2 decimal places.`,
  alphaNum: (k: string) => `The ${attr(k)} field must only contain letters and numbers.`,
  unique: (k: string) => `The ${attr(k)} has already been taken.`,
  statusTransition: (from: string, to: string) => `The status cannot change from ${from} to ${to}.`,
};

/** The distinct strings of a list as sent, for the lookup behind checkEachExists (a failed item may be anything). */
export const distinctStrings = (values: unknown): string[] =>
  Array.isArray(values) ? [...new Set(values.filter((v): v is string => typeof v === 'string'))] : [];

/**
 * Laravel's `exists` on each item of a list, keyed at the item's own index in what was sent (not in
 * a deduplicated copy): an item `exists` does not know is `The selected key.i is invalid.`; an item
 * whose `required` failed (null, blank, an empty array: isEmpty) is not checked again, as Laravel
 * stops at a failed required.
 */
export function checkEachExists(bag: ErrorBag, key: string, values: unknown, exists: (v: string) => boolean) {
  if (!Array.isArray(values)) return; // not a list: the schema's own error
  values.forEach((v, i) => {
    const k = `${key}.${i}`;
    // Laravel runs `exists` only on a value without an error yet (hasNotFailedPreviousRuleIfPresenceRule).
    if (v === undefined || isEmpty(v) || (typeof v === 'string' && v.trim() === '') || bag.has(k)) return;
    if (typeof v !== 'string' || !exists(v)) bag.add(k, messages.invalid(k));
  });
}

/**
 * Laravel's `distinct` on a list: every item whose value another item repeats (each copy, not only
 * the later ones) gets `The <key> field has a duplicate value.`; `undefined` values are not compared.
 */
export function checkDistinct(bag: ErrorBag, keyOf: (i: number) => string, values: readonly (string | undefined)[]): void {
  const times = new Map<string, number>();
  for (const v of values) if (v !== undefined) times.set(v, (times.get(v) ?? 0) + 1);
  values.forEach((v, i) => {
    if (v !== undefined && times.get(v)! > 1) bag.add(keyOf(i), `The ${attr(keyOf(i))} field has a duplicate value.`);
  });
}

/** Collects field errors, then answers them in request order: items by index, fields by schema order. */
export class ErrorBag {
  private readonly map = new Map<string, string[]>();

  add(key: string, message: string): void {
    const list = this.map.get(key);
    if (!list) this.map.set(key, [message]);
    else if (!list.includes(message)) list.push(message);
  }

  has(key?: string): boolean {
    return key === undefined ? this.map.size > 0 : this.map.has(key);
  }

  /** Whether `key` failed `required`, which is then its only message (api-v1.md): no rule of codops's own adds one. */
  failedRequired(key: string): boolean {
    return this.map.get(key)?.[0] === messages.required(key);
  }

  get size(): number {
    return this.map.size;
  }

  /** Whether anything was collected under a key that starts with `prefix`. */
  hasUnder(prefix: string): boolean {
    for (const key of this.map.keys()) if (key.startsWith(prefix)) return true;
    return false;
  }

  /** Whether anything was collected under a key that does not start with `prefix`. */
  hasOutside(prefix: string): boolean {
    for (const key of this.map.keys()) if (!key.startsWith(prefix)) return true;
    return false;
  }

  /**
   * Keeps the first `max` keys under `prefix` (in the answer's order), the last of them saying how
   * many more there were: for a page that quotes a file's lines back, not for the API.
   */
  capUnder(prefix: string, max: number, more: (n: number) => string): void {
    const keys = [...this.map.keys()].filter((k) => k.startsWith(prefix));
    if (keys.length <= max) return;
    keys.sort((a, b) => compareRanks(sortKey(a, undefined), sortKey(b, undefined)));
    for (const k of keys.slice(max)) this.map.delete(k);
    this.add(keys[max - 1], more(keys.length - max));
  }

  toJSON(schema?: TSchema): FieldErrors {
    const keys = [...this.map.keys()];
    const rank = new Map(keys.map((k) => [k, sortKey(k, schema)]));
    keys.sort((a, b) => compareRanks(rank.get(a)!, rank.get(b)!));
    return Object.fromEntries(keys.map((k) => [k, this.map.get(k)!]));
  }

  /** Throws the 422 error when anything was collected. */
  throwIfAny(schema?: TSchema): void {
    if (this.size > 0) throw invalid(this.toJSON(schema));
  }
}

function sortKey(key: string, schema: TSchema | undefined): number[] {
  let node: TSchema | undefined = schema;
  return key.split('.').map((seg) => {
    if (/^\d+$/.test(seg)) {
      node = node?.items as TSchema | undefined;
      return Number(seg);
    }
    const props = node?.properties as Record<string, TSchema> | undefined;
    const names = props ? Object.keys(props) : [];
    node = props?.[seg];
    const i = names.indexOf(seg);
    return i < 0 ? names.length : i;
  });
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * When a field is checked (Laravel's presence rules): `required`; `sometimes|required` (may be left
 * out, sent it must be filled); `nullable` (null passes and is kept); `optional`, codops' reading of
 * an optional field that is not nullable (null counts as not sent); `present`, no presence rule at
 * all (left out it passes, sent even as null every rule is checked).
 */
type Presence = 'required' | 'sometimes-required' | 'nullable' | 'optional' | 'present';
const PRESENCE = Symbol('laravel.presence');

const withPresence = <T extends TSchema>(schema: T, p: Presence) => Type.Optional({ ...schema, [PRESENCE]: p } as T);

/** Laravel's `sometimes|required`: the field may be left out; sent as null, blank or empty it reads "is required.". */
export const sometimesRequired = <T extends TSchema>(schema: T) => withPresence(schema, 'sometimes-required');

/** A field without a presence rule (Laravel's bare `string|min:1`): left out it passes; sent, even as null, every rule is checked. */
export const whenPresent = <T extends TSchema>(schema: T) => withPresence(schema, 'present');

const CONFIRMED = Symbol('laravel.confirmed');

/** Laravel's `confirmed`, the field's last rule: `<name>_confirmation` beside it must hold the same value. */
export const confirmed = <T extends TSchema>(schema: T): T => ({ ...schema, [CONFIRMED]: true }) as T;

const ALPHA_NUM = Symbol('laravel.alphaNum');

/** Laravel's `alpha_num:ascii`: ASCII letters and digits only (an IBAN or a RIB), told beside the field's other failed rules. */
export const alphaNumAscii = <T extends TSchema>(schema: T): T => ({ ...schema, [ALPHA_NUM]: true }) as T;

const TWO_DECIMALS = Symbol('laravel.decimal');

/**
 * Laravel's `decimal:0,2`, money's rule (finance.md: every amount has two decimals): more decimals are
 * refused, never rounded. Checked on a value that passed the field's other rules.
 */
export const twoDecimals = <T extends TSchema>(schema: T): T => ({ ...schema, [TWO_DECIMALS]: true }) as T;

/**
 * The decimal places Laravel's `decimal` counts: in the text sent (`"12.340"` has 3), or in a JSON
 * number as PHP prints a float, to 14 significant digits (`0.1 + 0.2` has 1, `12.340000001` has 9);
 * a number printed with an exponent (`1e-7`) fails the rule.
 */
function decimalPlaces(v: unknown): number {
  const text = typeof v === 'number' ? String(Number(v.toPrecision(14))) : phpString(v);
  const m = /^[+-]?\d*\.?(\d*)$/.exec(text);
  return m ? m[1].length : Infinity;
}

const REQUIRED_WITHOUT = Symbol('laravel.requiredWithout');

/**
 * Laravel's `required_without:<other>`, the field's first rule: when the sibling `other` is missing
 * (left out, null, blank or empty), this field must be filled, and failing that it is checked no further.
 */
export const requiredWithout = <T extends TSchema>(schema: T, other: string): T => ({ ...schema, [REQUIRED_WITHOUT]: other }) as T;

interface Rule {
  /** `size` is the value's size for `min`/`max` (Laravel's `getSize`), measured once per field. */
  passes: (v: unknown, size: number) => boolean;
  message: (key: string) => string;
}

interface Field {
  presence: Presence;
  rules: Rule[];
  /** The value the service receives once the type rule passed (`"5"` → 5, `"1"` → true). */
  cast?: (v: unknown) => unknown;
  typeRule?: Rule;
  /** Measured by its value when the field has a numeric or integer rule; undefined without size rules. */
  sizedAsNumber?: boolean;
  /** Laravel's `confirmed`: compared with `<name>_confirmation` beside it. */
  confirmed?: boolean;
  /** Laravel's `required_without`: the sibling whose absence makes this field required. */
  requiredWithout?: string;
  /** Laravel's `decimal:0,2` (twoDecimals). */
  twoDecimals?: boolean;
  /** Laravel's `alpha_num:ascii` (alphaNumAscii). */
  alphaNum?: boolean;
  props?: [string, Field][];
  items?: Field;
}

const ABSENT = Symbol('absent');

/** Laravel's `same` after its input middleware: strict equality of the trimmed values (blank is null). */
const sameAs = (v: unknown, other: unknown) => v === (typeof other === 'string' ? trimToNull(other) : (other ?? null));

/** Laravel's `required`: null, an empty or blank string (already null here), an empty array. */
const isEmpty = (v: unknown) => v === null || (isPhpArray(v) && count(v) === 0);

/** Fails Laravel's `required`: left out, or null, blank or empty (what `required_without` reads as not present). */
const missing = (v: unknown) => v === undefined || isEmpty(typeof v === 'string' ? trimToNull(v) : v);

/** `getSize`: the value itself for a numeric field given a number, a count for an array, else the length in characters. */
function size(v: unknown, numericField: boolean): number {
  if (numericField && isNumeric(v)) return Number(v);
  if (isPhpArray(v)) return count(v);
  return charLength(phpString(v));
}

const UNSUPPORTED = [
  'pattern',
  'const',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'multipleOf',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'uniqueItems',
];

function typeRule(s: TSchema): [Rule, ((v: unknown) => unknown)?] {
  const rule = (passes: Rule['passes'], message: Rule['message']): Rule => ({ passes, message });
  switch (s[Kind]) {
    case 'String':
      if (s.format === 'email') return [rule((v) => typeof v === 'string' && EMAIL.test(v), messages.email)];
      if (s.format === 'laravel-date') {
        const valid = s.stored === true ? isStoredDate : isDate;
        return [rule((v) => typeof v === 'string' && valid(v), messages.date)];
      }
      if (s.format !== undefined) break;
      return [rule((v) => typeof v === 'string', messages.string)];
    case 'Integer':
      return [rule(isInteger, messages.integer), (v) => (typeof v === 'number' ? v : v === true ? 1 : Number(v) || 0)];
    case 'Number':
      return [rule(isNumeric, messages.numeric), (v) => Number(v)];
    case 'Boolean':
      return [rule((v) => [true, false, 0, 1, '0', '1'].includes(v as never), messages.boolean), (v) => v === true || v === 1 || v === '1'];
    case 'Array':
    case 'Object':
      // An object where codops expects one is a PHP array too; a scalar in its place is reported here only.
      return [rule(isPhpArray, messages.array)];
  }
  throw new Error(`validation: unsupported schema ${String(s[Kind])}${s.format ? ` (format ${String(s.format)})` : ''}`);
}

function fieldOf(s: TSchema, presence: Presence): Field {
  const bad = UNSUPPORTED.find((k) => k in s);
  if (bad) throw new Error(`validation: unsupported keyword ${bad}`);
  const [type, cast] = typeRule(s);
  const rules = [type];
  const kind = s[Kind] as string;
  const numeric = kind === 'Integer' || kind === 'Number';
  const [min, max] = numeric ? [s.minimum, s.maximum] : kind === 'Array' ? [s.minItems, s.maxItems] : [s.minLength, s.maxLength];
  const [minMessage, maxMessage] = numeric
    ? [messages.minNumber, messages.maxNumber]
    : kind === 'Array'
      ? [messages.minItems, messages.maxItems]
      : [messages.minString, messages.maxString];
  if (typeof min === 'number') rules.push({ passes: (_v, n) => n >= min, message: (k) => minMessage(k, min) });
  if (typeof max === 'number') rules.push({ passes: (_v, n) => n <= max, message: (k) => maxMessage(k, max) });
  if (Array.isArray(s.enum)) {
    const allowed = s.enum.map(phpString);
    rules.push({ passes: (v) => !isPhpArray(v) && allowed.some((a) => looseEquals(phpString(v), a)), message: messages.invalid });
  }
  const sized = typeof min === 'number' || typeof max === 'number';
  const field: Field = { presence, rules, cast, typeRule: type, sizedAsNumber: sized ? numeric : undefined, confirmed: CONFIRMED in s };
  if (REQUIRED_WITHOUT in s) field.requiredWithout = s[REQUIRED_WITHOUT] as string;
  if (TWO_DECIMALS in s) field.twoDecimals = true;
  if (ALPHA_NUM in s) field.alphaNum = true;
  if (kind === 'Object') field.props = propsOf(s);
  if (kind === 'Array') {
    const items = s.items as TSchema;
    // An item is there by definition: a missing value in a list is a null one.
    field.items = fieldOf(items, items[Kind] === 'Object' ? 'present' : 'required');
  }
  return field;
}

function propsOf(s: TSchema): [string, Field][] {
  const required = new Set((s.required as string[] | undefined) ?? []);
  return Object.entries(s.properties as Record<string, TSchema>).map(([name, p]) => {
    const presence: Presence = required.has(name)
      ? 'required'
      : ((p as { [PRESENCE]?: Presence })[PRESENCE] ?? (p.nullable ? 'nullable' : 'optional'));
    return [name, fieldOf(p, presence)];
  });
}

/**
 * Checks one field's value under `key`; answers the value for the service, or ABSENT when it counts as
 * not sent. `siblings` is the object holding it (for `confirmed`).
 */
function check(f: Field, raw: unknown, key: string, bag: ErrorBag, siblings?: Record<string, unknown>): unknown {
  if (f.requiredWithout !== undefined && missing(raw) && missing(siblings?.[f.requiredWithout])) {
    bag.add(key, messages.requiredWithout(key, key.slice(0, key.lastIndexOf('.') + 1) + f.requiredWithout));
    return ABSENT;
  }
  if (raw === undefined) {
    if (f.presence === 'required') bag.add(key, messages.required(key));
    return ABSENT;
  }
  const v = typeof raw === 'string' ? trimToNull(raw) : raw;
  if (v === null && f.presence === 'optional') return ABSENT;
  if (v === null && f.presence === 'nullable') return null;
  if ((f.presence === 'required' || f.presence === 'sometimes-required') && isEmpty(v)) {
    bag.add(key, messages.required(key));
    return v;
  }
  let typed = true;
  let passed = true;
  const n = f.sizedAsNumber === undefined ? 0 : size(v, f.sizedAsNumber);
  for (const rule of f.rules) {
    if (rule.passes(v, n)) continue;
    bag.add(key, rule.message(key));
    passed = false;
    if (rule === f.typeRule) typed = false;
  }
  if (f.twoDecimals && passed && decimalPlaces(v) > 2) bag.add(key, messages.decimal(key));
  if (f.alphaNum && typeof v === 'string' && !/^[A-Za-z0-9]+$/.test(v)) bag.add(key, messages.alphaNum(key));
  if (f.confirmed && !sameAs(v, siblings?.[`${key.slice(key.lastIndexOf('.') + 1)}_confirmation`])) bag.add(key, messages.confirmed(key));
  if (!isPhpArray(v)) return typed && f.cast ? f.cast(v) : v;
  if (f.props) return checkProps(f.props, v, `${key}.`, bag);
  const items = f.items;
  if (!items) return v;
  if (Array.isArray(v)) return v.map((item, i) => check(items, item, `${key}.${i}`, bag));
  return entries(v).map(([i, item]) => check(items, item, `${key}.${i}`, bag));
}

/** The declared fields only (Laravel's `validated()`): a field the schema does not name never reaches a service. */
function checkProps(props: [string, Field][], v: object, prefix: string, bag: ErrorBag): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of props) {
    const sent = Object.hasOwn(v, name);
    const value = check(field, sent ? (v as Record<string, unknown>)[name] : undefined, prefix + name, bag, v as Record<string, unknown>);
    if (value !== ABSENT) out[name] = value;
  }
  return out;
}

const plans = new WeakMap<TSchema, [string, Field][]>();

function planOf(schema: TSchema): [string, Field][] {
  let plan = plans.get(schema);
  if (!plan) {
    if (schema[Kind] !== 'Object') throw new Error('validation: a body or query schema is an object');
    plan = propsOf(schema);
    plans.set(schema, plan);
  }
  return plan;
}

/** Checks `input` against `schema` into `bag`, answering the value the service receives (trimmed, cast, nulls dropped). */
function run(schema: TSchema, input: unknown, bag: ErrorBag): Record<string, unknown> {
  return checkProps(planOf(schema), isPhpArray(input) ? input : {}, '', bag);
}

export interface Validator<S extends TSchema> {
  schema: S;
  /** Normalises and validates; the errors land in `bag` and the normalised value is returned. */
  check(input: unknown, bag: ErrorBag): Static<S>;
}

export function compile<S extends TSchema>(schema: S): Validator<S> {
  planOf(schema);
  return { schema, check: (input, bag) => run(schema, input, bag) as Static<S> };
}

/** Validates alone: throws the 422 error with every message, or returns the normalised value. */
export function validate<S extends TSchema>(v: Validator<S>, input: unknown): Static<S> {
  const bag = new ErrorBag();
  const value = v.check(input, bag);
  bag.throwIfAny(v.schema);
  return value;
}

export type { FieldErrors };

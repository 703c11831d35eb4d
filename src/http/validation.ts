import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema, Static } from '@sinclair/typebox';
import { invalid, type FieldErrors } from './errors.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false });
addFormats(ajv);
// Laravel's `date` accepts a calendar date or a date-time, and refuses days a month lacks and year 0
// (Date.parse reads 2026-02-30 as March 2nd; PostgreSQL would refuse both).
ajv.addFormat('laravel-date', {
  type: 'string',
  validate: (s: string) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
    if (!m || Number(m[1]) < 1 || Number.isNaN(Date.parse(s))) return false;
    const day = new Date(Date.UTC(2000, Number(m[2]) - 1, Number(m[3])));
    day.setUTCFullYear(Number(m[1]));
    return day.getUTCMonth() === Number(m[2]) - 1 && day.getUTCDate() === Number(m[3]);
  },
});

/** Laravel shows an attribute as its key with underscores read as spaces. */
const attr = (key: string) => key.replace(/_/g, ' ');

export const messages = {
  required: (k: string) => `The ${attr(k)} field is required.`,
  string: (k: string) => `The ${attr(k)} field must be a string.`,
  numeric: (k: string) => `The ${attr(k)} field must be a number.`,
  integer: (k: string) => `The ${attr(k)} field must be an integer.`,
  boolean: (k: string) => `The ${attr(k)} field must be true or false.`,
  array: (k: string) => `The ${attr(k)} field must be an array.`,
  email: (k: string) => `The ${attr(k)} field must be a valid email address.`,
  date: (k: string) => `The ${attr(k)} field must be a valid date.`,
  invalid: (k: string) => `The selected ${attr(k)} is invalid.`,
  minString: (k: string, n: number) => `The ${attr(k)} field must be at least ${n} characters.`,
  maxString: (k: string, n: number) => `The ${attr(k)} field must not be greater than ${n} characters.`,
  minNumber: (k: string, n: number) => `The ${attr(k)} field must be at least ${n}.`,
  maxNumber: (k: string, n: number) => `The ${attr(k)} field must not be greater than ${n}.`,
  minItems: (k: string, n: number) => `The ${attr(k)} field must have at least ${n} items.`,
  maxItems: (k: string, n: number) => `The ${attr(k)} field must not have more than ${n} items.`,
  statusTransition: (from: string, to: string) => `The status cannot change from ${from} to ${to}.`,
};

function keyOf(instancePath: string, child?: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  return parts.join('.');
}

function translate(e: ErrorObject): [string, string] | undefined {
  const p = e.params as Record<string, unknown>;
  const key = keyOf(e.instancePath);
  switch (e.keyword) {
    case 'required':
      return [keyOf(e.instancePath, String(p.missingProperty)), messages.required(keyOf(e.instancePath, String(p.missingProperty)))];
    case 'type': {
      const t = String(p.type).split(',')[0];
      const m = { string: messages.string, number: messages.numeric, integer: messages.integer, boolean: messages.boolean }[t];
      return [key, (m ?? messages.array)(key)];
    }
    case 'minLength':
      return [key, messages.minString(key, Number(p.limit))];
    case 'maxLength':
      return [key, messages.maxString(key, Number(p.limit))];
    case 'minimum':
      return [key, messages.minNumber(key, Number(p.limit))];
    case 'maximum':
      return [key, messages.maxNumber(key, Number(p.limit))];
    case 'minItems':
      return [key, messages.minItems(key, Number(p.limit))];
    case 'maxItems':
      return [key, messages.maxItems(key, Number(p.limit))];
    case 'format':
      return [key, p.format === 'email' ? messages.email(key) : messages.date(key)];
    case 'enum':
    case 'const':
      return [key, messages.invalid(key)];
    default:
      return undefined; // combinators repeat what their branches already said
  }
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

  get size(): number {
    return this.map.size;
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
 * Laravel's input conventions, applied before validation: strings are trimmed, empty strings are
 * null; a null where null is not allowed counts as absent; numeric strings become numbers where a
 * number is expected, and "1"/"0"/"true"/"false" booleans where a boolean is.
 */
export function normalize(schema: TSchema, value: unknown): unknown {
  if (typeof value === 'string') {
    const s = value.trim();
    if (s === '') return null;
    const t = schema.type;
    if ((t === 'number' || t === 'integer') && /^-?\d+(\.\d+)?$/.test(s)) return Number(s);
    if (t === 'boolean' && ['1', '0', 'true', 'false'].includes(s)) return s === '1' || s === 'true';
    return s;
  }
  if (schema.type === 'boolean' && (value === 1 || value === 0)) return value === 1;
  if (Array.isArray(value) && schema.type === 'array' && schema.items) {
    return value.map((v) => normalize(schema.items as TSchema, v));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && schema.properties) {
    const props = schema.properties as Record<string, TSchema>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const sub = props[k];
      if (!sub) {
        out[k] = v;
        continue;
      }
      const n = normalize(sub, v);
      if (n === null && !sub.nullable) continue;
      out[k] = n;
    }
    return out;
  }
  return value;
}

export interface Validator<S extends TSchema> {
  schema: S;
  /** Normalises and validates; the errors land in `bag` and the normalised value is returned. */
  check(input: unknown, bag: ErrorBag): Static<S>;
}

export function compile<S extends TSchema>(schema: S): Validator<S> {
  const fn: ValidateFunction = ajv.compile(schema);
  return {
    schema,
    check(input, bag) {
      const root = input !== null && typeof input === 'object' && !Array.isArray(input) ? input : {};
      const value = normalize(schema, root);
      if (!fn(value)) {
        for (const e of fn.errors ?? []) {
          const t = translate(e);
          if (t) bag.add(t[0], t[1]);
        }
      }
      return value as Static<S>;
    },
  };
}

/** Validates alone: throws the 422 error with every message, or returns the normalised value. */
export function validate<S extends TSchema>(v: Validator<S>, input: unknown): Static<S> {
  const bag = new ErrorBag();
  const value = v.check(input, bag);
  bag.throwIfAny(v.schema);
  return value;
}

export type { FieldErrors };

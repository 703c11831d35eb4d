import type { FastifyRequest } from 'fastify';
import { invalid, notFound, type FieldErrors } from './errors.js';
import { displayAttribute } from './validation.js';

// C0 controls other than tab, line feed and carriage return (browsers send textarea lines as CRLF).
// PostgreSQL refuses NUL in text outright; the others are never meant in a name, a phone or a search.
const CONTROL_CLASS = '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F]';
const CONTROL = new RegExp(CONTROL_CLASS);
const CONTROLS = new RegExp(CONTROL_CLASS, 'g');
// The same characters as a JSON text escapes them (JSON cannot carry them raw): a body without one
// of these, the common case, needs no walk through its values.
const JSON_CONTROL_ESCAPE = /\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F])|\\[bf]/;

/** Whether the text holds a control character every input path refuses (the CLI's options too). */
export const hasControlCharacters = (s: string) => CONTROL.test(s);

/** The text without its control characters (what a form shows back after refusing it). */
export const withoutControlCharacters = (s: string) => s.replace(CONTROLS, '');

export const controlCharacterMessage = (key: string) => `The ${displayAttribute(key)} field must not contain control characters.`;

// Plain objects, and the null-prototype ones the query and form parsers make (Uploads and Buffers are skipped).
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

/** Dot paths of every string (key or value) holding a control character, in document order. */
function findControlCharacters(value: unknown, path: string, out: string[]): void {
  if (typeof value === 'string') {
    if (CONTROL.test(value)) out.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => findControlCharacters(v, path ? `${path}.${i}` : String(i), out));
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const key = path ? `${path}.${k}` : k;
      // The key is named with its controls written out (`\u0000`): an error never carries them raw.
      if (CONTROL.test(k)) out.push(key.replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
      else findControlCharacters(v, key, out);
    }
  }
}

const isForm = (req: FastifyRequest) => /application\/x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? ''));

/**
 * A form's raw keys by the dot paths its fields are answered at once nested (web/form-body.ts):
 * `customHeaders[0][key]` is `customHeaders.0.key`, each value of `eventTypes[]` `eventTypes.<i>`.
 */
function findInFormKeys(body: unknown, out: string[]): void {
  if (!isPlainObject(body)) return findControlCharacters(body, '', out);
  for (const [key, value] of Object.entries(body)) {
    const list = key.endsWith('[]');
    const path = key.replace(/\[\]$/, '').replace(/\[([^\]]*)\]/g, '.$1');
    if (CONTROL.test(key)) findControlCharacters({ [path]: value }, '', out);
    else findControlCharacters(list && !Array.isArray(value) ? [value] : value, path, out);
  }
}

/**
 * Refuses control characters in any text a request carries, before a handler (and SQL) sees it:
 * the query and the body answer the spec's 422, a path parameter 404 (no resource has such a name).
 */
export async function rejectControlCharacters(req: FastifyRequest): Promise<void> {
  const paths: string[] = [];
  findControlCharacters(req.query, '', paths);
  if (isForm(req)) findInFormKeys(req.body, paths);
  else if (typeof req.rawBody !== 'string' || JSON_CONTROL_ESCAPE.test(req.rawBody)) findControlCharacters(req.body, '', paths);
  if (paths.length > 0) {
    const errors: FieldErrors = {};
    for (const p of paths) errors[p] = [controlCharacterMessage(p)];
    throw invalid(errors);
  }
  const params: string[] = [];
  findControlCharacters(req.params, '', params);
  if (params.length > 0) throw notFound();
}

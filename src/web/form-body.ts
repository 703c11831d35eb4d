import type { FastifyRequest } from 'fastify';

type Node = unknown;

const isForm = (req: FastifyRequest) => /application\/x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? ''));

/** `a[0][startTime]` → ['a', '0', 'startTime']; `a[]` → ['a', '']. */
function segments(key: string): string[] {
  const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!m) return [key];
  const rest = [...m[2].matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1]);
  return [m[1], ...rest];
}

function put(target: Record<string, Node>, path: string[], value: unknown) {
  const [head, ...tail] = path;
  if (tail.length === 0) {
    target[head] = value;
    return;
  }
  if (tail[0] === '' && tail.length === 1) {
    // `name[]`: always an array, even for one value
    const prev = target[head];
    target[head] = (Array.isArray(prev) ? prev : []).concat(value);
    return;
  }
  if (target[head] === null || typeof target[head] !== 'object' || Array.isArray(target[head])) target[head] = {};
  const container = target[head] as Record<string, Node>;
  if (/^\d+$/.test(tail[0])) container.__list = true;
  put(container, tail, value);
}

/** Indexed objects (`{__list, 0: …, 1: …}`) become arrays in index order; empty entries are dropped. */
function finish(node: Node): Node {
  if (Array.isArray(node)) return node.filter((v) => !(typeof v === 'string' && v.trim() === '')).map(finish);
  if (node && typeof node === 'object') {
    const obj = node as Record<string, Node>;
    if (obj.__list) {
      return Object.keys(obj)
        .filter((k) => k !== '__list')
        .sort((a, b) => Number(a) - Number(b))
        .map((k) => finish(obj[k]))
        .filter((v) => !isBlank(v));
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, finish(v)]));
  }
  return node;
}

/** A row of a repeated group left empty (e.g. a blank working-hours line). */
function isBlank(v: Node): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (typeof v === 'object' && !Array.isArray(v)) return Object.values(v as object).every(isBlank);
  return false;
}

/**
 * The body of a dashboard write in the JSON shape, so one schema validates JSON and HTML forms:
 * form keys `name[]` become arrays (a lone value too; empty values dropped, so a hidden empty
 * `name[]` sends "none selected"), `name[0][key]` arrays of objects (blank rows dropped); `_token`
 * and `_method` are removed. `req.body` is replaced by the result, so a failed validation refills
 * the form from the same shape.
 */
export function formBody(req: FastifyRequest): Record<string, unknown> {
  const raw = req.body;
  const out: Record<string, unknown> = {};
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    if (isForm(req)) {
      for (const [key, value] of Object.entries(raw)) {
        if (key === '_token' || key === '_method') continue;
        const path = segments(key);
        const values = Array.isArray(value) ? value : [value];
        if (path.length === 1) out[key] = Array.isArray(value) ? value[value.length - 1] : value;
        else for (const v of values) put(out, path, v);
      }
      for (const k of Object.keys(out)) out[k] = finish(out[k]);
    } else {
      for (const [key, value] of Object.entries(raw)) if (key !== '_token' && key !== '_method') out[key] = value;
    }
  }
  req.body = out;
  return out;
}

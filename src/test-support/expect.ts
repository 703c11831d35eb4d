import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { Role } from '../core/roles.js';
import type { TestApp } from './harness.js';
import { person, type Person } from './people.js';
import { login, type Agent } from './session.js';

export const FORBIDDEN = { message: 'This action is unauthorized.' };
export const NOT_FOUND = { message: 'Resource not found.' };
export const INVALID = 'The given data was invalid.';

/** A JSON answer with this status (and this body, when given). */
export function expectJson(res: LightMyRequestResponse, status: number, body?: unknown, what = '') {
  assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 500)}`);
  assert.match(String(res.headers['content-type']), /^application\/json/, what);
  if (body !== undefined) assert.deepEqual(res.json(), body, what);
}

/** The 422 answer with exactly these field errors. */
export const expectInvalid = (res: LightMyRequestResponse, errors: Record<string, string[]>, what = '') =>
  expectJson(res, 422, { message: INVALID, errors }, what);

/** A 302 to `location`. */
export function redirectsTo(res: LightMyRequestResponse, location: string) {
  assert.equal(res.statusCode, 302, res.body);
  assert.equal(res.headers.location, location);
}

/** One signed-in person of each role ("The <role>"); the seller in `sellerAccountId` when given. */
export async function signInEach(t: TestApp, roles: readonly Role[], sellerAccountId?: string) {
  const people = {} as Record<Role, Person>;
  const as = {} as Record<Role, Agent>;
  for (const role of roles) {
    people[role] = await person(t.db, role, { fullName: `The ${role}`, accountId: role === 'seller' ? sellerAccountId : undefined });
    as[role] = await login(t.app, people[role].email);
  }
  return { people, as };
}

/** The messages a page shows under a field (`<ul class="field-errors" id="<id>-error">`), unescaped. */
export function fieldErrors(html: string, id: string): string[] {
  const m = new RegExp(`<ul class="field-errors" id="${id}-error">(.*?)</ul>`, 's').exec(html);
  return m ? [...m[1].matchAll(/<li>(.*?)<\/li>/g)].map((x) => x[1].replace(/&#39;/g, "'")) : [];
}

/** The messages of a page's error box (errors no field of the page shows), unescaped. */
export function pageErrors(html: string): string[] {
  const m = /<div class="flash flash-error" role="alert"><ul class="plain-list">(.*?)<\/ul>/s.exec(html);
  return m ? [...m[1].matchAll(/<li>(.*?)<\/li>/g)].map((x) => x[1].replace(/&#39;/g, "'")) : [];
}

/**
 * A list page's controls (dashboard.md: a search box, filters, sortable headers): the search's
 * label, a select per filter, and each sort's header link keeping the page's query `url`.
 */
export function expectListControls(html: string, url: string, p: { search: string; filters: string[]; sorts: string[] }) {
  assert.match(html, new RegExp(`<label for="f-search">${p.search}</label>`));
  for (const f of p.filters) assert.match(html, new RegExp(`<select[^>]*name="${f}"`), f);
  const link = url.replace(/\?/, '\\?').replace(/&/g, '&amp;');
  for (const sort of p.sorts) assert.match(html, new RegExp(`href="${link}&amp;sort=${sort}&amp;direction=asc"`), sort);
}

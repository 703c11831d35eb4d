import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { FieldErrors } from '../http/errors.js';
import type { WebUser } from './types.js';

/** What every component of a page may read: the user, the CSRF token, flash, errors and old input. */
export interface PageCtx {
  user?: WebUser;
  csrf: string;
  flash: { success?: string; error?: string };
  errors: FieldErrors;
  old: Record<string, unknown>;
  url: URL;
}

export const PageContext = createContext<PageCtx>({ csrf: '', flash: {}, errors: {}, old: {}, url: new URL('http://localhost/') });
export const usePage = () => useContext(PageContext);

/** The values a refused form had ticked in its `name[]` checkboxes (a list's rows), to tick them again. */
export function useOldTicked(name: string): Set<string> {
  const ticked = usePage().old[name];
  return new Set(Array.isArray(ticked) ? ticked.map(String) : []);
}

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

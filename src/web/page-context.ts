import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { FieldErrors } from '../http/errors.js';
import type { WebUser } from './types.js';

/**
 * A page's field errors, read only through here: a key read by a field is marked shown, and the
 * layout's flash says the messages no field showed (a forged hidden field, a row gone since), so a
 * refused form is never silent. The page renders its body before the layout (web/page.tsx).
 */
export class PageErrors {
  private readonly shown = new Set<string>();
  constructor(private readonly all: FieldErrors = {}) {}

  /** The messages of `key` ([] when none), shown beside its field. */
  of(key: string): string[] {
    const messages = this.all[key];
    if (!messages) return [];
    this.shown.add(key);
    return messages;
  }

  /** The messages of every key `test` accepts (the items of an array field), shown together. */
  where(test: (key: string) => boolean): string[] {
    return Object.keys(this.all)
      .filter(test)
      .flatMap((k) => this.of(k));
  }

  /** Whether any key `test` accepts holds a message, without showing it. */
  some(test: (key: string) => boolean): boolean {
    return Object.keys(this.all).some(test);
  }

  /** The messages no field showed, in the order they came. */
  unshown(): string[] {
    return Object.entries(this.all)
      .filter(([k]) => !this.shown.has(k))
      .flatMap(([, list]) => list);
  }
}

/** What every component of a page may read: the user, the CSRF token, flash, errors and old input. */
export interface PageCtx {
  user?: WebUser;
  csrf: string;
  flash: { success?: string; error?: string };
  errors: PageErrors;
  old: Record<string, unknown>;
  url: URL;
}

export const PageContext = createContext<PageCtx>({
  csrf: '',
  flash: {},
  errors: new PageErrors(),
  old: {},
  url: new URL('http://localhost/'),
});
export const usePage = () => useContext(PageContext);

/** The values a refused form had ticked in its `name[]` checkboxes (a list's rows), to tick them again. */
export function useOldTicked(name: string): Set<string> {
  const ticked = usePage().old[name];
  return new Set(Array.isArray(ticked) ? ticked.map(String) : []);
}

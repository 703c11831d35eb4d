import type { FastifyRequest } from 'fastify';

/**
 * The query string of a dashboard request as a plain record. Fastify's parser always gives an
 * object; it is typed here once so that handlers read their input without casts.
 */
export function queryRecord(req: FastifyRequest): Record<string, unknown> {
  const query: unknown = req.query;
  return query !== null && typeof query === 'object' ? Object.fromEntries(Object.entries(query)) : {};
}

/** One query parameter given once, as text (a form's prefill, e.g. `?account_id=`); anything else is ignored. */
export function queryText(req: FastifyRequest, key: string): string | undefined {
  const value = queryRecord(req)[key];
  return typeof value === 'string' ? value : undefined;
}

/** The page's address as its handler read the query: a plain key given twice keeps its last value (http/query-string.ts). */
export function pageUrl(req: FastifyRequest): URL {
  const url = new URL(req.url, 'http://localhost');
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    if (all.length > 1 && key.indexOf('[') <= 0) url.searchParams.set(key, all[all.length - 1]);
  }
  return url;
}

import { parse } from 'fast-querystring';

/**
 * The query string as PHP reads it for bracketed keys: `status[]=a` and `status[x]=a` give `status`
 * an array, so a filter sent the PHP way meets the field's own validation (`The status field must
 * be a string.`) instead of being an unknown key, silently ignored. Other keys as find-my-way parses them.
 */
export function parseQuery(raw: string): Record<string, unknown> {
  const query = parse(raw) as Record<string, unknown>;
  for (const key of Object.keys(query)) {
    const open = key.indexOf('[');
    if (open <= 0) continue;
    const base = key.slice(0, open);
    const prior = query[base];
    query[base] = (Array.isArray(prior) ? prior : []).concat(query[key]);
    delete query[key];
  }
  return query;
}

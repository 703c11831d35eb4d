import { parse } from 'fast-querystring';

/**
 * The query string as PHP's parser reads it, pair by pair in order: a plain key given twice keeps
 * its last value (`status=new&status=confirmed` is `status=confirmed`), and a bracketed key makes
 * an array (`status[]=a`, `status[x]=a`), so a filter sent the PHP way meets the field's own
 * validation (`The status field must be a string.`) instead of being an unknown key, silently ignored.
 * Keys and values are decoded by find-my-way's own parser.
 */
export function parseQuery(raw: string): Record<string, unknown> {
  const query = parse(raw) as Record<string, unknown>;
  let plain = true;
  for (const key in query) if (key.indexOf('[') > 0 || Array.isArray(query[key])) plain = false;
  if (plain) return query;
  // parse('') for fast-querystring's prototype-less object, as `query` is: `__proto__[]=a` stays a plain key.
  const php = parse('') as Record<string, unknown>;
  for (const pair of raw.split('&')) {
    for (const [key, value] of Object.entries(parse(pair) as Record<string, string>)) {
      const open = key.indexOf('[');
      if (open <= 0) {
        php[key] = value;
        continue;
      }
      const base = key.slice(0, open);
      const prior = php[base];
      if (Array.isArray(prior)) prior.push(value);
      else php[base] = [value];
    }
  }
  return php;
}

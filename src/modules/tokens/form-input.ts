/**
 * An HTML form's body in the JSON shape the validators expect: `scopes[]=A&scopes[]=B` (or a single
 * `scopes[]=A`) becomes `scopes: ["A", "B"]`. JSON bodies pass through unchanged.
 */
export function formInput(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.endsWith('[]')) {
      const name = key.slice(0, -2);
      out[name] = ([] as unknown[]).concat(out[name] ?? [], value);
    } else out[key] = value;
  }
  return out;
}

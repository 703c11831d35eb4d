// Building WHERE clauses with numbered parameters.

/** Collects WHERE conditions with numbered parameters. */
export class Where {
  readonly params: unknown[] = [];
  private readonly conds: string[] = [];

  param(v: unknown): string {
    this.params.push(v);
    return `$${this.params.length}`;
  }

  and(cond: string): this {
    this.conds.push(cond);
    return this;
  }

  toString(): string {
    return this.conds.length ? `WHERE ${this.conds.join(' AND ')}` : '';
  }
}

/** A LIKE pattern matching `s` anywhere, with its wildcards escaped. */
export const contains = (s: string) => `%${s.replace(/[\\%_]/g, (c) => '\\' + c)}%`;

/** Turns a date filter into a timestamp bound: a bare date `to` covers its whole day. */
export function dateBound(s: string, end: boolean): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return end ? `${s}T23:59:59.999Z` : `${s}T00:00:00Z`;
  return new Date(s).toISOString();
}

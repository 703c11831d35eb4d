// Building WHERE clauses with numbered parameters.
import { startOfDayAfter, zonedInstant } from '../lib/time-zone.js';

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

const FIRST = Date.parse('0001-01-01T00:00:00Z');
const LAST = Date.parse('9999-12-31T23:59:59.999Z');

/** An instant as a bound PostgreSQL reads: one an offset took outside years 1–9999 is ±infinity. */
const bound = (at: number) => (at < FIRST ? '-infinity' : at > LAST ? 'infinity' : new Date(at).toISOString());

/**
 * A `from` filter's first instant. Written without a zone it is read in `tz`: UTC for the API
 * (domain.md), the platform's zone for the dashboard; a bare date starts at that zone's midnight.
 */
export function dateFrom(s: string, tz = 'UTC'): string {
  return bound(Date.parse(zonedInstant(s, tz)));
}

/**
 * The first instant after a `to` filter, which is inclusive at the precision it is written in: a
 * bare date covers its day, `10:15` its minute, `10:15:30` its second (times are shown in whole
 * seconds but stored in microseconds), `10:15:30.5` its millisecond. Compare with `<`. Read in `tz`
 * as `dateFrom` is.
 */
export function dateBefore(s: string, tz = 'UTC'): string {
  const time = /^\d{4}-\d{2}-\d{2}[T ]([\d:.]+)/.exec(s)?.[1];
  if (!time) return bound(startOfDayAfter(s, tz).getTime());
  const step = time.includes('.') ? 1 : ([3_600_000, 60_000, 1000][time.split(':').length - 1] ?? 1000);
  return bound(Date.parse(zonedInstant(s, tz)) + step);
}

import { DateTime, IANAZone } from 'luxon';

/**
 * Days of the platform's time zone, computed from Node's zone data. SQL never converts with
 * `AT TIME ZONE <zone name>`: the embedded PGlite's zone data is not the server's (it puts
 * Africa/Casablanca at +00:00 from the end of 2026, where PostgreSQL and Node say +01:00).
 */

/** The date (`YYYY-MM-DD`) `at` falls on in `tz`. */
export function dayIn(at: Date | string, tz: string): string {
  return DateTime.fromJSDate(new Date(at), { zone: tz }).toISODate()!;
}

/** Today's date (`YYYY-MM-DD`) in `tz`. */
export function todayIn(tz: string, now = new Date()): string {
  return dayIn(now, tz);
}

/** The instant the day `YYYY-MM-DD` begins in `tz`. */
export function startOfDay(day: string, tz: string): Date {
  return DateTime.fromISO(day, { zone: tz }).startOf('day').toJSDate();
}

/** The instant the day after `YYYY-MM-DD` begins in `tz`: the end of that day, exclusive. */
export function startOfDayAfter(day: string, tz: string): Date {
  return DateTime.fromISO(day, { zone: tz }).plus({ days: 1 }).startOf('day').toJSDate();
}

/** The platform's today and its last 30 days (today and the 29 before it), as the instants they began. */
export function homePeriods(tz: string, now = new Date()): { today: Date; month: Date } {
  const today = DateTime.fromJSDate(now, { zone: tz }).startOf('day');
  return { today: today.toJSDate(), month: today.minus({ days: 29 }).startOf('day').toJSDate() };
}

/** The instant today began in `tz`. */
export function startOfToday(tz: string, now = new Date()): Date {
  return startOfDay(todayIn(tz, now), tz);
}

/** The stretches of one UTC offset in [since, until): each one's first instant and its offset in minutes. */
export interface DaySpan {
  since: Date;
  until: Date;
  starts: Date[];
  offsets: number[];
}

const DAY_MS = 86_400_000;

/**
 * The whole days [from, to] of `tz` (`YYYY-MM-DD`, inclusive) as instants, with the offset changes
 * between `first` and `last` (the earliest and latest instants the caller's rows hold; none: no row),
 * so that SQL can name each instant's local day (`dayOf` below). An offset changes at most a few
 * times a year: the offset is read once a day, and a change is then found to the millisecond.
 */
export function daySpan(from: string, to: string, tz: string, rows?: { first: Date; last: Date }): DaySpan {
  const zone = IANAZone.create(tz);
  const since = startOfDay(from, tz);
  const until = startOfDayAfter(to, tz);
  const starts = [since];
  const offsets = [zone.offset(since.getTime())];
  if (rows) {
    const first = Math.max(rows.first.getTime(), since.getTime());
    const last = Math.min(rows.last.getTime(), until.getTime() - 1);
    if (zone.offset(first) !== offsets[0]) {
      starts.push(new Date(first)); // no row is before it: [since, first) needs no day
      offsets.push(zone.offset(first));
    }
    for (let before = first; before < last; before += DAY_MS) {
      const current = offsets[offsets.length - 1];
      let hi = Math.min(before + DAY_MS, last);
      if (zone.offset(hi) === current) continue;
      let lo = before;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (zone.offset(mid) === current) lo = mid;
        else hi = mid;
      }
      starts.push(new Date(hi));
      offsets.push(zone.offset(hi));
    }
  }
  return { since, until, starts, offsets };
}

/**
 * The SQL of the local day (a `date`) of the timestamptz `column`, given the parameters holding a
 * DaySpan's `starts` (timestamptz[]) and `offsets` (float8[]); the column's value is at or after `since`.
 */
export function dayOf(column: string, startsParam: string, offsetsParam: string): string {
  return `((${column} AT TIME ZONE 'UTC') + (${offsetsParam}::float8[])[width_bucket(${column}, ${startsParam}::timestamptz[])] * interval '1 minute')::date`;
}

/**
 * A date, or a date-time without a zone, in every shape the `date` rule lets through: `2026-12-05`,
 * `2026-12-05T15:00`, `2026-12-05 9:05:30.1234567891` (Laravel's strtotime takes one-digit fields and
 * any fraction). Any other zone-less text would reach Date.parse, which reads it in the server
 * process's own zone (TZ), neither UTC nor TIMEZONE: `isDate` refuses it.
 */
export const ZONELESS = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(\.\d+)?)?)?$/;

const pad = (n: string | undefined) => (n ?? '0').padStart(2, '0');

/**
 * A date, or a date-time without a zone (ZONELESS), read as a wall clock of `tz`: its instant in
 * ISO, or null when `value` is no such time (it has a zone, is not a date, or names a day or a
 * time that does not exist). Hour 24 is the next day's hour 0, as PHP's strtotime (Laravel's
 * `date` rule) reads it: `2026-12-05 24:00` is `2026-12-06 00:00`, `24:30` is `00:30`, in `tz`.
 */
export function zonelessInstant(value: string, tz: string): string | null {
  const m = ZONELESS.exec(value);
  if (!m) return null;
  const [, written, h, min, sec, fraction] = m;
  const nextDay = h !== undefined && Number(h) === 24;
  const day = nextDay ? DateTime.fromISO(written, { zone: 'UTC' }).plus({ days: 1 }).toISODate() : written;
  if (!day) return null;
  const at = DateTime.fromISO(h === undefined ? day : `${day}T${nextDay ? '00' : pad(h)}:${pad(min)}:${pad(sec)}${fraction ?? ''}`, {
    zone: tz,
  });
  return at.isValid ? at.toUTC().toISO()! : null;
}

/** A date-time with a zone (`Z`, `+01:00`, `+0100`) at hour 24: the text before and after its `24`. */
const ZONED_HOUR_24 = /^(\d{4}-\d{2}-\d{2}[T ])24(:[\d:.]+(?:Z|[+-]\d{2}:?\d{2}))$/;

/**
 * A date-time with a zone at hour 24 (`2026-12-05T24:30Z`, `…T24:00:00+01:00`) as its ISO instant:
 * the next day's hour 0 in that zone, as PHP's strtotime (Laravel's `date`) reads it, and as
 * zonelessInstant reads a zone-less one. Date.parse refuses it (it takes `24:00` alone). At a
 * fixed offset that is hour 23's instant plus an hour, so it is a date exactly when hour 23 is
 * one to Date.parse. Null for any other text, or when hour 23 is no date (`24:60Z`).
 */
export function zonedHour24(value: string): string | null {
  const m = ZONED_HOUR_24.exec(value);
  const at = m ? Date.parse(`${m[1]}23${m[2]}`) : NaN;
  return Number.isNaN(at) ? null : new Date(at + 3_600_000).toISOString();
}

/**
 * A time as the dashboard reads it: written without a zone (a date or datetime-local field) it is
 * a wall clock of `tz` (zonelessInstant), returned as its ISO instant; written with one (`Z`,
 * `+01:00`), or not a time at all, it is returned as written for the caller's validation, except
 * hour 24 with a zone, returned as its instant (zonedHour24). The API reads zone-less times as
 * UTC (domain.md: times are UTC); the dashboard's people live in the platform's zone.
 */
export function zonedInstant(value: string, tz: string): string {
  return zonelessInstant(value, tz) ?? zonedHour24(value) ?? value;
}

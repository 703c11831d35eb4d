import { IANAZone } from 'luxon';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The zone the page being rendered shows its times in: the platform's (`TIMEZONE`), set by the page
 * renderer around its render, which is synchronous, so no other request's render can interleave.
 * Times are stored in UTC; outside a render (tests of a view alone) they are shown in UTC.
 */
let zone = 'UTC';

/** Runs `render` with every time it formats shown in `tz`. */
export function inDisplayZone<T>(tz: string, render: () => T): T {
  const before = zone;
  zone = tz;
  try {
    return render();
  } finally {
    zone = before;
  }
}

/** The zone times are shown in (for a form's hint: "in Africa/Casablanca time"). */
export const displayZone = () => zone;

/** An instant on the display zone's clock (read with getUTC*), and that zone's offset then in minutes. */
function local(iso: string | Date): { at: Date; offset: number } {
  const t = new Date(iso).getTime();
  const offset = IANAZone.create(zone).offset(t);
  return { at: new Date(t + offset * 60_000), offset };
}

/** An offset from UTC in minutes as people read it next to a time: `UTC`, `UTC+1`, `UTC-3:30`. */
export function offsetLabel(minutes: number): string {
  if (minutes === 0) return 'UTC';
  const abs = Math.abs(minutes);
  return `UTC${minutes < 0 ? '-' : '+'}${Math.floor(abs / 60)}${abs % 60 ? `:${String(abs % 60).padStart(2, '0')}` : ''}`;
}

const day = (d: Date) => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
const time = (d: Date, offset: number) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} ${offsetLabel(offset)}`;

/** `15 Jan 2026` from an ISO time, on the display zone's calendar. */
export function formatDate(iso: string | Date | null | undefined): string {
  return iso ? day(local(iso).at) : '—';
}

/** `14:30 UTC+1`: the display zone's time, with its offset then. */
export function formatTime(iso: string | Date): string {
  const { at, offset } = local(iso);
  return time(at, offset);
}

/** `15 Jan 2026, 14:30 UTC+1`. */
export function formatDateTime(iso: string | Date | null | undefined): string {
  if (!iso) return '—';
  const { at, offset } = local(iso);
  return `${day(at)}, ${time(at, offset)}`;
}

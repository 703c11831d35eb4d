import { IANAZone } from 'luxon';
import { offsetLabel } from '../lib/time-zone.js';

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

/** The wall-clock fields of an instant in the display zone (read with getUTC*). */
function local(iso: string | Date): Date {
  const d = new Date(iso);
  return new Date(d.getTime() + IANAZone.create(zone).offset(d.getTime()) * 60_000);
}

/** `15 Jan 2026` from an ISO time, on the display zone's calendar. */
export function formatDate(iso: string | Date | null | undefined): string {
  if (!iso) return '—';
  const d = local(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** `14:30 UTC+1`: the display zone's time, with its offset then. */
export function formatTime(iso: string | Date): string {
  const d = local(iso);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} ${offsetLabel(zone, new Date(iso))}`;
}

/** `15 Jan 2026, 14:30 UTC+1`. */
export function formatDateTime(iso: string | Date | null | undefined): string {
  if (!iso) return '—';
  return `${formatDate(iso)}, ${formatTime(iso)}`;
}

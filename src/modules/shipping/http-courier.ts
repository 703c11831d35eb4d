import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import {
  CourierError,
  mapStatusWith,
  type CourierEvent,
  type CourierAdapter,
  type Parcel,
  type ParcelRequest,
  type StatusAnswer,
  type StatusMap,
} from './courier.js';
import { ZONELESS, zonelessInstant } from '../../lib/time-zone.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
// Answers are checked as sent: no coercion, no defaults (the API's validator is lenient on purpose).
const ajv = addFormats(new Ajv({ allErrors: false, strict: false, coerceTypes: false }));

export const COURIER_TIMEOUT_MS = 10_000;
const MAX_TRACKING_NUMBERS = 100;
const MAX_ANSWER_BYTES = 5 * 1024 * 1024;

// Optional fields may also be null: both mean "none".
const optional = <S extends TSchema>(s: S) => Type.Optional(Type.Union([s, Type.Null()]));
const Code = Type.String({ minLength: 1, maxLength: 255 });

// `label_url` is not read: codops prints its own labels (fulfilment.md's Labels), so whatever a
// courier sends there (a relative path, no URL at all) never fails a push whose tracking number is fine.
const CreatedParcel = Type.Object({ tracking_number: Code });
/** The limits of what codops stores of a courier event: a longer note is kept cut (`cutNote`). */
const EVENT_NOTE_MAX = 2000;
// A status answer is read at three levels, so one odd field costs only what it belongs to: the
// envelope (not fitting: the whole answer is malformed), each parcel (skipped, told on the job: one
// that cannot be read, or one nobody asked for) and
// each event (not recorded, told on the job; the parcel's other events and its status still count).
const Statuses = Type.Object({ parcels: Type.Array(Type.Unknown()) });
const ParcelFields = Type.Object({ tracking_number: Code, status: Code, events: Type.Array(Type.Unknown()) });
// `at` is read event by event (courierInstant): one unreadable time does not refuse the whole answer.
const EventFields = Type.Object({ status: Code, at: Type.String({ maxLength: 255 }), note: optional(Type.String()) });

function check<S extends TSchema>(schema: S) {
  const fn = ajv.compile(schema);
  return (value: unknown): Static<S> => {
    if (fn(value)) return value as Static<S>;
    const e = fn.errors![0];
    throw malformed(`${e.instancePath || 'the body'} ${e.message}`);
  };
}
const checkCreated = check(CreatedParcel);
const isParcel = ajv.compile<Static<typeof ParcelFields>>(ParcelFields);
const isEvent = ajv.compile<Static<typeof EventFields>>(EventFields);
const isCode = ajv.compile<string>(Code);

/** Why a part of an answer cannot be read: Ajv's first error, named from that part (`status must NOT…`). */
function unreadableBecause(errors: ErrorObject[] | null | undefined): string {
  const e = errors![0];
  return `${e.instancePath ? `${e.instancePath.slice(1).replaceAll('/', '.')} ` : ''}${e.message}`;
}

/** A note as codops keeps it: at most EVENT_NOTE_MAX characters (code points, as the limit counts), a cut one ending with "…". */
function cutNote(note: string): string {
  const chars = Array.from(note);
  return chars.length <= EVENT_NOTE_MAX ? note : `${chars.slice(0, EVENT_NOTE_MAX - 1).join('')}…`;
}
const isDateTime = ajv.compile({ type: 'string', format: 'date-time' });

/**
 * A courier event's time as an instant codops stores: with a zone (RFC 3339) as written; without
 * one (`2026-12-05 10:00`, `2026-12-05T10:00:00`), in UTC, as the API reads zone-less times
 * (domain.md; the protocol names no zone), never in the database session's or the process's zone.
 * Null: no date-time (a bare date, `yesterday`, `2026-02-30T10:00:00Z`).
 */
export function courierInstant(at: string): string | null {
  if (/^\d{4}-\d{2}-\d{2}[T ]\d/.test(at) && ZONELESS.test(at)) return zonelessInstant(at, 'UTC');
  return isDateTime(at) ? at : null;
}
const checkStatuses = check(Statuses);

const malformed = (why: string) => new CourierError(`The courier's answer does not fit the protocol: ${why}.`, false);

interface HttpCourierOptions {
  baseUrl: string;
  apiKey: string;
  statusMap?: StatusMap;
  timeoutMs?: number;
}

/** A courier's own message in an error answer (`{"message"}` or `{"error"}`), shortened. */
function detail(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const m = typeof body?.message === 'string' ? body.message : typeof body?.error === 'string' ? body.error : '';
    return m ? `: ${m.slice(0, 200).replace(/[.\s]+$/, '')}` : '';
  } catch {
    return '';
  }
}

async function readText(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw malformed(`the body is larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MB`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The `http` adapter: fulfilment.md's courier protocol, every answer checked before use. */
export function httpCourier(opts: HttpCourierOptions): CourierAdapter {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? COURIER_TIMEOUT_MS;

  async function call(method: 'GET' | 'POST' | 'DELETE', path: string, expect: number[], extra: { body?: unknown; key?: string } = {}) {
    const headers: Record<string, string> = {
      authorization: `Bearer ${opts.apiKey}`,
      accept: 'application/json',
      'user-agent': 'codops',
    };
    if (extra.body !== undefined) headers['content-type'] = 'application/json';
    if (extra.key !== undefined) headers['idempotency-key'] = extra.key;
    let status: number;
    let text: string;
    try {
      const res = await fetch(base + path, {
        method,
        headers,
        body: extra.body === undefined ? undefined : JSON.stringify(extra.body),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      text = await readText(res);
    } catch (err) {
      if (err instanceof CourierError) throw err;
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new CourierError(`The courier did not answer within ${timeoutMs / 1000} seconds.`, true);
      }
      throw new CourierError(`The courier could not be reached (${e.cause?.code ?? e.cause?.message ?? e.message}).`, true);
    }
    if (status >= 500) throw new CourierError(`The courier answered HTTP ${status}${detail(text)}.`, true);
    if (status === 429) throw new CourierError(`The courier is limiting requests (HTTP 429)${detail(text)}.`, true);
    if (status >= 400) throw new CourierError(`The courier refused the request (HTTP ${status})${detail(text)}.`, false);
    if (!expect.includes(status)) throw malformed(`HTTP ${status} instead of ${expect.join(' or ')}`);
    return text;
  }

  const json = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      throw malformed('the body is not JSON');
    }
  };

  return {
    name: 'http',
    async createParcel(key: string, parcel: ParcelRequest): Promise<Parcel> {
      const created = checkCreated(json(await call('POST', '/parcels', [200, 201], { body: parcel, key })));
      return { tracking_number: created.tracking_number };
    },
    async fetchStatuses(trackingNumbers: string[]): Promise<StatusAnswer> {
      const wanted = [...new Set(trackingNumbers)];
      const answer: StatusAnswer = { parcels: [], skipped: [] };
      for (let i = 0; i < wanted.length; i += MAX_TRACKING_NUMBERS) {
        const chunk = wanted.slice(i, i + MAX_TRACKING_NUMBERS);
        const asked = new Set(chunk);
        const query = chunk.map(encodeURIComponent).join(',');
        const { parcels } = checkStatuses(json(await call('GET', `/parcels?tracking_numbers=${query}`, [200])));
        parcels.forEach((p, n) => {
          const tn = (p as { tracking_number?: unknown } | null)?.tracking_number;
          // A parcel nobody asked for is no order's: skipped, not a reason to drop the parcels that were asked for.
          if (isCode(tn) && !asked.has(tn)) {
            answer.skipped.push({ reason: `the courier's parcel ${tn} was not asked for` });
            return;
          }
          if (!isParcel(p)) {
            const why = unreadableBecause(isParcel.errors);
            answer.skipped.push(
              // Named by its tracking number when that is readable; its order known when it is one asked for.
              {
                ...(typeof tn === 'string' && asked.has(tn) ? { tracking_number: tn } : {}),
                reason: `the courier's parcel ${isCode(tn) ? tn : `no. ${n + 1} of its answer`} cannot be read (${why})`,
              },
            );
            return;
          }
          const events: CourierEvent[] = [];
          const unreadable: string[] = [];
          p.events.forEach((e, m) => {
            if (!isEvent(e)) {
              unreadable.push(`the courier event no. ${m + 1} of the parcel cannot be read (${unreadableBecause(isEvent.errors)})`);
              return;
            }
            // PostgreSQL's text holds no NUL: one would fail the whole batch's transaction.
            const nul = e.status.includes('\0') ? 'status' : e.note?.includes('\0') ? 'note' : null;
            if (nul) {
              unreadable.push(`the courier event no. ${m + 1} of the parcel cannot be read (its ${nul} holds a NUL character)`);
              return;
            }
            const at = courierInstant(e.at);
            if (at === null)
              unreadable.push(`the courier event ${JSON.stringify(e.status)} has no readable time (${JSON.stringify(e.at)})`);
            else events.push({ status: e.status, at, ...(e.note == null ? {} : { note: cutNote(e.note) }) });
          });
          answer.parcels.push({
            tracking_number: p.tracking_number,
            status: p.status,
            events,
            ...(unreadable.length > 0 ? { unreadable } : {}),
          });
        });
      }
      return answer;
    },
    async cancelParcel(trackingNumber: string): Promise<void> {
      await call('DELETE', `/parcels/${encodeURIComponent(trackingNumber)}`, [204]);
    },
    mapStatus: mapStatusWith(opts.statusMap ?? {}),
  };
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CourierEvent } from './courier.js';

/**
 * A simulated courier for tests and benchmarks: fulfilment.md's courier protocol over HTTP on
 * 127.0.0.1, with parcels in memory, events you advance by hand, and switches for latency, 5xx
 * answers, timeouts and malformed answers.
 */

export type Route = 'create' | 'fetch' | 'cancel';

/** When a switch fires: the next `times` requests, or each request with probability `rate` (seeded). */
interface Trigger {
  times?: number;
  rate?: number;
  /** Only these routes (default: all). */
  routes?: Route[];
}

interface Switches {
  /** Milliseconds before every answer. */
  latencyMs?: number;
  /** Answer 5xx (500 unless `status` says otherwise). */
  serverError?: Trigger & { status?: number };
  /** Never answer (the client's timeout ends the call). */
  timeout?: Trigger;
  /** Answer 2xx with a body that does not fit: not JSON or JSON of the wrong shape. */
  malformed?: Trigger & { kind?: 'not-json' | 'wrong-shape' };
  /** (fetch) Answer, besides the parcels asked for, one nobody asked for (`SIM-STRANGER`, status `LIVRE`). */
  unaskedParcel?: Trigger;
  /** The `label_url` a create answers (default: an absolute URL on the simulator; undefined leaves it out). */
  labelUrl?: { value: unknown };
}

interface SimParcel {
  tracking_number: string;
  order_id: string;
  request: unknown;
  status: string;
  events: CourierEvent[];
}

interface SimRequest {
  route: Route | 'unknown';
  method: string;
  url: string;
  idempotencyKey?: string;
}

/** Statuses a parcel can be cancelled in (before pickup). */
const CANCELLABLE = new Set(['pending']);

/** Mulberry32: the `rate` switches are reproducible for a given seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export class CourierSimulator {
  readonly parcels = new Map<string, SimParcel>();
  readonly requests: SimRequest[] = [];
  private readonly byKey = new Map<string, string>();
  private switches: Switches = {};
  private counter = 0;
  private random: () => number;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly apiKey: string,
    seed: number,
  ) {
    this.random = prng(seed);
  }

  static async start(opts: { apiKey?: string; port?: number; seed?: number } = {}): Promise<CourierSimulator> {
    const handlers: { sim?: CourierSimulator } = {};
    const server = createServer((req, res) => void handlers.sim!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    handlers.sim = new CourierSimulator(server, `http://127.0.0.1:${port}`, opts.apiKey ?? 'sim-key', opts.seed ?? 1);
    return handlers.sim;
  }

  /** Replaces the switches (nothing given: a well-behaved courier). */
  set(switches: Switches) {
    this.switches = structuredClone(switches);
  }

  /** Moves parcels to `status` with a new event (an `at` and `note` of your choosing repeat an event exactly). */
  advance(trackingNumbers: string | string[], status: string, opts: { note?: string; at?: string } = {}) {
    for (const tn of ([] as string[]).concat(trackingNumbers)) {
      const p = this.parcels.get(tn);
      if (!p) throw new Error(`No parcel ${tn}.`);
      p.status = status;
      p.events.push({ status, at: opts.at ?? nowIso(), ...(opts.note ? { note: opts.note } : {}) });
    }
  }

  /** Sends the last event of a parcel again, as couriers sometimes do. */
  repeatLastEvent(trackingNumber: string) {
    const p = this.parcels.get(trackingNumber);
    if (!p || p.events.length === 0) throw new Error(`No event for ${trackingNumber}.`);
    p.events.push({ ...p.events[p.events.length - 1] });
  }

  /** The parcel created for an order, if any. */
  parcelOf(orderId: string): SimParcel | undefined {
    const tn = this.byKey.get(orderId);
    return tn ? this.parcels.get(tn) : undefined;
  }

  count(route: Route): number {
    return this.requests.filter((r) => r.route === route).length;
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Whether a switch fires for this request (spends one of its `times`). */
  private fires(trigger: Trigger | undefined, route: Route): boolean {
    if (!trigger || (trigger.routes && !trigger.routes.includes(route))) return false;
    if (trigger.times !== undefined) {
      if (trigger.times <= 0) return false;
      trigger.times--;
      return true;
    }
    return trigger.rate !== undefined && this.random() < trigger.rate;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.url);
    const route: Route | 'unknown' =
      url.pathname === '/parcels' && req.method === 'POST'
        ? 'create'
        : url.pathname === '/parcels' && req.method === 'GET'
          ? 'fetch'
          : /^\/parcels\/[^/]+$/.test(url.pathname) && req.method === 'DELETE'
            ? 'cancel'
            : 'unknown';
    const key = req.headers['idempotency-key'];
    this.requests.push({
      route,
      method: req.method ?? '',
      url: req.url ?? '',
      ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
    });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');

    const s = this.switches;
    if (s.latencyMs) await new Promise((r) => setTimeout(r, s.latencyMs));
    const send = (status: number, payload?: unknown) => {
      if (payload === undefined) return res.writeHead(status).end();
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    if (route === 'unknown') return send(404, { message: 'Not found.' });
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return send(401, { message: 'Unauthenticated.' });
    if (this.fires(s.timeout, route)) return; // the socket stays open until the client gives up
    if (this.fires(s.serverError, route)) return send(s.serverError?.status ?? 500, { message: 'The courier is having trouble.' });
    if (this.fires(s.malformed, route)) {
      if (s.malformed?.kind === 'wrong-shape') {
        const wrong = { create: { tracking: 'X' }, fetch: { parcels: { tracking_number: 42 } }, cancel: { ok: true } }[route];
        return send(route === 'create' ? 201 : 200, wrong);
      }
      return res.writeHead(route === 'create' ? 201 : 200, { 'content-type': 'text/html' }).end('<html>Gateway hiccup</html>');
    }
    if (route === 'create') return this.create(body, typeof key === 'string' ? key : '', send);
    if (route === 'fetch') return this.fetch(url, send, this.fires(s.unaskedParcel, route));
    return this.cancel(decodeURIComponent(url.pathname.slice('/parcels/'.length)), send);
  }

  private create(text: string, key: string, send: (status: number, payload?: unknown) => void) {
    if (!key) return send(422, { message: 'The Idempotency-Key header is required.' });
    const known = this.byKey.get(key);
    if (known) return send(201, this.created(known));
    let body: {
      reference?: unknown;
      customer?: { full_name?: unknown; phone?: unknown; city?: unknown };
      cod_amount?: unknown;
      items?: unknown;
    };
    try {
      body = JSON.parse(text);
    } catch {
      return send(400, { message: 'The body is not JSON.' });
    }
    const ok =
      typeof body?.reference === 'string' &&
      typeof body.customer?.full_name === 'string' &&
      typeof body.customer?.phone === 'string' &&
      typeof body.customer?.city === 'string' &&
      typeof body.cod_amount === 'number' &&
      Array.isArray(body.items) &&
      body.items.length > 0;
    if (!ok) return send(422, { message: 'The parcel needs a reference, a customer (full name, phone, city), a cod_amount and items.' });
    const tn = `SIM${String(++this.counter).padStart(8, '0')}`;
    this.byKey.set(key, tn);
    this.parcels.set(tn, {
      tracking_number: tn,
      order_id: key,
      request: body,
      status: 'pending',
      events: [{ status: 'pending', at: nowIso() }],
    });
    send(201, this.created(tn));
  }

  private created(tn: string) {
    const label = this.switches.labelUrl ? this.switches.labelUrl.value : `${this.url}/labels/${tn}.pdf`;
    return { tracking_number: tn, ...(label === undefined ? {} : { label_url: label }) };
  }

  private fetch(url: URL, send: (status: number, payload?: unknown) => void, unasked = false) {
    const raw = url.searchParams.get('tracking_numbers');
    if (!raw) return send(422, { message: 'The tracking_numbers parameter is required.' });
    const wanted = raw.split(',').filter(Boolean);
    if (wanted.length > 100) return send(422, { message: 'At most 100 tracking numbers per request.' });
    const parcels = wanted
      .map((tn) => this.parcels.get(tn))
      .filter((p): p is SimParcel => p !== undefined)
      .map((p) => ({ tracking_number: p.tracking_number, status: p.status, events: p.events }));
    const stranger = { tracking_number: 'SIM-STRANGER', status: 'LIVRE', events: [{ status: 'LIVRE', at: '2026-12-01T10:00:00Z' }] };
    send(200, { parcels: unasked ? [stranger, ...parcels] : parcels });
  }

  private cancel(tn: string, send: (status: number, payload?: unknown) => void) {
    const p = this.parcels.get(tn);
    if (!p) return send(404, { message: 'No such parcel.' });
    if (!CANCELLABLE.has(p.status)) return send(409, { message: `The parcel is ${p.status} and can no longer be cancelled.` });
    this.advance(tn, 'cancelled');
    send(204);
  }
}

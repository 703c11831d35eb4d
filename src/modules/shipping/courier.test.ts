import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CourierError, manualCourier, type CourierAdapter, type ParcelRequest } from './courier.js';
import { COURIER_TIMEOUT_MS, courierInstant, httpCourier } from './http-courier.js';
import { CourierSimulator } from './simulator.js';

const STATUS_MAP = { picked_up: 'shipped', delivered: 'delivered', refused: 'returned' } as const;
const parcel = (i: number): ParcelRequest => ({
  reference: `ORD-${String(i).padStart(5, '0')}`,
  customer: { full_name: `Customer ${i}`, phone: '0612345678', city: 'Casablanca', area: 'Maarif', address: '1 Rue Test' },
  cod_amount: 398,
  items: [{ sku: 'P1', name: 'Argan Oil 100ml', quantity: 2 }],
});

let sim: CourierSimulator;
let courier: CourierAdapter;
let order = 0;
const nextOrder = () => `01ORDER${String(++order).padStart(19, '0')}`;

before(async () => {
  sim = await CourierSimulator.start({ apiKey: 'secret-key', seed: 7 });
  // A generous timeout: a loaded test machine must not turn slow answers into timeouts (the timeout test sets its own).
  courier = httpCourier({ baseUrl: sim.url + '/', apiKey: 'secret-key', statusMap: STATUS_MAP, timeoutMs: 5000 });
});
beforeEach(() => sim.set({}));
after(() => sim.close());

async function fails(p: Promise<unknown>, retryable: boolean, reason: RegExp) {
  const err = await p.then(
    () => assert.fail('expected a CourierError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof CourierError, String(err));
  assert.equal(err.retryable, retryable, err.reason);
  assert.match(err.reason, reason);
  return err;
}

describe('http courier against the simulated courier', () => {
  test('creates a parcel once per order: the same Idempotency-Key answers the same parcel', async () => {
    const id = nextOrder();
    const a = await courier.createParcel(id, parcel(1));
    const b = await courier.createParcel(id, parcel(1));
    assert.match(a!.tracking_number, /^SIM\d{8}$/);
    assert.deepEqual(b, a);
    assert.deepEqual(a, { tracking_number: a!.tracking_number }, 'the label_url is not read (codops prints its own labels)');
    const sent = sim.requests.filter((r) => r.route === 'create' && r.idempotencyKey === id);
    assert.equal(sent.length, 2);
    assert.deepEqual(sim.parcelOf(id)!.request, parcel(1));
    assert.equal([...sim.parcels.values()].filter((p) => p.order_id === id).length, 1);
  });

  test('fetches statuses of many parcels, 100 per call, with the events the courier recorded (repeats included)', async () => {
    const tns: string[] = [];
    for (let i = 0; i < 150; i++) tns.push((await courier.createParcel(nextOrder(), parcel(i)))!.tracking_number);
    sim.advance(tns.slice(0, 2), 'picked_up');
    sim.advance(tns[0], 'delivered', { note: 'Paid in cash' });
    sim.repeatLastEvent(tns[0]);
    sim.advance(tns[1], 'refused', { note: 'Customer refused' });
    const before = sim.count('fetch');
    const { parcels: statuses, skipped } = await courier.fetchStatuses([...tns, tns[0], 'SIM99999999']);
    assert.deepEqual(skipped, []);
    assert.equal(sim.count('fetch') - before, 2, '150 tracking numbers: two calls');
    assert.equal(statuses.length, 150, 'unknown parcels are left out');
    const first = statuses.find((s) => s.tracking_number === tns[0])!;
    assert.equal(first.status, 'delivered');
    assert.deepEqual(
      first.events.map((e) => [e.status, e.note]),
      [
        ['pending', undefined],
        ['picked_up', undefined],
        ['delivered', 'Paid in cash'],
        ['delivered', 'Paid in cash'],
      ],
    );
    assert.match(first.events[0].at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(courier.mapStatus(first.status), 'delivered');
    assert.equal(courier.mapStatus(statuses.find((s) => s.tracking_number === tns[1])!.status), 'returned');
    assert.equal(courier.mapStatus('pending'), null, 'unmapped statuses are events only');
    assert.equal(courier.mapStatus('toString'), null);
  });

  test('cancels a parcel before pickup (204); after pickup the courier refuses (final)', async () => {
    const a = (await courier.createParcel(nextOrder(), parcel(2)))!.tracking_number;
    await courier.cancelParcel(a);
    assert.equal(sim.parcels.get(a)!.status, 'cancelled');
    const b = (await courier.createParcel(nextOrder(), parcel(3)))!.tracking_number;
    sim.advance(b, 'picked_up');
    await fails(
      courier.cancelParcel(b),
      false,
      /^The courier refused the request \(HTTP 409\): The parcel is picked_up and can no longer be cancelled\.$/,
    );
    await fails(courier.cancelParcel('SIM00000000'), false, /HTTP 404/);
  });

  test('latency under the timeout is only slower', async () => {
    sim.set({ latencyMs: 150 });
    const t0 = Date.now();
    const p = await courier.createParcel(nextOrder(), parcel(4));
    assert.ok(Date.now() - t0 >= 140);
    assert.ok(p!.tracking_number);
  });

  test('a 5xx is a retryable failure; the next call succeeds', async () => {
    sim.set({ serverError: { times: 2, status: 503 } });
    const id = nextOrder();
    await fails(courier.createParcel(id, parcel(5)), true, /^The courier answered HTTP 503: The courier is having trouble\.$/);
    await fails(courier.createParcel(id, parcel(5)), true, /HTTP 503/);
    const p = await courier.createParcel(id, parcel(5));
    assert.equal(sim.parcelOf(id)!.tracking_number, p!.tracking_number);
  });

  test('5xx at a rate hits some calls of a route only', async () => {
    sim.set({ serverError: { rate: 0.5, routes: ['create'] } });
    let failed = 0;
    for (let i = 0; i < 20; i++) {
      try {
        await courier.createParcel(nextOrder(), parcel(i));
      } catch (err) {
        assert.ok(err instanceof CourierError && err.retryable);
        failed++;
      }
    }
    assert.ok(failed > 2 && failed < 18, `${failed} of 20 failed`);
    await courier.fetchStatuses(['SIM00000001']); // other routes are untouched
  });

  test('a timeout is a retryable failure after the client timeout', async () => {
    sim.set({ timeout: { times: 1 } });
    const impatient = httpCourier({ baseUrl: sim.url, apiKey: 'secret-key', timeoutMs: 400 });
    const t0 = Date.now();
    await fails(impatient.fetchStatuses(['SIM00000001']), true, /^The courier did not answer within 0.4 seconds\.$/);
    const took = Date.now() - t0;
    assert.ok(took >= 380 && took < 3000, `${took} ms`);
    await courier.fetchStatuses(['SIM00000001']);
  });

  test('without a timeout of its own, an adapter waits the protocol’s 10 seconds', () => {
    assert.equal(COURIER_TIMEOUT_MS, 10_000);
  });

  test('a malformed answer is a final failure: not JSON, or not the protocol shape', async () => {
    sim.set({ malformed: { times: 1 } });
    await fails(
      courier.createParcel(nextOrder(), parcel(6)),
      false,
      /^The courier's answer does not fit the protocol: the body is not JSON\.$/,
    );
    sim.set({ malformed: { times: 3, kind: 'wrong-shape' } });
    await fails(
      courier.createParcel(nextOrder(), parcel(7)),
      false,
      /^The courier's answer does not fit the protocol: the body must have required property 'tracking_number'\.$/,
    );
    await fails(
      courier.fetchStatuses(['SIM00000001']),
      false,
      /^The courier's answer does not fit the protocol: \/parcels must be array\.$/,
    );
    await fails(courier.cancelParcel('SIM00000001'), false, /^The courier's answer does not fit the protocol: HTTP 200 instead of 204\.$/);
    assert.ok(await courier.createParcel(nextOrder(), parcel(8)), 'the switch is spent');
  });

  test('a parcel nobody asked for is skipped with its reason; the parcels asked for are read', async () => {
    const tn = (await courier.createParcel(nextOrder(), parcel(9)))!.tracking_number;
    sim.set({ unaskedParcel: { times: 1 } });
    const answer = await courier.fetchStatuses([tn]);
    assert.deepEqual(
      answer.parcels.map((s) => s.tracking_number),
      [tn],
    );
    assert.deepEqual(answer.skipped, [{ reason: "the courier's parcel SIM-STRANGER was not asked for" }]);
    assert.deepEqual((await courier.fetchStatuses([tn])).skipped, [], 'the switch is spent');
  });

  // Found by an audit: a relative label_url failed the push for good ("/label_url must match format
  // "uri"") and left the parcel alive at the courier; fulfilment.md gives label_url no format.
  test('any label_url, or none, is accepted and ignored: only the tracking number counts', async () => {
    for (const value of ['/labels/TRK002001.pdf', 'javascript:alert(1)', '', 42, { href: 'x' }, null, undefined, 'x'.repeat(5000)]) {
      sim.set({ labelUrl: { value } });
      const p = await courier.createParcel(nextOrder(), parcel(10));
      assert.deepEqual(p, { tracking_number: p!.tracking_number }, JSON.stringify(value));
      assert.match(p!.tracking_number, /^SIM\d{8}$/);
    }
  });

  // Found by an audit: one event note of 2,001 characters made the whole answer malformed, so no
  // parcel of the company was synced again (couriers keep their events).
  test('limits are per event and per parcel: a long note is cut, an unreadable event or parcel is told, the rest is read', async () => {
    const tns: string[] = [];
    for (let i = 0; i < 3; i++) tns.push((await courier.createParcel(nextOrder(), parcel(20 + i)))!.tracking_number);
    const [long, plain, odd] = tns;
    const note = 'é'.repeat(1990) + '🚚'.repeat(11); // 2,001 characters (code points), 2,012 UTF-16 units
    sim.advance(long, 'EN_ROUTE', { note, at: '2026-12-05T10:00:00Z' });
    sim.advance(long, 'S'.repeat(256), { at: '2026-12-05T11:00:00Z' });
    sim.advance(long, 'EN_ROUTE', { note: 'a\u0000b', at: '2026-12-05T11:30:00Z' }); // no text column keeps a NUL
    sim.advance(long, 'LIVRE', { note: 'x'.repeat(2000), at: '2026-12-05T12:00:00Z' });
    sim.advance(plain, 'LIVRE', { at: '2026-12-05T12:00:00Z' });
    sim.advance(odd, 'R'.repeat(256), { at: '2026-12-05T12:00:00Z' });
    // A tracking number over its limit (one asked for: its order is known) and one that is no string.
    const tooLong = `SIM${'9'.repeat(253)}`;
    sim.parcels.set(tooLong, { ...sim.parcels.get(plain)!, tracking_number: tooLong });
    sim.parcels.set('SIM-NUMBER', { ...sim.parcels.get(plain)!, tracking_number: 42 as never });

    const answer = await courier.fetchStatuses([long, plain, odd, tooLong, 'SIM-NUMBER']);
    assert.deepEqual(
      answer.parcels.map((p) => [p.tracking_number, p.status]),
      [
        [long, 'LIVRE'],
        [plain, 'LIVRE'],
      ],
    );
    const first = answer.parcels[0];
    const cut = first.events.find((e) => e.status === 'EN_ROUTE')!.note!;
    assert.equal(Array.from(cut).length, 2000);
    assert.equal(cut, 'é'.repeat(1990) + '🚚'.repeat(9) + '…', 'cut to 2,000 characters, the last one "…", no half emoji');
    assert.equal(first.events.find((e) => e.status === 'LIVRE')!.note, 'x'.repeat(2000), 'a note at the limit is kept whole');
    assert.deepEqual(
      first.events.map((e) => e.status),
      ['pending', 'EN_ROUTE', 'LIVRE'],
    );
    assert.deepEqual(first.unreadable, [
      'the courier event no. 3 of the parcel cannot be read (status must NOT have more than 255 characters)',
      'the courier event no. 4 of the parcel cannot be read (its note holds a NUL character)',
    ]);
    assert.deepEqual(answer.skipped, [
      { tracking_number: odd, reason: `the courier's parcel ${odd} cannot be read (status must NOT have more than 255 characters)` },
      {
        tracking_number: tooLong,
        reason: `the courier's parcel no. 4 of its answer cannot be read (tracking_number must NOT have more than 255 characters)`,
      },
      { reason: `the courier's parcel no. 5 of its answer cannot be read (tracking_number must be string)` },
    ]);
  });

  test('a 4xx is a final failure with the courier’s message: a wrong API key, a refused parcel', async () => {
    const wrongKey = httpCourier({ baseUrl: sim.url, apiKey: 'nope', timeoutMs: 5000 });
    await fails(wrongKey.createParcel(nextOrder(), parcel(11)), false, /^The courier refused the request \(HTTP 401\): Unauthenticated\.$/);
    const bad = { ...parcel(12), items: [] };
    await fails(courier.createParcel(nextOrder(), bad), false, /HTTP 422\): The parcel needs a reference/);
  });

  test('an unreachable courier is a retryable failure', async () => {
    const closed = await CourierSimulator.start();
    const url = closed.url;
    await closed.close();
    const gone = httpCourier({ baseUrl: url, apiKey: 'k', timeoutMs: 5000 });
    await fails(gone.fetchStatuses(['X']), true, /^The courier could not be reached \(ECONNREFUSED\)\.$/);
  });
});

describe('manual courier', () => {
  test('makes no call: no parcel, no statuses, cancelling is a no-op', async () => {
    const manual = manualCourier({ delivered: 'delivered' });
    const calls = sim.requests.length;
    assert.equal(await manual.createParcel(nextOrder(), parcel(13)), null);
    assert.deepEqual(await manual.fetchStatuses(['A', 'B']), { parcels: [], skipped: [] });
    await manual.cancelParcel('A');
    assert.equal(sim.requests.length, calls);
    assert.equal(manual.mapStatus('delivered'), 'delivered');
    assert.equal(manual.mapStatus('lost'), null);
  });
});

test("a courier event's time: with a zone as sent, without one in UTC, otherwise none", () => {
  assert.equal(courierInstant('2026-12-05T10:00:00+01:00'), '2026-12-05T10:00:00+01:00');
  assert.equal(courierInstant('2026-12-05T10:00:00Z'), '2026-12-05T10:00:00Z');
  assert.equal(courierInstant('2026-12-05 10:00'), '2026-12-05T10:00:00.000Z');
  assert.equal(courierInstant('2026-12-05T10:00:30.5'), '2026-12-05T10:00:30.500Z');
  assert.equal(courierInstant('2026-12-05 24:00'), '2026-12-06T00:00:00.000Z');
  for (const none of ['2026-12-05', 'yesterday', '', '2026-02-30T10:00:00Z', '2026-12-05T25:00', '2026-12-05 10:'])
    assert.equal(courierInstant(none), null, none);
});

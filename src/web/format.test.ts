import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayZone, formatDate, formatDateTime, formatTime, inDisplayZone, offsetLabel } from './format.js';

test("times are shown in the zone of the render (the platform's), with the offset then; UTC outside a render", () => {
  const at = '2026-12-04T23:30:00Z';
  assert.equal(formatDateTime(at), '4 Dec 2026, 23:30 UTC');
  assert.equal(
    inDisplayZone('Africa/Casablanca', () => formatDateTime(at)),
    '5 Dec 2026, 00:30 UTC+1',
  );
  assert.equal(
    inDisplayZone('Africa/Casablanca', () => formatTime('2026-03-01T12:00:00Z')),
    '12:00 UTC',
    'Ramadan: UTC+0',
  );
  assert.equal(
    inDisplayZone('Asia/Kolkata', () => formatDate(new Date(at))),
    '5 Dec 2026',
  );
  assert.equal(formatDateTime(null), '—');
  // The zone is the render's only, even when the render throws.
  assert.throws(() =>
    inDisplayZone('Asia/Tokyo', () => {
      assert.equal(displayZone(), 'Asia/Tokyo');
      throw new Error('render failed');
    }),
  );
  assert.equal(displayZone(), 'UTC');
});

test('the offset beside a time: whole hours, or hours and minutes', () => {
  assert.equal(offsetLabel(60), 'UTC+1');
  assert.equal(offsetLabel(0), 'UTC');
  assert.equal(offsetLabel(330), 'UTC+5:30');
  assert.equal(offsetLabel(-210), 'UTC-3:30');
  assert.equal(
    inDisplayZone('America/St_Johns', () => formatTime('2026-12-05T12:00:00Z')),
    '08:30 UTC-3:30',
  );
});

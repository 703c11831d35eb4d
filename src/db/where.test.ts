import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dateBefore, dateFrom } from './where.js';

test('date filters: a bare date is a whole day, a time is inclusive at its precision, UTC unless a zone is given', () => {
  // The API's reading (domain.md: times are UTC).
  assert.equal(dateFrom('2026-01-15'), '2026-01-15T00:00:00.000Z');
  assert.equal(dateBefore('2026-01-15'), '2026-01-16T00:00:00.000Z');
  assert.equal(dateBefore('2026-01-15T10:15'), '2026-01-15T10:16:00.000Z');
  assert.equal(dateBefore('2026-01-15T10:15:30'), '2026-01-15T10:15:31.000Z');
  assert.equal(dateBefore('2026-01-15T10:15:30.5'), '2026-01-15T10:15:30.501Z');
  assert.equal(dateFrom('2026-01-15T10:15:00+01:00'), '2026-01-15T09:15:00.000Z');
  assert.equal(dateBefore('2026-01-15T10:15+01:00'), '2026-01-15T09:16:00.000Z');
  assert.equal(dateFrom('0001-01-01T00:00:00+14:00'), '-infinity');
  assert.equal(dateBefore('9999-12-31'), 'infinity');

  // The dashboard's: the platform's zone.
  assert.equal(dateFrom('2026-01-15', 'Asia/Tokyo'), '2026-01-14T15:00:00.000Z');
  assert.equal(dateBefore('2026-01-15', 'Asia/Tokyo'), '2026-01-15T15:00:00.000Z');
  assert.equal(dateBefore('2026-01-15T10:15', 'Asia/Tokyo'), '2026-01-15T01:16:00.000Z');
  assert.equal(dateFrom('2026-01-15T10:15:00Z', 'Asia/Tokyo'), '2026-01-15T10:15:00.000Z', 'a written zone wins');
  assert.equal(dateBefore('2026-03-29', 'Europe/Paris'), '2026-03-29T22:00:00.000Z', 'a 23-hour day');
  assert.equal(dateFrom('0001-01-01', 'Asia/Tokyo'), '-infinity');
});

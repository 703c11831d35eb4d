import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDate } from '../http/validation.js';
import { dateBefore } from '../db/where.js';
import { dayIn, daySpan, homePeriods, startOfDay, startOfDayAfter, startOfToday, todayIn, zonedInstant } from './time-zone.js';

test('days of a zone from Node: Casablanca is UTC+1 outside Ramadan, Paris moves its clocks', () => {
  assert.equal(startOfDay('2026-12-05', 'Africa/Casablanca').toISOString(), '2026-12-04T23:00:00.000Z');
  assert.equal(todayIn('Africa/Casablanca', new Date('2026-12-04T23:30:00Z')), '2026-12-05');
  assert.equal(startOfToday('Africa/Casablanca', new Date('2026-12-04T23:30:00Z')).toISOString(), '2026-12-04T23:00:00.000Z');
  assert.equal(startOfDay('2026-03-30', 'Europe/Paris').toISOString(), '2026-03-29T22:00:00.000Z');
  assert.equal(startOfDay('2026-01-01', 'UTC').toISOString(), '2026-01-01T00:00:00.000Z');
});

test('a day span holds each change of offset where rows are, to the millisecond, and none without rows', () => {
  const year = { first: new Date('2026-01-01T00:00:00Z'), last: new Date('2026-12-31T12:00:00Z') };
  const paris = daySpan('2026-01-01', '2026-12-31', 'Europe/Paris', year);
  assert.deepEqual(
    paris.starts.map((d) => d.toISOString()),
    ['2025-12-31T23:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-10-25T01:00:00.000Z'],
  );
  assert.deepEqual(paris.offsets, [60, 120, 60]);
  assert.equal(paris.until.toISOString(), '2026-12-31T23:00:00.000Z');
  // Ramadan 2026: Morocco goes back to UTC+0 for a month.
  const casa = daySpan('2026-01-01', '2026-12-31', 'Africa/Casablanca', year);
  assert.deepEqual(casa.offsets, [60, 0, 60]);
  assert.equal(casa.starts.length, 3);
  // Rows only after the change: the span starts its second stretch at the first row.
  const late = daySpan('2026-01-01', '2026-12-31', 'Europe/Paris', { first: new Date('2026-06-01T00:00:00Z'), last: year.last });
  assert.deepEqual(late.offsets, [60, 120, 60]);
  assert.equal(late.starts[1].toISOString(), '2026-06-01T00:00:00.000Z');
  const none = daySpan('0001-01-01', '9999-12-31', 'Africa/Casablanca');
  assert.equal(none.starts.length, 1, 'no row: nothing to look for, whatever the range');
});

test("a time typed without a zone is the platform's wall clock; one with a zone, or no time, is kept as written", () => {
  assert.equal(zonedInstant('2026-12-05T15:00', 'Africa/Casablanca'), '2026-12-05T14:00:00.000Z');
  assert.equal(zonedInstant('2026-12-05 15:00:30', 'Asia/Tokyo'), '2026-12-05T06:00:30.000Z');
  assert.equal(zonedInstant('2026-12-05', 'Asia/Tokyo'), '2026-12-04T15:00:00.000Z');
  // Ramadan 2026: Casablanca is UTC+0.
  assert.equal(zonedInstant('2026-03-01T15:00', 'Africa/Casablanca'), '2026-03-01T15:00:00.000Z');
  // 02:30 does not exist in Paris on the night clocks go forward: read as the next valid time.
  assert.equal(zonedInstant('2026-03-29T02:30', 'Europe/Paris'), '2026-03-29T01:30:00.000Z');
  for (const kept of ['2026-12-05T15:00:00Z', '2026-12-05T15:00+05:00', '2026-02-30T10:00', 'tomorrow', '', '2026-12-05T25:00'])
    assert.equal(zonedInstant(kept, 'Asia/Tokyo'), kept, kept);
});

test("every zone-less shape the date rule takes is a wall clock of the zone asked for, never of the server process's zone", () => {
  // Date.parse read these (Laravel's strtotime takes them) in the process's own zone (TZ), so a list
  // filter or a callback written so moved with the server's clock, not with TIMEZONE or UTC.
  assert.equal(zonedInstant('2026-12-05 9:05', 'Asia/Tokyo'), '2026-12-05T00:05:00.000Z');
  assert.equal(zonedInstant('2026-12-05 13:27:5', 'Asia/Tokyo'), '2026-12-05T04:27:05.000Z');
  assert.equal(zonedInstant('2026-12-05T15:00:00.1234567891', 'Africa/Casablanca'), '2026-12-05T14:00:00.123Z');
  assert.equal(zonedInstant('2026-12-05 15:00:00.1234567891', 'UTC'), '2026-12-05T15:00:00.123Z');
  for (const s of ['2026-12-05 9:05', '2026-12-05 13:27:5', '2026-12-05T15:00:00.1234567891']) assert.ok(isDate(s), s);
  // What Date.parse alone took is no date: nothing zone-less reaches it.
  for (const s of ['2026-12-05 13:', '2026-12-05 ::', '2026-12-05 13:27:00:', '2026-12-05 013:27']) assert.equal(isDate(s), false, s);
  for (const s of ['2026-12-05T15:00:00Z', '2026-12-05 15:00+01:00', '2026-12-05T15:00:00.5']) assert.ok(isDate(s), s);
});

test("hour 24 is the next day's hour 0, as PHP's strtotime reads it, in the zone asked for and whatever the process's zone", () => {
  assert.equal(zonedInstant('2026-12-05 24:00', 'UTC'), '2026-12-06T00:00:00.000Z');
  assert.equal(zonedInstant('2026-12-05T24:00:00', 'Africa/Casablanca'), '2026-12-05T23:00:00.000Z');
  assert.equal(zonedInstant('2026-12-31 24:30', 'UTC'), '2027-01-01T00:30:00.000Z');
  assert.equal(zonedInstant('2026-02-28 24:00:01.5', 'Asia/Tokyo'), '2026-02-28T15:00:01.500Z');
  for (const s of ['2026-12-05 24:00', '2026-12-05 24:30', '2026-12-05 24:59:59', '2026-12-31T24:00']) assert.ok(isDate(s), s);
  for (const s of ['2026-12-05 25:00', '2026-12-05 24:60', '2026-02-30 24:00']) assert.equal(isDate(s), false, s);
  // A list's `to` covers the minute written: 24:30 is the next day's 00:30.
  assert.equal(dateBefore('2026-12-05 24:30', 'UTC'), '2026-12-06T00:31:00.000Z');
  assert.equal(dateBefore('2026-12-05 24:00', 'Africa/Casablanca'), '2026-12-05T23:01:00.000Z');
});

test("hour 24 with a zone is that zone's next day at hour 0, as without one (PHP's strtotime); hour 25 is still no date", () => {
  assert.equal(zonedInstant('2026-12-05T24:30Z', 'Asia/Tokyo'), '2026-12-06T00:30:00.000Z');
  assert.equal(zonedInstant('2026-12-05T24:00:00+01:00', 'UTC'), '2026-12-05T23:00:00.000Z');
  assert.equal(zonedInstant('2026-12-31 24:59:59.5-0330', 'UTC'), '2027-01-01T04:29:59.500Z');
  assert.equal(zonedInstant('2026-02-28T24:15+05:45', 'UTC'), '2026-02-28T18:30:00.000Z');
  for (const s of ['2026-12-05T24:30Z', '2026-12-05T24:00:00+01:00', '2026-12-05 24:30+0100', '2026-12-31T24:59:59.999Z'])
    assert.ok(isDate(s), s);
  for (const s of ['2026-12-05T25:00Z', '2026-12-05T24:60Z', '2026-12-05T24:30:60+01:00', '2026-02-30T24:00Z', '2026-12-05T124:00Z'])
    assert.equal(isDate(s), false, s);
  for (const kept of ['2026-12-05T25:00Z', '2026-12-05T24:60Z']) assert.equal(zonedInstant(kept, 'UTC'), kept, kept);
  // A list's `to` covers the minute written, in the zone written.
  assert.equal(dateBefore('2026-12-05T24:30Z', 'Asia/Tokyo'), '2026-12-06T00:31:00.000Z');
  assert.equal(dateBefore('2026-12-05T24:00:00+01:00', 'UTC'), '2026-12-05T23:00:01.000Z');
});

test('the local day of an instant, and the end of a local day', () => {
  assert.equal(dayIn('2026-12-04T23:30:00Z', 'Africa/Casablanca'), '2026-12-05');
  assert.equal(dayIn(new Date('2026-12-04T23:30:00Z'), 'UTC'), '2026-12-04');
  assert.equal(startOfDayAfter('2026-12-05', 'Asia/Tokyo').toISOString(), '2026-12-05T15:00:00.000Z');
  assert.equal(startOfDayAfter('2026-03-29', 'Europe/Paris').toISOString(), '2026-03-29T22:00:00.000Z', 'a 23-hour day');
});

test("the home's periods: today and the 30 days ending today, from the platform's midnights", () => {
  const { today, month } = homePeriods('Africa/Casablanca', new Date('2026-12-04T23:30:00Z'));
  assert.equal(today.toISOString(), '2026-12-04T23:00:00.000Z');
  assert.equal(month.toISOString(), '2026-11-05T23:00:00.000Z');
  // Across Paris's change of clocks the 30 days hold a 25-hour day.
  assert.equal(homePeriods('Europe/Paris', new Date('2026-11-10T12:00:00Z')).month.toISOString(), '2026-10-11T22:00:00.000Z');
});

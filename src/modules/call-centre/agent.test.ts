import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hoursLabel, isWorkingTime } from './agent.js';

const at = (hhmm: string) => new Date(`2026-12-07T${hhmm}:00Z`);

test('working hours: start included, end excluded; an end before its start crosses midnight', () => {
  const day = [{ startTime: '09:00', endTime: '17:00' }];
  assert.deepEqual(
    ['08:59', '09:00', '16:59', '17:00'].map((t) => isWorkingTime(day, 'UTC', at(t))),
    [false, true, true, false],
  );
  // 22:00–06:00: from 22:00 to 06:00 the next day, on both sides of midnight.
  const night = [{ startTime: '22:00', endTime: '06:00' }];
  assert.deepEqual(
    ['21:59', '22:00', '23:59', '00:00', '02:30', '05:59', '06:00', '12:00'].map((t) => isWorkingTime(night, 'UTC', at(t))),
    [false, true, true, true, true, true, false, false],
  );
  // Read in the platform's zone: 21:30 UTC is 22:30 in Casablanca (UTC+1 in December).
  assert.equal(isWorkingTime(night, 'Africa/Casablanca', at('21:30')), true);
  assert.equal(hoursLabel(night[0]), '22:00–06:00 (next day)');
  assert.equal(hoursLabel(day[0]), '09:00–17:00');
});

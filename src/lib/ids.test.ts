import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTime } from 'ulidx';
import { newId } from './ids.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

test('ids are ULIDs of now, unique and increasing even within one millisecond', () => {
  const before = Date.now();
  const ids = Array.from({ length: 10_000 }, () => newId());
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
  for (const id of [ids[0], ids.at(-1)!]) {
    assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.ok(decodeTime(id) >= before && decodeTime(id) <= Date.now());
  }
});

test('the random part draws every character about as often (pooled bytes, 32 divides 256)', () => {
  const counts = new Map<string, number>();
  // A new millisecond each time, so every id has a fresh random part (not an increment).
  const start = Date.now() + 1_000_000;
  for (let i = 0; i < 4_000; i++) {
    for (const c of newId(start + i).slice(10)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), [...CROCKFORD]);
  // 64,000 characters: 2,000 expected each; a biased or stuck draw falls far outside.
  for (const [c, n] of counts) assert.ok(n > 1_700 && n < 2_300, `${c}: ${n}`);
});

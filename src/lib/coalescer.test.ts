import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Coalescer } from './coalescer.js';

/** A coalescer of numbers whose batches are kept, released by hand, failing when asked. */
function harness(maxWeight = 10) {
  const batches: number[][] = [];
  const release: (() => void)[] = [];
  const c = new Coalescer<number, string>(
    async (jobs) => {
      batches.push(jobs);
      await new Promise<void>((r) => release.push(r));
      if (jobs.includes(13)) throw new Error('unlucky batch');
      return jobs.map((j) => (j < 0 ? { status: 'rejected', reason: new Error(`bad ${j}`) } : { status: 'fulfilled', value: `done ${j}` }));
    },
    (j) => Math.abs(j),
    maxWeight,
  );
  const tick = () => new Promise((r) => setImmediate(r));
  return { c, batches, release: async () => (release.shift()!(), await tick()) };
}

test('an idle key runs at once; jobs arriving meanwhile go in the next batch, up to the weight; keys do not mix', async () => {
  const { c, batches, release } = harness();
  const out = [c.add('a', 1), c.add('a', 2), c.add('b', 3), c.add('a', 4), c.add('a', 5)];
  assert.deepEqual(batches, [[1], [3]], 'each idle key started its first job');
  await release();
  assert.deepEqual(batches.slice(2), [[2, 4]], '2 + 4 + 5 would weigh 11: 5 waits');
  await release();
  await release();
  await release();
  assert.deepEqual(batches.slice(3), [[5]]);
  assert.deepEqual(await Promise.all(out), ['done 1', 'done 2', 'done 3', 'done 4', 'done 5']);
});

test('each job gets its own outcome; a batch that throws rejects its jobs only', async () => {
  const { c, release } = harness();
  const outcomes = Promise.allSettled([c.add('a', 1), c.add('a', -2), c.add('a', 2)]);
  await release();
  await release();
  const [first, bad, good] = await outcomes;
  assert.deepEqual(first, { status: 'fulfilled', value: 'done 1' });
  assert.match(String(bad.status === 'rejected' && bad.reason), /bad -2/);
  assert.deepEqual(good, { status: 'fulfilled', value: 'done 2' });
  const later = Promise.allSettled([c.add('a', 1), c.add('a', 13), c.add('a', 3)]);
  await release();
  await release();
  await release();
  const [, unlucky, after] = await later;
  assert.match(String(unlucky.status === 'rejected' && unlucky.reason), /unlucky batch/);
  assert.deepEqual(after, { status: 'fulfilled', value: 'done 3' }, 'the next batch runs after a failed one');
});

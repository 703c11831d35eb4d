import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tenant, withTestApp } from '../../test-support/harness.js';
import { agent } from '../../test-support/session.js';

test('simultaneous wrong passwords are throttled like successive ones: five checked, the rest 429 (security audit)', async () => {
  await withTestApp(async (t) => {
    const { email } = await tenant(t.db, { skus: false });
    const guessers = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const visitor = agent(t.app);
        await visitor.get('/login');
        return visitor;
      }),
    );
    const answers = await Promise.all(
      guessers.map((g, i) => g.json('POST', '/login', { email, password: `guess-${i}` }).then((res) => res.statusCode)),
    );
    const count = (status: number) => answers.filter((s) => s === status).length;
    assert.deepEqual({ checked: count(422), throttled: count(429) }, { checked: 5, throttled: 15 });

    // The right password is refused too until the minute is over.
    const owner = agent(t.app);
    await owner.get('/login');
    const late = await owner.json('POST', '/login', { email, password: 'password-123' });
    assert.equal(late.statusCode, 429);
    const body = late.json() as { message: string };
    assert.deepEqual(Object.keys(body), ['message']);
    assert.match(body.message, /^Too many login attempts\. Please try again in \d+ seconds\.$/);
  });
});

test('a right password clears the count: failures before it do not add up with those after (security audit)', async () => {
  await withTestApp(async (t) => {
    const { email } = await tenant(t.db, { skus: false });
    const visitor = agent(t.app);
    await visitor.get('/login');
    const tryWith = async (password: string) => (await visitor.json('POST', '/login', { email, password })).statusCode;
    for (let i = 0; i < 4; i++) assert.equal(await tryWith(`wrong-${i}`), 422);
    assert.equal(await tryWith('password-123'), 200);
    const again = agent(t.app);
    await again.get('/login');
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await again.json('POST', '/login', { email, password: `wrong-${i}` })).statusCode);
    assert.deepEqual(statuses, [422, 422, 422, 422, 422, 429]);
  });
});

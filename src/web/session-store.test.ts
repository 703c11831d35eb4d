import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedTestApp, type TestApp } from '../test-support/harness.js';
import { DbSessionStore } from './session-store.js';

let t: TestApp;
sharedTestApp((app) => (t = app));

// Found by the uploads audit: a flash quoting an uploaded file's name with a NUL could not be saved
// (jsonb holds no NUL), so the page of an import that had already started was a 500.
test('a session whose texts or keys hold control characters is saved without them', async () => {
  const store = new DbSessionStore(t.db, 60_000);
  const session = { flash: { success: 'Importing a\u0000b.csv.' }, old: { 'na\u0000me': 'x\u0001y' } };
  await new Promise<void>((resolve, reject) => store.set('sid-control', session, (err) => (err ? reject(err as Error) : resolve())));
  const back = await new Promise((resolve, reject) =>
    store.get('sid-control', (err, value) => (err ? reject(err as Error) : resolve(value))),
  );
  assert.deepEqual(back, { flash: { success: 'Importing ab.csv.' }, old: { name: 'xy' } });
});

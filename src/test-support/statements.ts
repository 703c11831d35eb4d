import type { TestApp } from './harness.js';

/** The statements `fn` runs in transactions of the app's database, as their texts (set-based checks: n rows, one statement). */
export async function statements(t: TestApp, fn: () => Promise<unknown>): Promise<string[]> {
  const texts: string[] = [];
  const tx = t.db.tx.bind(t.db);
  t.db.tx = ((work, opts) =>
    tx(
      (q) =>
        work(
          new Proxy(q, {
            get: (target, key) =>
              key === 'query'
                ? (text: string, ...rest: unknown[]) => (texts.push(text), (target.query as (...a: unknown[]) => unknown)(text, ...rest))
                : Reflect.get(target, key),
          }),
        ),
      opts,
    )) as typeof t.db.tx;
  try {
    await fn();
  } finally {
    t.db.tx = tx;
  }
  return texts;
}

import { after, before } from 'node:test';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { loadConfig, type Config } from '../config.js';
import type { Database } from '../db/database.js';
import { openMigrated } from './pglite-template.js';
import { createAccount } from '../modules/accounts/service.js';
import { createProduct } from '../modules/products/service.js';
import { SCOPES, type Scope } from '../core/scopes.js';
import { createToken } from '../modules/tokens/tokens.js';
import type { Role } from '../core/roles.js';
import { createUser } from '../modules/users/service.js';
import { newId } from '../lib/ids.js';

/** PostgreSQL when DATABASE_URL is set, else an in-memory PGlite. */
export const usingPostgres = Boolean(process.env.DATABASE_URL);

export interface TestApp {
  app: FastifyInstance;
  db: Database;
  config: Config;
  close(): Promise<void>;
}

/**
 * The app key of every test process: workers of different test files share one PostgreSQL database and
 * may run each other's jobs, which must open the same sealed secrets.
 */
export const TEST_APP_KEY = 'test-key-test-key-test-key-test-key-0000';

export async function testApp(env: Record<string, string> = {}, opts: { logger?: Record<string, unknown> } = {}): Promise<TestApp> {
  // In-process apps count rate limits in memory: tests sharing one PostgreSQL database (and so one
  // installation id) would otherwise share Redis counters for 127.0.0.1. Redis is tested with real
  // server processes (test/process.test.ts).
  const config = loadConfig({ ...process.env, APP_KEY: TEST_APP_KEY, REDIS_URL: '', ...env }, { persistKey: false });
  const db = await openMigrated(config, { memory: true });
  const app = await buildApp({ config, db, logger: opts.logger ?? false });
  await app.ready();
  return {
    app,
    db,
    config,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** A test app whose server log (pino's JSON lines from `level` up) is kept: tests of what the logs hold. */
export async function loggedTestApp(level: 'info' | 'trace'): Promise<TestApp & { log(): string }> {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const t = await testApp({}, { logger: { level, stream } });
  return { ...t, log: () => lines.join('') };
}

export interface Tenant {
  accountId: string;
  userId: string;
  email: string;
  token: string;
  tokenId: number;
  /** Authorization header for `token`. */
  auth: { authorization: string };
}

/** An account with a seller, active products P1/P2 (199, 50) and an inactive OFF, and an all-scopes token. */
export async function tenant(db: Database, opts: { scopes?: Scope[]; role?: Role; skus?: boolean } = {}): Promise<Tenant> {
  const { id: accountId } = await createAccount(db, { name: `Shop ${newId().slice(-6)}` });
  const role = opts.role ?? 'seller';
  const email = `${role}-${newId().toLowerCase()}@example.test`;
  const { id: userId } = await createUser(db, { role, email, password: 'password-123', fullName: `Test ${role}`, accountId });
  if (opts.skus !== false) {
    await createProduct(db, { accountId, sku: 'P1', name: 'Argan Oil 100ml', price: 199 });
    await createProduct(db, { accountId, sku: 'P2', name: 'Amlou 250g', price: 50 });
    await createProduct(db, { accountId, sku: 'OFF', name: 'Retired', price: 10, status: 'inactive' });
  }
  const { id: tokenId, token } = await createToken(db, {
    userId,
    accountId,
    name: 'Test shop',
    scopes: opts.scopes ?? [...SCOPES],
    expiresAt: null,
  });
  return { accountId, userId, email, token, tokenId, auth: { authorization: `Bearer ${token}` } };
}

export const lead = (i = 0, over: Record<string, unknown> = {}) => ({
  phone: `06${String(12_000_000 + i)}`,
  full_name: `Customer ${i}`,
  city: 'Casablanca',
  products: [{ sku: 'P1', quantity: 2, price: 199 }],
  ...over,
});

export const order = (i = 0, over: Record<string, unknown> = {}) => ({
  full_name: `Customer ${i}`,
  phone: `06${String(13_000_000 + i)}`,
  city: 'Rabat',
  address: `${i} Avenue Hassan II`,
  is_fees_paid_by_customer: false,
  total: 398,
  products: [{ sku: 'P1', quantity: 2, price: 199 }],
  ...over,
});

/** Runs `fn` with an app of its own, closed afterwards whether `fn` passed or threw. */
/** An API v1 request with `a`'s token: its status and its JSON body (undefined when empty). */
export async function apiCall(
  app: FastifyInstance,
  a: Tenant,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  payload?: unknown,
) {
  const r = await app.inject({
    method,
    url: `/api/web/1.0${path}`,
    headers: a.auth,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
}

export async function withTestApp<T>(fn: (t: TestApp) => Promise<T>, env?: Record<string, string>): Promise<T> {
  const t = await testApp(env);
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

/**
 * One app for all the tests of a file: opened before the first, closed after the last. `use`
 * receives it (`let t: TestApp; sharedTestApp((app) => (t = app));`).
 */
export function sharedTestApp(use: (t: TestApp) => void, env?: Record<string, string>) {
  let app: TestApp | undefined;
  before(async () => {
    app = await testApp(env);
    use(app);
  });
  after(() => app?.close());
}

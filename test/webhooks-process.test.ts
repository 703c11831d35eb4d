// Webhook delivery survives a crash: SIGKILL `codops worker` during a burst of deliveries, start
// another, and every event reaches the receiver at least once, signed (webhooks-files.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SYSTEM } from '../src/core/actor.js';
import { newId } from '../src/lib/ids.js';
import { seal } from '../src/lib/seal.js';
import { createLeads } from '../src/modules/leads/service.js';
import { SECRET_PURPOSE } from '../src/modules/webhooks/service.js';
import { lead, tenant, TEST_APP_KEY } from '../src/test-support/harness.js';
import { ownDatabase, spawnProcess, tempDataDir, withDatabase, type LongProcess } from './support/server-process.js';

// Workers killed here must not hold other files' jobs (see ownDatabase).
await ownDatabase();

const EVENTS = 300;
const SECRET = 'crash-secret';
/** How long a worker holds a claimed batch (modules/webhooks/delivery.ts's default lease). */
const LEASE_MS = 25_000;

async function stop(p: LongProcess) {
  p.proc.kill('SIGTERM');
  assert.equal(await p.exited, 0, p.output());
}

test(`${EVENTS} lead.created deliveries, SIGKILL the worker midway, start another: every event delivered at least once`, async () => {
  const dataDir = tempDataDir();
  const env = { DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL, WEBHOOKS_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'warn' };
  const got = new Map<string, number>(); // event id → times received
  let bad = 0;
  let lastRequest = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const mac = createHmac('sha256', SECRET).update(`${req.headers['x-codops-timestamp']}.${body}`).digest('hex');
      if (req.headers['x-codops-signature'] !== `sha256=${mac}`) bad++;
      const id = JSON.parse(body).id as string;
      got.set(id, (got.get(id) ?? 0) + 1);
      lastRequest = Date.now();
      setTimeout(() => res.writeHead(200).end('ok'), 30); // a receiver that takes a moment
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/crash`;
  try {
    const { webhookId } = await withDatabase(dataDir, async (db) => {
      const shop = await tenant(db);
      const id = newId();
      await db.query(`INSERT INTO webhooks (id, account_id, url, secret_sealed, event_types) VALUES ($1, $2, $3, $4, '{lead.created}')`, [
        id,
        shop.accountId,
        url,
        seal(TEST_APP_KEY, SECRET, SECRET_PURPOSE),
      ]);
      await db.tx((q) => createLeads(q, SYSTEM, shop.accountId, { leads: Array.from({ length: EVENTS }, (_, i) => lead(i)) }));
      return { webhookId: id };
    });

    const first = spawnProcess(['src/cli/index.ts', 'worker'], env);
    for (const end = Date.now() + 120_000; got.size < EVENTS / 4; await sleep(5)) {
      if (first.proc.exitCode !== null || Date.now() > end) {
        first.proc.kill('SIGKILL');
        assert.fail(`the deliveries did not get going (${got.size}):\n${first.output()}`);
      }
    }
    first.proc.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    const atKill = got.size;
    assert.ok(atKill < EVENTS, `killed midway (${atKill} delivered)`);

    const second = spawnProcess(['src/cli/index.ts', 'worker'], env);
    // The batch the killed worker held (sent or not, never recorded) goes again once its lease lapses.
    const settled = () => got.size === EVENTS && Date.now() > killedAt + LEASE_MS + 2_000 && Date.now() - lastRequest > 2_000;
    for (const end = Date.now() + 120_000; !settled(); await sleep(50)) {
      if (second.proc.exitCode !== null || Date.now() > end) {
        second.proc.kill('SIGKILL');
        assert.fail(`only ${got.size} of ${EVENTS} events arrived:\n${second.output()}`);
      }
    }
    await stop(second);

    assert.equal(got.size, EVENTS, 'every event arrived');
    assert.equal(bad, 0, 'every signature verifies');
    const again = [...got.values()].filter((n) => n > 1).length;
    console.log(`# killed after ${atKill} events; ${again} sent twice (at least once: receivers deduplicate by id)`);
    await withDatabase(dataDir, async (db) => {
      const { rows } = await db.query<{ state: string; n: number }>(
        'SELECT state, count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 GROUP BY state',
        [webhookId],
      );
      assert.deepEqual(rows, [{ state: 'delivered', n: EVENTS }]);
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

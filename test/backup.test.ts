import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { openDatabase } from '../src/db/open.js';
import { socketPath } from '../src/db/wire.js';
import { runCommand, spawnProcess, startServer, tempDataDir } from './support/server-process.js';

const BATCH = 40;

/**
 * The embedded database, backed up while a server runs on it and writes come in: `codops` commands
 * reach the server's database through its socket (the data directory is locked), the backup is
 * restored into an empty DATA_DIR, and holds whole batches only.
 */
test(
  'backup during writes, restore, whole batches only',
  { skip: process.env.DATABASE_URL ? 'the embedded database only' : false },
  async (t) => {
    const dataDir = tempDataDir();
    const env = { DATA_DIR: dataDir, DATABASE_URL: '', APP_KEY: 'backup-test-key-backup-test-key-0000' };
    const codops = (...args: string[]) => runCommand(['src/cli/index.ts', ...args], env);
    const server = await startServer({ ...env, WORKERS: '0', API_RATE_LIMIT_PER_MINUTE: '100000' });
    try {
      assert.equal(statSync(socketPath(dataDir)).mode & 0o777, 0o600, 'the socket is owner-only');

      // Every command works while the server holds the directory, and says what it says alone.
      const migrated = await codops('migrate');
      assert.equal(migrated.stdout, 'Nothing to migrate.\n', migrated.stderr);
      const account = await codops('account:create', '--name', 'Backup Shop', '--json');
      assert.equal(account.code, 0, account.stderr);
      const accountId = JSON.parse(account.stdout).id as string;
      const email = 'backup-seller@example.test';
      for (const args of [
        [
          'user:create',
          '--role',
          'seller',
          '--email',
          email,
          '--password',
          'password-123',
          '--name',
          'Backup Seller',
          '--account',
          accountId,
        ],
        ['product:create', '--account', accountId, '--sku', 'P1', '--name', 'Argan Oil', '--price', '199'],
      ]) {
        const r = await codops(...args);
        assert.equal(r.code, 0, r.stderr);
      }
      const dup = await codops('product:create', '--account', accountId, '--sku', 'P1', '--name', 'Again', '--price', '10');
      assert.equal(dup.code, 1);
      assert.equal(dup.stderr, 'codops: The SKU P1 is already used in this account.\n');
      const tokenRun = await codops('token:create', '--email', email, '--account', accountId, '--name', 'shop', '--scopes', 'CREATE LEADS');
      assert.equal(tokenRun.code, 0, tokenRun.stderr);
      const token = tokenRun.stdout.trim();

      // Batches of BATCH leads, one request (one transaction) each, back to back.
      let sent = 0;
      let writing = true;
      const writer = (async () => {
        for (let b = 0; writing; b++) {
          const leads = Array.from({ length: BATCH }, (_, i) => ({
            phone: `06${String(20_000_000 + b * BATCH + i)}`,
            full_name: `Batch ${b} lead ${i}`,
            products: [{ sku: 'P1', quantity: 1, price: 199 }],
          }));
          const res = await fetch(`${server.url}/api/web/1.0/leads`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify({ leads }),
          });
          assert.equal(res.status, 201, await res.text());
          sent = b + 1;
        }
      })();
      while (sent < 3) await new Promise((r) => setTimeout(r, 50));
      const file = join(tempDataDir(), 'codops.backup');
      const backup = await codops('backup', file);
      const sentAtBackup = sent;
      while (sent < sentAtBackup + 2) await new Promise((r) => setTimeout(r, 50));
      writing = false;
      await writer;
      assert.equal(backup.code, 0, backup.stderr);
      assert.match(backup.stdout, /^Backup written: .+ \(\d+ bytes\)\.\n$/);

      // Restore: not over a directory in use or holding a database; yes into an empty one.
      const busy = await codops('restore', file);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /already holds a database: restore into an empty DATA_DIR/);
      const fresh = tempDataDir();
      const restored = await runCommand(['src/cli/index.ts', 'restore', file], { ...env, DATA_DIR: fresh, FILES: 'local', S3_URL: '' });
      assert.equal(restored.code, 0, restored.stderr);
      // What the backup does not hold is said, not left for the operator to find out (outside check).
      assert.equal(
        restored.stdout,
        [
          `Restored ${file} into ${fresh}.`,
          'The backup holds the database (every record, user, session and queued job) and nothing else of DATA_DIR. Before starting the server:',
          "- the app key: start it with the APP_KEY it had when the backup was made (or put that DATA_DIR/app.key back): under another key its sessions and reset links are void and the shipping companies' API keys and webhook secrets cannot be read (with neither, the server makes a new key);",
          '- the files (uploads, exports) are not in the backup: restore DATA_DIR/uploads from its own copy.',
          '',
        ].join('\n'),
      );

      // A restore cut short (Ctrl-C) leaves no half-written database: it left a pgdata that no process
      // could open ("Aborted()") and that the next restore refused as a database (CLI audit).
      const cutShort = tempDataDir();
      const first = spawnProcess(['src/cli/index.ts', 'restore', file], { ...env, DATA_DIR: cutShort });
      const unpacking = () => ['pgdata', 'pgdata.restoring'].some((d) => existsSync(join(cutShort, d)));
      while (!unpacking() && first.proc.exitCode === null) await new Promise((r) => setTimeout(r, 5));
      first.proc.kill('SIGINT');
      assert.equal(await first.exited, 130, first.output());
      // Nor its staging copy and lock (left for the next restore to find: CLI audit).
      assert.deepEqual(readdirSync(cutShort), [], 'the directory as it was');
      const again = await runCommand(['src/cli/index.ts', 'restore', file], { ...env, DATA_DIR: cutShort });
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(readdirSync(cutShort).sort(), ['pgdata'], 'the half-restored copy is gone');

      const db = await openDatabase({ databaseUrl: undefined, dataDir: fresh });
      try {
        const { rows } = await db.query<{ batch: string; n: number }>(
          `SELECT split_part(full_name, ' ', 2) AS batch, count(*)::int AS n FROM leads WHERE account_id = $1 GROUP BY 1 ORDER BY min(split_part(full_name, ' ', 2)::int)`,
          [accountId],
        );
        assert.ok(rows.length >= 3, `the batches before the backup are in it (${rows.length})`);
        assert.ok(rows.length < sent, `the batches after it are not (${rows.length} of ${sent})`);
        t.diagnostic(`${sent} batches of ${BATCH} sent; the backup holds ${rows.length}, each whole`);
        for (const r of rows) assert.equal(r.n, BATCH, `batch ${r.batch} is whole`);
        assert.deepEqual(
          rows.map((r) => Number(r.batch)),
          rows.map((_, i) => i),
          'no batch is missing in the middle',
        );
      } finally {
        await db.close();
      }
    } finally {
      server.proc.kill('SIGTERM');
      await server.exited;
    }
  },
);

test(
  'backup and restore refuse what they cannot use in one line, and leave nothing behind',
  { skip: process.env.DATABASE_URL ? 'the embedded database only' : false },
  async () => {
    const dir = tempDataDir();
    const env = { DATA_DIR: join(dir, 'data'), DATABASE_URL: '', APP_KEY: 'backup-test-key-backup-test-key-0000' };
    const codops = (...args: string[]) => runCommand(['src/cli/index.ts', ...args], env);
    const cut = join(dir, 'cut.backup');
    writeFileSync(cut, gzipSync(randomBytes(200_000)).subarray(0, 50_000));
    const notGzip = join(dir, 'notes.txt');
    writeFileSync(notGzip, 'not a backup');
    const otherGzip = join(dir, 'other.gz'); // whole, but not PGlite's dump: the restore makes DATA_DIR, then takes it away
    writeFileSync(otherGzip, gzipSync(Buffer.from('hello')));
    const cases: [string[], RegExp][] = [
      [['restore', cut], /is not a codops backup .*, or it is cut short: unexpected end of file\.$/],
      [['restore', notGzip], /is not a codops backup .*, or it is cut short: incorrect header check\.$/],
      [['restore', otherGzip], /is not a codops backup /],
      [['restore', dir], /is a folder, not a backup\.$/],
      [['backup', dir], /is a folder: give the backup a file name\.$/],
      [['backup', join(dir, 'missing', 'x.backup')], /^codops: No folder .*missing: create it first\.$/],
      // A DATA_DIR holding no database (mistyped): the backup made an empty one there and backed that up (CLI audit).
      [['backup', join(dir, 'x.backup')], /^codops: No database in DATA_DIR \(.*\/data\): nothing to back up\.$/],
    ];
    for (const [args, message] of cases) {
      const r = await codops(...args);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.match(r.stderr.trim(), message);
    }
    assert.deepEqual(
      readdirSync(dir).sort(),
      ['cut.backup', 'notes.txt', 'other.gz'],
      'no .part file, no database restored, no DATA_DIR left',
    );
    // A file where the database's folder goes: Node's own words came out (`ENOTDIR: not a directory, scandir …`: files audit).
    const odd = tempDataDir();
    writeFileSync(join(odd, 'pgdata'), 'x');
    const r = await runCommand(['src/cli/index.ts', 'restore', otherGzip], { ...env, DATA_DIR: odd });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `codops: ${join(odd, 'pgdata')} is a file, not a database folder: move it away, or restore into another DATA_DIR.`,
    );
    assert.deepEqual(readdirSync(odd), ['pgdata']);
  },
);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { runCommand, tempDataDir, withDatabase } from './support/server-process.js';
import { ROLES } from '../src/core/roles.js';
import type { Database } from '../src/db/database.js';

// Asia/Tokyo (UTC+9, no summer time): a token's last day ends at 14:59:59 UTC.
const env = { DATA_DIR: tempDataDir(), DATABASE_URL: process.env.DATABASE_URL, TIMEZONE: 'Asia/Tokyo' };
const codops = (...args: string[]) => runCommand(['src/cli/index.ts', ...args], env);
const json = (s: string) => JSON.parse(s) as Record<string, unknown>;

test('the codops command creates accounts, users, products and tokens, and refuses bad input in one line', async () => {
  const migrated = await codops('migrate', '--json');
  assert.equal(migrated.code, 0, migrated.stderr);
  if (!process.env.DATABASE_URL) {
    // A fresh DATA_DIR: every migration file is applied, and said so.
    const files = readdirSync(new URL('../migrations/', import.meta.url));
    assert.deepEqual(json(migrated.stdout).applied, files.sort());
  }
  const again = await codops('migrate');
  assert.equal(again.stdout, 'Nothing to migrate.\n');

  const account = await codops('account:create', '--name', 'Shop CLI', '--json');
  assert.equal(account.code, 0, account.stderr);
  const accountId = json(account.stdout).id as string;
  assert.match(accountId, /^[0-9A-HJKMNP-TV-Z]{26}$/);

  const email = `cli-${Date.now()}@example.test`;
  const user = await codops(
    'user:create',
    '--role',
    'seller',
    '--email',
    email,
    '--password',
    'secret-pass',
    '--name',
    'Cli Seller',
    '--account',
    accountId,
    '--json',
  );
  assert.equal(user.code, 0, user.stderr);
  assert.ok(json(user.stdout).id);

  const product = await codops(
    'product:create',
    '--account',
    accountId,
    '--sku',
    'CLI-1',
    '--name',
    'Cli product',
    '--price',
    '120',
    '--json',
  );
  assert.equal(product.code, 0, product.stderr);

  const token = await codops(
    'token:create',
    '--email',
    email,
    '--account',
    accountId,
    '--name',
    'Shop',
    '--scopes',
    'CREATE LEADS,VIEW LEADS',
  );
  assert.equal(token.code, 0, token.stderr);
  assert.match(token.stdout, /^\d+\|[0-9a-f]{48}\n$/, 'only the token, on one line');
  const [id, secret] = token.stdout.trim().split('|');

  await withDatabase(env.DATA_DIR, async (db) => {
    const { rows } = await db.query<{ dump: string }>('SELECT row_to_json(t)::text AS dump FROM api_tokens t WHERE id = $1', [Number(id)]);
    assert.equal(rows.length, 1);
    assert.ok(!rows[0].dump.includes(secret), 'the plaintext is never stored');
  });

  // Scopes stored in the documented order, a bare date lasting the whole day in TIMEZONE, as the dashboard does;
  // the email read as user:create reads it, spaces around it aside (it was "No user has the email  …": workflow audit).
  const dated = await codops(
    'token:create',
    '--email',
    ` ${email} `,
    '--account',
    accountId,
    '--name',
    'Dated',
    '--scopes',
    'VIEW LEADS,CREATE LEADS',
    '--expires-at',
    '2099-01-31',
    '--json',
  );
  assert.equal(dated.code, 0, dated.stderr);
  await withDatabase(env.DATA_DIR, async (db) => {
    const { rows } = await db.query<{ scopes: string[]; expires: string }>(
      `SELECT scopes, to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS expires FROM api_tokens WHERE id = $1`,
      [json(dated.stdout).id],
    );
    assert.deepEqual(rows[0], { scopes: ['CREATE LEADS', 'VIEW LEADS'], expires: '2099-01-31 14:59:59' });
  });
  // A token its holder cannot use yet is made, and said so (workflow audit: it was made without a word).
  await withDatabase(env.DATA_DIR, (db) => db.query(`UPDATE accounts SET status = 'inactive' WHERE id = $1`, [accountId]));
  const asleep = await codops('token:create', '--email', email, '--account', accountId, '--name', 'Asleep', '--scopes', 'VIEW LEADS');
  assert.equal(asleep.code, 0, asleep.stderr);
  assert.match(asleep.stdout, /^\d+\|[0-9a-f]{48}\n$/);
  assert.equal(asleep.stderr, 'codops: note: this token answers 401 until its user and its account are both active.\n');
  // A seller made in that account: made, and said so as the token is (workflow audit).
  const sleeper = await codops(
    ...['user:create', '--role', 'seller', '--email', `s-${email}`, '--password', 'secret-pass', '--name', 'S', '--account', accountId],
  );
  assert.equal(sleeper.code, 0, sleeper.stderr);
  assert.match(sleeper.stdout, /^User created: /);
  assert.equal(sleeper.stderr, 'codops: note: this user cannot log in until their account is active.\n');
  await withDatabase(env.DATA_DIR, (db) => db.query(`UPDATE accounts SET status = 'active' WHERE id = $1`, [accountId]));
  assert.equal(dated.stderr, '', 'no note for a token its holder can use');
  const noPhone = await codops(
    'user:create',
    '--role',
    'admin',
    '--email',
    `p-${email}`,
    '--password',
    'secret-pass',
    '--name',
    'P',
    '--phone',
    '',
  );
  assert.equal(noPhone.code, 0, 'an empty --phone is no phone: ' + noPhone.stderr);
  assert.equal(noPhone.stderr, '', 'no note outside an inactive account');
  // A scope the holder's role may not use is made, and said so: the API answers 403 to it (it was made without a word).
  const agent = await codops('user:create', '--role', 'agent', '--email', `a-${email}`, '--password', 'secret-pass', '--name', 'A');
  assert.equal(agent.code, 0, agent.stderr);
  const agentToken = (scopes: string) =>
    codops('token:create', '--email', `a-${email}`, '--account', accountId, '--name', 'Agent', '--scopes', scopes);
  const beyond = await agentToken('DELETE ORDERS,VIEW LEADS,UPDATE LEADS,CREATE LEADS');
  assert.equal(beyond.code, 0, beyond.stderr);
  assert.match(beyond.stdout, /^\d+\|[0-9a-f]{48}\n$/);
  assert.equal(
    beyond.stderr,
    'codops: note: the agent role may not use CREATE LEADS, DELETE ORDERS: the API answers 403 to those requests.\n',
  );
  const within = await agentToken('VIEW LEADS,UPDATE LEADS,VIEW ORDERS');
  assert.equal(within.code, 0, within.stderr);
  assert.equal(within.stderr, '', 'no note for scopes the role may use');

  const revoked = await codops('token:revoke', '--id', id, '--json');
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal(json(revoked.stdout).id, Number(id));
  // The id as a number (`--id 00012` said "Token 00012 revoked.").
  const plain = await codops('token:revoke', '--id', `00${json(dated.stdout).id}`);
  assert.equal(plain.stdout, `Token ${json(dated.stdout).id} revoked.\n`);

  for (const [args, message] of [
    [
      ['user:create', '--role', 'boss', '--email', 'x@y.z', '--password', 'secret-pass', '--name', 'X'],
      /^codops: The --role option must be one of admin, /,
    ],
    [
      ['user:create', '--role', 'seller', '--email', 'x@y.z', '--password', 'secret-pass', '--name', 'X'],
      /^codops: The --account option is required for sellers\.$/,
    ],
    [['user:create', '--role', 'admin', '--email', email, '--password', 'secret-pass', '--name', 'X'], /has already been taken/],
    [['user:create', '--role', 'admin', '--email', 'not-an-email', '--password', 'secret-pass', '--name', 'X'], /valid email address/],
    [
      ['product:create', '--account', accountId, '--sku', 'CLI-1', '--name', 'Again', '--price', '5'],
      /^codops: The SKU CLI-1 is already used in this account\.$/,
    ],
    [['product:create', '--account', accountId, '--sku', 'CLI-2', '--name', 'Bad', '--price', 'cheap'], /--price/],
    [['product:create', '--account', 'nope', '--sku', 'CLI-3', '--name', 'Bad', '--price', '5'], /^codops: No account has the id nope\.$/],
    [
      ['token:create', '--email', email, '--account', accountId, '--name', 'T', '--scopes', 'EAT LEADS'],
      /^codops: Unknown scope EAT LEADS/,
    ],
    [
      ['token:create', '--email', email, '--account', accountId, '--name', 'T', '--scopes', ' , '],
      /^codops: The --scopes option is required: use CREATE LEADS, VIEW LEADS, UPDATE LEADS, DELETE LEADS, CREATE ORDERS, VIEW ORDERS, UPDATE ORDERS, DELETE ORDERS\.$/,
    ],
    [['token:revoke', '--id', id], /^codops: No active token has the id/],
    // The CLI audit: dates and text read as the dashboard reads them.
    [['token:revoke', '--id', '99999999999999999999'], /^codops: No active token has the id 99999999999999999999\.$/],
    [
      ['token:create', '--email', email, '--account', accountId, '--name', 'T', '--scopes', 'VIEW LEADS', '--expires-at', '2027-02-30'],
      /^codops: The --expires-at option must be a valid date/,
    ],
    [
      ['token:create', '--email', email, '--account', accountId, '--name', 'T', '--scopes', 'VIEW LEADS', '--expires-at', '2020-01-01'],
      /^codops: The --expires-at option must be a date after now\.$/,
    ],
    [['account:create', '--name', 'Bad\u0001Name'], /^codops: The --name option must not contain control characters\.$/],
    [
      ['user:create', '--role', 'admin', '--email', 'x\u0001@shop.test', '--password', 'secret-pass', '--name', 'X'],
      /^codops: The --email option must not contain control characters\.$/,
    ],
    // What the user typed is echoed escaped: an escape sequence would act on the terminal, a line
    // feed forge a second line.
    [
      ['token:create', '--email', email, '--account', accountId, '--name', 'T', '--scopes', 'EAT\u001b[2J\nLEADS'],
      /^codops: Unknown scope EAT\\u001b\[2J\\u000aLEADS: use CREATE LEADS, VIEW LEADS, UPDATE LEADS, DELETE LEADS, CREATE ORDERS, VIEW ORDERS, UPDATE ORDERS, DELETE ORDERS\.$/,
    ],
    [
      ['product:create', '--account', 'n\u0007\rope', '--sku', 'CLI-3', '--name', 'Bad', '--price', '5'],
      /^codops: No account has the id n\\u0007\\u000dope\.$/,
    ],
    [['account:create'], /^codops: Required option '--name <name>' not specified$/],
    [['account:delete'], /^codops: Unknown command 'account:delete'$/],
  ] as [string[], RegExp][]) {
    const r = await codops(...args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.trim(), message);
  }
});

test(
  'two user:create of one email at once: the later says the email is taken, as one after the other does (it printed the duplicate-key error)',
  { skip: !process.env.DATABASE_URL && 'PostgreSQL only: on PGlite the data directory lock serialises them' },
  async () => {
    const email = `race-${Date.now()}@example.test`;
    const create = () => codops('user:create', '--role', 'admin', '--email', email, '--password', 'secret-pass', '--name', 'Race');
    let running: ReturnType<typeof create>[] = [];
    const rolledBack = new Error('rolled back');
    await withDatabase(env.DATA_DIR, (db) =>
      db
        .tx(async (q) => {
          // Both commands find the email free, then their inserts wait on this uncommitted one: rolled
          // back once both wait, one insert wins and the other meets the unique index.
          await q.query(`INSERT INTO users (id, role, full_name, email, password_hash) VALUES ('race-holder', 'admin', 'Held', $1, 'x')`, [
            email,
          ]);
          running = [create(), create()];
          for (let waited = 0; ; waited += 50) {
            const { rows } = await db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO users %'`,
            );
            if (rows[0].n === 2) break;
            assert.ok(waited < 60_000, 'both commands reach their insert');
            await new Promise((r) => setTimeout(r, 50));
          }
          throw rolledBack;
        })
        .catch((err: unknown) => {
          if (err !== rolledBack) throw err;
        }),
    );
    const results = await Promise.all(running);
    assert.equal(results.filter((r) => r.code === 0).length, 1, results.map((r) => r.stderr).join(''));
    const loser = results.find((r) => r.code !== 0)!;
    assert.deepEqual([loser.code, loser.stderr], [1, `codops: The email ${email} has already been taken.\n`]);
  },
);

test('codops demo seeds leads and orders in every status and prints a working token', async () => {
  const demo = await codops('demo', '--json');
  assert.equal(demo.code, 0, demo.stderr);
  const out = json(demo.stdout);
  // On PostgreSQL the suite shares one database, where a browser test may have loaded the demo first:
  // then this run is the second one and, as it should, prints no new token.
  if (out.token !== null || !process.env.DATABASE_URL) assert.match(out.token as string, /^\d+\|/);
  await withDatabase(env.DATA_DIR, async (db) => {
    const leads = await db.query<{ status: string }>('SELECT DISTINCT status FROM leads WHERE account_id = $1', [out.account_id]);
    assert.deepEqual(leads.rows.map((r) => r.status).sort(), [
      'call_later',
      'canceled',
      'confirmed',
      'duplicate',
      'new',
      'no_reply',
      'wrong',
    ]);
    // Its duplicates came through intake: each names the open lead it repeats.
    const duplicates = await db.query<{ n: number; named: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE d.duplicate_of = first.reference AND first.status = 'new')::int AS named
         FROM leads d LEFT JOIN leads first ON first.account_id = d.account_id AND first.phone_normalized = d.phone_normalized
                                           AND first.reference <> d.reference
        WHERE d.account_id = $1 AND d.status = 'duplicate'`,
      [out.account_id],
    );
    assert.deepEqual(duplicates.rows[0], { n: 10, named: 10 });
    const orders = await db.query<{ status: string }>('SELECT DISTINCT status FROM orders WHERE account_id = $1', [out.account_id]);
    assert.deepEqual(orders.rows.map((r) => r.status).sort(), ['canceled', 'delivered', 'new', 'returned', 'shipped']);
    // domain.md: a shipped order went with a shipping company or a delivery user, under a tracking number.
    // The demo's go with its courier, whose round (`/deliveries`) so has orders to deliver.
    const gone = await db.query<{ status: string; n: number; unsent: number; untracked: number; couriers: string[] }>(
      `SELECT o.status, count(*)::int AS n,
              count(*) FILTER (WHERE o.shipping_company_id IS NULL AND o.delivery_user_id IS NULL)::int AS unsent,
              count(*) FILTER (WHERE o.tracking_number IS NULL)::int AS untracked,
              array_agg(DISTINCT u.email) FILTER (WHERE u.email IS NOT NULL) AS couriers
         FROM orders o LEFT JOIN users u ON u.id = o.delivery_user_id
        WHERE o.account_id = $1 AND o.status IN ('shipped', 'delivered', 'returned')
        GROUP BY o.status ORDER BY o.status`,
      [out.account_id],
    );
    assert.deepEqual(
      gone.rows.map((r) => [r.status, r.n > 0, r.unsent, r.untracked, r.couriers]),
      ['delivered', 'returned', 'shipped'].map((s) => [s, true, 0, 0, ['delivery@codops.test']]),
    );
  });
  // A login per role, each printed; the agent has products and hours, the stock manager warehouses.
  const logins = out.logins as { role: string; email: string }[];
  assert.deepEqual(logins.map((l) => l.role).sort(), [...ROLES].sort());
  for (const l of logins) assert.match(out.instructions as string, new RegExp(`${l.role} +${l.email.replace('.', '\\.')} / `));

  // A second run (server elsewhere) adds nothing and prints the real address.
  const counts = (db: Database) =>
    db.query<{ leads: number; tokens: number; users: number }>(
      `SELECT (SELECT count(*)::int FROM leads WHERE account_id = $1) AS leads,
              (SELECT count(*)::int FROM api_tokens WHERE account_id = $1) AS tokens,
              (SELECT count(*)::int FROM users WHERE email LIKE '%@codops.test') AS users`,
      [out.account_id],
    );
  const before = await withDatabase(env.DATA_DIR, async (db) => (await counts(db)).rows[0]);
  const again = await runCommand(['src/cli/index.ts', 'demo', '--json'], { ...env, PORT: '4567', HOST: '0.0.0.0' });
  assert.equal(again.code, 0, again.stderr);
  const second = json(again.stdout);
  assert.equal(second.token, null);
  assert.equal(second.account_id, out.account_id);
  assert.match(second.instructions as string, /http:\/\/127\.0\.0\.1:4567\/login/);
  await withDatabase(env.DATA_DIR, async (db) => {
    assert.deepEqual((await counts(db)).rows[0], before);
    const agent = await db.query<{ products: number; hours: number; manager_id: string | null }>(
      `SELECT jsonb_array_length(products_ids_to_confirm) AS products, jsonb_array_length(agent_working_hours) AS hours, manager_id
         FROM users WHERE email = 'agent@codops.test'`,
    );
    assert.equal(agent.rows[0].products, 5);
    assert.equal(agent.rows[0].hours, 1);
    assert.ok(agent.rows[0].manager_id);
    const stock = await db.query<{ n: number }>(
      `SELECT jsonb_array_length(warehouses_ids_to_manage) AS n FROM users WHERE email = 'stock-manager@codops.test'`,
    );
    assert.equal(stock.rows[0].n, 2);
  });
});

test("a DATA_DIR that holds no database is refused by the commands that write into one, and left as it was (a mistyped one made a new database and 'Account created')", async () => {
  const typo = `${tempDataDir()}-typo`;
  const embedded = { DATA_DIR: typo, DATABASE_URL: '' };
  const refused = `codops: No database in DATA_DIR (${typo}): start the server there (npm start) or run codops migrate first.`;
  for (const args of [
    ['account:create', '--name', 'Oops'],
    ['token:revoke', '--id', '1'],
    ['product:create', '--account', '01M981AG000000000000000000', '--sku', 'S', '--name', 'N', '--price', '1'],
  ]) {
    const r = await runCommand(['src/cli/index.ts', ...args], embedded);
    assert.notEqual(r.code, 0, args[0]);
    assert.equal(r.stderr.trim(), refused, args[0]);
    assert.throws(() => readdirSync(typo), /ENOENT/, `${args[0]} made ${typo}`);
  }
  // migrate makes one (so does the server's first start, and demo); then the same command goes.
  assert.equal((await runCommand(['src/cli/index.ts', 'migrate'], embedded)).code, 0);
  const made = await runCommand(['src/cli/index.ts', 'account:create', '--name', 'Now', '--json'], embedded);
  rmSync(typo, { recursive: true, force: true });
  assert.equal(made.code, 0, made.stderr);
});

test('codops alone lists its commands (it printed only its usage line), and exits non-zero', async () => {
  const r = await codops();
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Usage: codops \[options\] \[command\]\n/);
  for (const command of ['migrate', 'account:create', 'token:create', 'worker', 'demo', 'backup', 'restore']) {
    assert.match(r.stderr, new RegExp(`\\n  ${command} `), command);
  }
});

// README audit: `codops --help` said what migrate, worker and demo do, but not the five create and
// revoke commands (a bare name with nothing beside it).
test('codops --help says what every command does', async () => {
  const r = await codops('--help');
  assert.equal(r.code, 0, r.stderr);
  const commands = r.stdout
    .split('Commands:\n')[1]
    .split('\n')
    .filter((l) => /^ {2}\S/.test(l));
  assert.ok(commands.length >= 10, r.stdout);
  for (const line of commands) assert.match(line, /^ {2}\S+( \[options\])?( <file>)?( \[command\])?\s{2,}\S/, line);
});

test('codops --version and -V print the version of package.json, and --help lists them', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = await codops(flag);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, `codops ${version}\n`, ''], flag);
  }
  assert.match((await codops('--help')).stdout, /\n {2}-V, --version +print the version\n/);
});

test('a database that does not answer is named as the server names it (the command said only "connect ECONNREFUSED": ops audit)', async () => {
  const r = await runCommand(['src/cli/index.ts', 'account:create', '--name', 'Z'], {
    DATA_DIR: tempDataDir(),
    DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x',
  });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'codops: cannot reach the database in DATABASE_URL (connect ECONNREFUSED 127.0.0.1:1).\n');
});

test('whatever stops the first connection to DATABASE_URL is said naming it, within 10 s (CLI audit)', async () => {
  // One hangs up ("Connection terminated unexpectedly" was all the command said); one takes the
  // connection and never answers (the command and the server's boot waited for good, silent).
  const hangUp = createServer((socket) => socket.destroy());
  const held: Socket[] = [];
  const silent = createServer((socket) => held.push(socket));
  const listening = (s: typeof hangUp) =>
    new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  const ports = [await listening(hangUp), await listening(silent)];
  try {
    const attempt = (port: number) =>
      runCommand(['src/cli/index.ts', 'account:create', '--name', 'Z'], {
        DATA_DIR: tempDataDir(),
        DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x`,
      });
    const [hungUp, unanswered] = await Promise.all(ports.map(attempt));
    assert.equal(hungUp.code, 1);
    // The driver says the one or the other as its startup message's write races the close (CI saw both).
    assert.match(
      hungUp.stderr,
      /^codops: cannot reach the database in DATABASE_URL \((Connection terminated unexpectedly|read ECONNRESET)\)\.\n$/,
    );
    assert.equal(unanswered.code, 1);
    assert.equal(unanswered.stderr, 'codops: cannot reach the database in DATABASE_URL (no answer within 10 s).\n');
  } finally {
    hangUp.close();
    for (const socket of held) socket.destroy();
    silent.close();
  }
});

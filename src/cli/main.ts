import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { loadConfig, ConfigError } from '../config.js';
import type { Database } from '../db/database.js';
import { pgCode, PG } from '../db/database.js';
import { DataDirLockedError } from '../db/data-dir-lock.js';
import { unreachableDatabase } from '../db/open.js';
import { migrate } from '../db/migrate.js';
import { createAccount } from '../modules/accounts/service.js';
import { findAccount } from '../modules/accounts/queries.js';
import { createProduct } from '../modules/products/service.js';
import { isScope, SCOPES, type Scope } from '../core/scopes.js';
import type { Role } from '../core/roles.js';
import { leadPolicy } from '../modules/leads/policy.js';
import { orderPolicy } from '../modules/orders/policy.js';
import { createToken, revokeToken, tokenExpiry } from '../modules/tokens/tokens.js';
import { findApiKey } from '../modules/tokens/api-key-queries.js';
import { hasControlCharacters } from '../http/input-hygiene.js';
import { isEmail } from '../http/validation.js';
import { isRole, ROLES } from '../core/roles.js';
import { createUser, findUserByEmail } from '../modules/users/service.js';
import { seedDemo } from './demo.js';
import { localBaseUrl } from '../lib/base-url.js';
import { runWorker } from './worker.js';
import { terminalLine } from '../lib/terminal-line.js';
import { backupCommands } from './backup.js';
import { openForCommand } from './open-db.js';

/** A refusal the user can act on: printed as one line on stderr, exit code 1. */
export class CliError extends Error {}

function text(name: string, value: string | undefined, min: number, max: number): string {
  const v = (value ?? '').trim();
  if (v === '') throw new CliError(`The --${name} option is required.`);
  // Refused as every other input path refuses them: a user or SKU holding one could never be used.
  if (hasControlCharacters(v)) throw new CliError(`The --${name} option must not contain control characters.`);
  if (v.length < min) throw new CliError(`The --${name} option must be at least ${min} characters.`);
  if (v.length > max) throw new CliError(`The --${name} option must not be greater than ${max} characters.`);
  return v;
}

/**
 * Opens the database, brought up to date first unless the command is `migrate` itself (it reports
 * what it applied); `longRunning`: `codops worker`, which holds DATA_DIR until stopped. On the
 * embedded database only the commands that may start one (`creates`: migrate, demo, worker) open a
 * DATA_DIR that holds none: a mistyped DATA_DIR made a new database (and app key) there, and
 * `account:create` said it had created the account.
 */
async function withDb<T>(
  fn: (db: Database) => Promise<T>,
  opts: { migrate?: boolean; longRunning?: boolean; creates?: boolean } = {},
): Promise<T> {
  const { databaseUrl, dataDir } = loadConfig({ ...process.env }, { persistKey: false });
  // A server starting on a new DATA_DIR holds its lock before its database is made: the command waits for it.
  const held = (file: string) => existsSync(join(dataDir, file));
  if (!databaseUrl && !opts.creates && !held(join('pgdata', 'PG_VERSION')) && !held('codops.lock'))
    throw new CliError(`No database in DATA_DIR (${dataDir}): start the server there (npm start) or run codops migrate first.`);
  const db = await openForCommand(loadConfig(), { longRunning: opts.longRunning });
  try {
    if (opts.migrate !== false) await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

function print(json: boolean, obj: Record<string, unknown>, line: string) {
  process.stdout.write(json ? JSON.stringify(obj) + '\n' : line + '\n');
}

/** Refuses an unknown account; says whether it is active. */
async function requireAccount(db: Database, id: string): Promise<boolean> {
  const account = await findAccount(db, id);
  if (!account) throw new CliError(`No account has the id ${id}.`);
  return account.status === 'active';
}

/**
 * The scopes a token may carry that its holder's role may not use (domain.md's matrix, the policy the
 * API asks after the scope): the token is made all the same, and the CLI says so.
 */
function beyondRole(role: Role, scopes: Scope[]): Scope[] {
  const policies = { LEADS: leadPolicy, ORDERS: orderPolicy } as const;
  return scopes.filter((scope) => {
    const [verb, what] = scope.split(' ') as [string, keyof typeof policies];
    return !policies[what].authorize({ role }, verb.toLowerCase() as never);
  });
}

/** package.json's version: two folders up from src/cli/ and dist/cli/ alike. */
const version = () => (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function program(): Command {
  const cli = new Command('codops')
    .description('codops: cash-on-delivery operations')
    .version(`codops ${version()}`, '-V, --version', 'print the version')
    .exitOverride();
  // Commander's own refusals (unknown command, missing option) read like ours: one line, `codops: …`.
  // Its help, written there when no command is given, stays whole (it was cut to its usage line).
  cli.configureOutput({
    writeErr: (s) =>
      process.stderr.write(
        s.startsWith('error: ') ? `${s.split('\n')[0].replace(/^error: (.)/, (_, c: string) => `codops: ${c.toUpperCase()}`)}\n` : s,
      ),
  });

  cli
    .command('migrate')
    .description('apply the database migrations not applied yet')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const applied = await withDb((db) => migrate(db), { migrate: false, creates: true });
      print(o.json, { id: 'migrations', applied }, applied.length ? `Applied ${applied.join(', ')}.` : 'Nothing to migrate.');
    });

  cli
    .command('account:create')
    .description('create a seller account')
    .requiredOption('--name <name>', 'the account name')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const name = text('name', o.name, 1, 100);
      const { id } = await withDb((db) => createAccount(db, { name }));
      print(o.json, { id, name }, `Account created: ${id}`);
    });

  cli
    .command('user:create')
    .description('create a user of a role (sellers belong to an account)')
    .requiredOption('--role <role>', ROLES.join(', '))
    .requiredOption('--email <email>')
    .requiredOption('--password <password>')
    .requiredOption('--name <full name>')
    .option('--phone <phone>', "the phone number (optional here; the dashboard's form asks for one)")
    .option('--account <id>', 'the account (required for sellers)')
    .option('--json', 'print JSON')
    .action(async (o) => {
      if (!isRole(o.role)) throw new CliError(`The --role option must be one of ${ROLES.join(', ')}.`);
      const email = text('email', o.email, 3, 255);
      if (!isEmail(email)) throw new CliError('The --email option must be a valid email address.');
      const password = text('password', o.password, 8, 255);
      const fullName = text('name', o.name, 1, 100);
      // Optional: an empty one is none, as a form's empty field.
      const phone = String(o.phone ?? '').trim() === '' ? undefined : text('phone', o.phone, 1, 100);
      if (o.role === 'seller' && !o.account) throw new CliError('The --account option is required for sellers.');
      if (o.role !== 'seller' && o.account) throw new CliError('Only sellers belong to an account: drop --account for this role.');
      const { id, accountActive } = await withDb(async (db) => {
        const accountActive = o.account ? await requireAccount(db, o.account) : true;
        const taken = new CliError(`The email ${email} has already been taken.`);
        if (await findUserByEmail(db, email)) throw taken;
        try {
          const { id } = await createUser(db, { role: o.role, email, password, fullName, phone, accountId: o.account });
          return { id, accountActive };
        } catch (err) {
          // Two at once on PostgreSQL both pass the check above: the email's unique index refuses the later one.
          if (pgCode(err) === PG.uniqueViolation) throw taken;
          throw err;
        }
      });
      print(o.json, { id, email, role: o.role }, `User created: ${id}`);
      // Made all the same (the account may be activated later), as token:create says of its token.
      if (!accountActive) process.stderr.write('codops: note: this user cannot log in until their account is active.\n');
    });

  cli
    .command('product:create')
    .description('create a product of an account')
    .requiredOption('--account <id>')
    .requiredOption('--sku <sku>')
    .requiredOption('--name <name>')
    .requiredOption('--price <n>')
    .option('--status <status>', 'active or inactive', 'active')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const sku = text('sku', o.sku, 1, 100);
      const name = text('name', o.name, 1, 60);
      const price = Number(o.price);
      if (!/^\d+(\.\d{1,2})?$/.test(String(o.price).trim()) || price < 1 || price > 99_999) {
        throw new CliError('The --price option must be a number between 1 and 99999 with at most two decimals.');
      }
      if (o.status !== 'active' && o.status !== 'inactive') throw new CliError('The --status option must be active or inactive.');
      const { id } = await withDb(async (db) => {
        await requireAccount(db, o.account);
        try {
          return await createProduct(db, { accountId: o.account, sku, name, price, status: o.status });
        } catch (err) {
          if (pgCode(err) === PG.uniqueViolation) throw new CliError(`The SKU ${sku} is already used in this account.`);
          throw err;
        }
      });
      print(o.json, { id, sku }, `Product created: ${id}`);
    });

  cli
    .command('token:create')
    .description('create an API token for a user and an account; prints it once')
    .requiredOption('--email <email>', 'the user the token acts as')
    .requiredOption('--account <id>', 'the account the token works in')
    .requiredOption('--name <name>')
    .requiredOption('--scopes <list>', `comma list of: ${SCOPES.join(', ')}`)
    .option('--expires-at <iso>')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const name = text('name', o.name, 1, 100);
      const scopes = String(o.scopes)
        .split(',')
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean);
      if (scopes.length === 0) throw new CliError(`The --scopes option is required: use ${SCOPES.join(', ')}.`);
      const bad = scopes.filter((s) => !isScope(s));
      if (bad.length) throw new CliError(`Unknown scope${bad.length > 1 ? 's' : ''} ${bad.join(', ')}: use ${SCOPES.join(', ')}.`);
      const chosen = SCOPES.filter((s) => scopes.includes(s)); // the documented order, each once
      let expiresAt: Date | null = null;
      if (o.expiresAt) {
        expiresAt = tokenExpiry(String(o.expiresAt).trim(), loadConfig().timezone) ?? null;
        if (!expiresAt) throw new CliError('The --expires-at option must be a valid date (2027-01-31, or 2027-01-31T18:00:00Z).');
        if (expiresAt.getTime() <= Date.now()) throw new CliError('The --expires-at option must be a date after now.');
      }
      const created = await withDb(async (db) => {
        await requireAccount(db, o.account);
        const email = text('email', o.email, 3, 255); // as user:create reads it (spaces around trimmed)
        const user = await findUserByEmail(db, email);
        if (!user) throw new CliError(`No user has the email ${email}.`);
        if (user.role === 'seller' && user.account_id !== o.account)
          throw new CliError('A seller can only have tokens for their own account.');
        const token = await createToken(db, {
          userId: user.id,
          accountId: o.account,
          name,
          scopes: chosen,
          expiresAt,
        });
        return { ...token, role: user.role, usable: (await findApiKey(db, token.id, null))?.holder_active ?? false };
      });
      print(o.json, { id: created.id, token: created.token }, created.token);
      // Made all the same (its holder may be activated later), but not without a word: it answers 401 until then.
      if (!created.usable) process.stderr.write('codops: note: this token answers 401 until its user and its account are both active.\n');
      const beyond = beyondRole(created.role, chosen);
      if (beyond.length)
        process.stderr.write(
          `codops: note: the ${created.role} role may not use ${beyond.join(', ')}: the API answers 403 to those requests.\n`,
        );
    });

  cli
    .command('token:revoke')
    .description('revoke an API token')
    .requiredOption('--id <id>')
    .option('--json', 'print JSON')
    .action(async (o) => {
      if (!/^\d+$/.test(o.id)) throw new CliError('The --id option must be a token id (a number).');
      // Past the id column's range (and exact in a JS number) there is no such token.
      if (o.id.length > 15) throw new CliError(`No active token has the id ${o.id}.`);
      const done = await withDb((db) => revokeToken(db, Number(o.id)));
      if (!done) throw new CliError(`No active token has the id ${o.id}.`);
      print(o.json, { id: Number(o.id), revoked: true }, `Token ${Number(o.id)} revoked.`);
    });

  cli
    .command('worker')
    .description('run background jobs until SIGTERM or SIGINT, which finish or hand back the jobs in hand')
    .option('--slots <n>', 'jobs at a time, besides one slot kept for urgent jobs (default: WORKERS, or 2 when it is 0)')
    .action(async (o) => {
      const config = loadConfig();
      const slots = o.slots === undefined ? config.workers || 2 : Number(o.slots);
      if (!/^\d+$/.test(String(o.slots ?? slots)) || slots < 1 || slots > 64)
        throw new CliError('The --slots option must be an integer between 1 and 64.');
      await withDb((db) => runWorker(db, config, slots), { longRunning: true, creates: true });
    });

  cli
    .command('demo')
    .description('create a demo account with products, people, leads, orders and a token')
    .option('--json', 'print JSON')
    .action(async (o) => {
      // Through a running server's socket, the links name where that server listens.
      const demo = await withDb(async (db) => seedDemo(db, (await db.serverUrl?.()) ?? localBaseUrl(loadConfig())), { creates: true });
      print(o.json, demo as unknown as Record<string, unknown>, demo.instructions);
    });

  backupCommands(cli, (m) => new CliError(m));
  return cli;
}

export async function run(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError || err instanceof ConfigError || err instanceof DataDirLockedError) {
      process.stderr.write(terminalLine(err.message));
    } else {
      process.stderr.write(terminalLine(unreachableDatabase(err) ?? (err as Error)?.message ?? String(err)));
    }
    return 1;
  }
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { ConfigError, loadConfig } from './config.js';
import { checkBucket, parseS3Url } from './files/s3.js';
import { connectRedis } from './lib/redis.js';
import { acquireDataDirLock } from './db/data-dir-lock.js';
import { openDatabase } from './db/open.js';

const base = { APP_KEY: 'test-key-test-key-test-key-test-key-0000', DATA_DIR: '/tmp/codops-config-test' };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env }, { persistKey: false });

test('APP_URL is an http(s) address, kept without a trailing slash', () => {
  assert.equal(load({ PORT: '3001' }).appUrl, 'http://127.0.0.1:3001');
  assert.equal(load({ APP_URL: 'https://shop.example.com/' }).appUrl, 'https://shop.example.com');
  // Unset, it is where the server answers here, a URL a mail's link can carry (an audit got http://::1:3000/…).
  assert.equal(load({ HOST: '::1', PORT: '3001' }).appUrl, 'http://[::1]:3001');
  assert.equal(load({ HOST: '0.0.0.0', PORT: '3001' }).appUrl, 'http://127.0.0.1:3001');
  assert.equal(load({ HOST: '::', PORT: '3001' }).appUrl, 'http://127.0.0.1:3001');
  assert.throws(() => load({ APP_URL: 'ftp://x' }), /^Error: Invalid APP_URL: the scheme must be http: or https:, got "ftp:"\.$/);
  assert.throws(() => load({ APP_URL: 'shop.example.com' }), /^Error: Invalid APP_URL: not a URL/);
});

test('MAIL_FROM is an address, bare or with a name; anything else stops the boot naming it', () => {
  assert.equal(load({}).mailFrom, 'codops <no-reply@codops.local>');
  assert.equal(load({ MAIL_FROM: ' shop@example.com ' }).mailFrom, 'shop@example.com');
  assert.equal(load({ MAIL_FROM: 'My Shop <shop@example.com>' }).mailFrom, 'My Shop <shop@example.com>');
  for (const bad of ['not-an-address', '<<<', 'a@b c', 'Shop <shop@example.com', 'a@b\nBcc: x@y']) {
    assert.throws(
      () => load({ MAIL_FROM: bad }),
      (err: Error) => err instanceof ConfigError && err.message.startsWith(`Invalid MAIL_FROM: "${bad.trim()}" is not an address`),
      bad,
    );
  }
});

test('TIMEZONE: unset or empty is the default zone, as PORT; blanks are refused as PORT refuses them (they meant the default silently)', () => {
  assert.equal(load({}).timezone, 'Africa/Casablanca');
  assert.equal(load({ TIMEZONE: '' }).timezone, 'Africa/Casablanca');
  assert.equal(load({ TIMEZONE: ' Asia/Tokyo ' }).timezone, 'Asia/Tokyo');
  for (const [name, bad, shape] of [
    ['TIMEZONE', ' ', 'is not an IANA time zone'],
    ['TIMEZONE', '\t ', 'is not an IANA time zone'],
    ['TIMEZONE', 'Mars/Olympus', 'is not an IANA time zone'],
    ['PORT', ' ', 'is not an integer between 0 and 65535'],
  ]) {
    assert.throws(
      () => load({ [name]: bad }),
      (err: Error) => err instanceof ConfigError && err.message === `Invalid ${name}: "${bad}" ${shape}.`,
      JSON.stringify(bad),
    );
  }
});

test('BULK_CREATES_AT_ONCE defaults to the cores of the machine and takes 1 to 256', () => {
  assert.equal(load({}).bulkCreatesAtOnce, availableParallelism());
  assert.equal(load({ BULK_CREATES_AT_ONCE: '8' }).bulkCreatesAtOnce, 8);
  for (const bad of ['0', '257', 'two', '-1', '1.5']) {
    assert.throws(
      () => load({ BULK_CREATES_AT_ONCE: bad }),
      (err: Error) =>
        err instanceof ConfigError && err.message === `Invalid BULK_CREATES_AT_ONCE: "${bad}" is not an integer between 1 and 256.`,
      bad,
    );
  }
});

test('DATA_DIR: a file in its place, or a folder that cannot be made, stops the boot naming it (CLI audit)', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'codops-datadir-')), 'a-file');
  writeFileSync(file, '');
  for (const [dir, message] of [
    [file, `Invalid DATA_DIR: ${file} is not a folder.`],
    [join(file, 'inside'), `Invalid DATA_DIR: ${file} is not a folder.`],
    // Node's recursive mkdir never returned here: the boot sat silent.
    ['/proc/codops-nowhere/data', 'Invalid DATA_DIR: /proc/codops-nowhere cannot be made (ENOENT).'],
  ]) {
    assert.throws(
      () => loadConfig({ ...base, DATA_DIR: dir }),
      (err: Error) => err instanceof ConfigError && err.message === message,
      dir,
    );
  }
  const fresh = join(dirname(file), 'new', 'data');
  assert.equal(loadConfig({ ...base, DATA_DIR: fresh }).dataDir, fresh);
  assert.ok(statSync(fresh).isDirectory(), 'a server or a command makes it');
});

test('MAIL_URL and REDIS_URL name a host (MAIL_URL=smtp:// was taken, then every reset mail failed: ops audit)', () => {
  for (const [name, value] of [
    ['MAIL_URL', 'smtp://'],
    ['REDIS_URL', 'redis://'],
  ]) {
    assert.throws(
      () => load({ [name]: value }),
      (err: Error) => err instanceof ConfigError && err.message === `Invalid ${name}: it names no host.`,
      name,
    );
  }
  assert.equal(load({ MAIL_URL: 'smtp://mail.example.com:587' }).mailUrl, 'smtp://mail.example.com:587');
});

test("DATABASE_URL takes libpq's socket form, user and no host, as node-postgres does (it was refused as not a URL: ops audit)", async () => {
  const socket = 'postgres://codops@/codops?host=/var/run/postgresql';
  assert.equal(load({ DATABASE_URL: socket }).databaseUrl, socket);
  assert.equal(load({ DATABASE_URL: 'postgresql:///codops?host=/run/pg' }).databaseUrl, 'postgresql:///codops?host=/run/pg');
  for (const [value, message] of [
    ['not a url', 'Invalid DATABASE_URL: not a URL (expected postgres: or postgresql:).'],
    ['mysql://user@/db?host=/x', 'Invalid DATABASE_URL: the scheme must be postgres: or postgresql:, got "mysql:".'],
    ['postgres://user@:x/db', 'Invalid DATABASE_URL: not a URL (expected postgres: or postgresql:).'],
  ]) {
    assert.throws(
      () => load({ DATABASE_URL: value }),
      (err: Error) => err instanceof ConfigError && err.message === message,
      value,
    );
  }
  // On PostgreSQL reached through its socket here, the socket form reaches the same database.
  const tcp = process.env.DATABASE_URL ? new URL(process.env.DATABASE_URL) : undefined;
  if (!tcp || !existsSync('/var/run/postgresql')) return;
  const viaSocket = `postgres://${tcp.username}@${tcp.pathname}?host=/var/run/postgresql`;
  const db = await openDatabase(load({ DATABASE_URL: viaSocket }));
  try {
    assert.equal((await db.query<{ one: number }>('SELECT 1 AS one')).rows[0].one, 1);
  } finally {
    await db.close();
  }
});

test('FILES and S3_URL both set are refused: they name two places for files (FILES=database with a bucket went on to the bucket: ops audit)', () => {
  for (const files of ['database', 'local']) {
    assert.throws(
      () => load({ FILES: files, S3_URL: 'https://KEY:SECRET@s3.example.com/bucket' }),
      (err: Error) =>
        err instanceof ConfigError &&
        err.message ===
          `Invalid FILES: "${files}" and S3_URL both say where files live: set one of them (S3_URL alone keeps them in the bucket).`,
      files,
    );
  }
  const bucket = load({ FILES: '', S3_URL: 'https://KEY:SECRET@s3.example.com/bucket' });
  assert.deepEqual([bucket.files, bucket.s3Url], ['local', 'https://KEY:SECRET@s3.example.com/bucket']);
  assert.equal(load({ FILES: 'database', S3_URL: '' }).files, 'database');
});

test('a Redis or a bucket that does not answer stops the boot naming its variable (the server ran with rate limits off and 7-s requests, or 500 on every upload: ops audit)', async () => {
  const log = { warn() {} } as unknown as FastifyBaseLogger;
  await assert.rejects(
    connectRedis('redis://127.0.0.1:1', log),
    (err: Error) =>
      err instanceof ConfigError && /^cannot reach Redis in REDIS_URL \(connect ECONNREFUSED 127\.0\.0\.1:1\)\.$/.test(err.message),
  );
  await assert.rejects(
    checkBucket('http://KEY:SECRET@127.0.0.1:1/bucket'),
    (err: Error) => err instanceof ConfigError && /^cannot reach the bucket in S3_URL \(.+\)\.$/.test(err.message),
  );
  assert.throws(
    () => parseS3Url('http://KEY:SECRET@127.0.0.1:1/'),
    (err: Error) => err instanceof ConfigError && err.message === 'Invalid S3_URL: it names no bucket (https://KEY:SECRET@host/bucket).',
  );
});

test('a DATA_DIR that cannot be written in stops the boot naming it (the server died with a stack trace: CLI audit)', () => {
  // sysfs: a folder no one, root included, can make a file in (EROFS where it is mounted read-only).
  assert.throws(
    () => loadConfig({ DATA_DIR: '/sys/kernel' }),
    (err: Error) =>
      err instanceof ConfigError &&
      /^Invalid DATA_DIR: \/sys\/kernel\/app\.key cannot be written \((EACCES|EROFS|EPERM)\)\.$/.test(err.message),
  );
  assert.throws(
    () => acquireDataDirLock('/sys/kernel'),
    (err: Error) =>
      err instanceof ConfigError &&
      /^Invalid DATA_DIR: \/sys\/kernel\/codops\.lock cannot be written \((EACCES|EROFS|EPERM)\)\.$/.test(err.message),
  );
});

test('REDIS_URL names a database by its number, one the Redis has (a bad one crashed the boot with a stack trace, or ran on database 0: CLI audit)', async () => {
  for (const path of ['/abc', '/1/2', '/-1']) {
    assert.throws(
      () => load({ REDIS_URL: `redis://127.0.0.1:6379${path}` }),
      (err: Error) =>
        err instanceof ConfigError && err.message === `Invalid REDIS_URL: "${path}" is not a database number (redis://host:6379/0).`,
      path,
    );
  }
  assert.equal(load({ REDIS_URL: 'redis://127.0.0.1:6379/13' }).redisUrl, 'redis://127.0.0.1:6379/13');
  assert.equal(load({ REDIS_URL: 'redis://127.0.0.1:6379/' }).redisUrl, 'redis://127.0.0.1:6379/');
  if (!process.env.REDIS_URL) return; // the refused SELECT needs a Redis
  const beyond = new URL(process.env.REDIS_URL);
  beyond.pathname = '/99999';
  await assert.rejects(
    connectRedis(beyond.href, { warn() {} } as unknown as FastifyBaseLogger),
    (err: Error) => err instanceof ConfigError && err.message === 'cannot reach Redis in REDIS_URL (ERR DB index is out of range).',
  );
});

test('DATA_DIR/app.key is written whole, and one that holds no key stops the boot naming it (an empty one signed sessions with an empty key: CLI audit)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'codops-appkey-'));
  const key = loadConfig({ DATA_DIR: dir }).appKey;
  assert.match(key, /^base64:.{44}$/);
  assert.deepEqual(readdirSync(dir), ['app.key'], 'no temporary file left');
  assert.equal(statSync(join(dir, 'app.key')).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(dir, 'app.key'), 'utf8'), `${key}\n`);
  assert.equal(loadConfig({ DATA_DIR: dir }).appKey, key, 'read back');
  for (const content of ['', '\n', 'base64:cut-short']) {
    writeFileSync(join(dir, 'app.key'), content);
    assert.throws(
      () => loadConfig({ DATA_DIR: dir }),
      (err: Error) =>
        err instanceof ConfigError &&
        err.message === `Invalid DATA_DIR: ${dir}/app.key holds no app key of at least 32 characters (put the key back, or set APP_KEY).`,
      JSON.stringify(content),
    );
  }
  assert.equal(loadConfig({ DATA_DIR: dir, APP_KEY: base.APP_KEY }).appKey, base.APP_KEY, 'APP_KEY wins over the file');
});

test('APP_KEY is 32 characters or more besides spaces, as DATA_DIR/app.key is counted', () => {
  assert.throws(
    () => load({ APP_KEY: ' '.repeat(34) }),
    (err: Error) =>
      err instanceof ConfigError && err.message === 'Invalid APP_KEY: it must be at least 32 characters long, not counting spaces.',
  );
  assert.throws(() => load({ APP_KEY: `  ${'k'.repeat(31)}  ` }), ConfigError);
  assert.equal(load({ APP_KEY: 'k'.repeat(32) }).appKey, 'k'.repeat(32));
});

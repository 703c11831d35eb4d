import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { localBaseUrl } from './lib/base-url.js';
import { createWith } from './lib/create-file.js';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  appKey: string;
  redisUrl: string | undefined;
  apiRateLimitPerMinute: number;
  logLevel: string;
  bodyLimit: number;
  bulkBodyLimit: number;
  mailUrl: string | undefined;
  /** The From of every message codops sends (MAIL_FROM). */
  mailFrom: string;
  /** Whether X-Forwarded-* headers are believed (TRUST_PROXY=true behind a reverse proxy). */
  trustProxy: boolean;
  sessionIdleMinutes: number;
  appUrl: string;
  /** Jobs the server runs at a time (0: none; `codops worker` runs them). */
  workers: number;
  /** Bulk creates (POST /leads of more than 10 leads, no key) in the database at once. */
  bulkCreatesAtOnce: number;
  /** How often a worker looks for jobs whose worker died. */
  jobsMaintenanceSeconds: number;
  /** How often the shipping companies' statuses are synced (0: only on demand). */
  syncIntervalSeconds: number;
  /** Bearer token of GET /metrics; without it the endpoint does not exist. */
  metricsToken: string | undefined;
  /** Where files are kept: DATA_DIR/uploads, or the database (FILES=database); or the bucket of S3_URL (refused with FILES). */
  files: 'local' | 'database';
  s3Url: string | undefined;
  /** The platform's time zone (TIMEZONE): agents' working hours and the agent statistics' days. */
  timezone: string;
  /** Whether webhooks may call loopback, private, link-local and metadata addresses (WEBHOOKS_ALLOW_PRIVATE=true). */
  webhooksAllowPrivate: boolean;
}

/** Thrown for a bad environment variable; the message names the variable. */
export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`Invalid ${name}: "${raw}" is not an integer between ${min} and ${max}.`);
  }
  return Number(raw);
}

/**
 * A URL as its client reads it. A database URL is read as node-postgres (pg-connection-string) reads
 * it: libpq's socket form `postgres://user@/db?host=/run/postgresql` has a user and no host, which
 * WHATWG's parser refuses, so it is parsed again with a stand-in host, as that library does.
 */
function parseUrl(raw: string, name: string): { protocol: string; hostname: string } {
  try {
    return new URL(raw);
  } catch (err) {
    if (!name.startsWith('DATABASE') || !raw.includes('@/')) throw err;
    return { protocol: new URL(raw.replace('@/', '@stand-in/')).protocol, hostname: '' };
  }
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  let parsed: { protocol: string; hostname: string };
  try {
    parsed = parseUrl(raw, name);
  } catch {
    throw new ConfigError(`Invalid ${name}: not a URL (expected ${protocols.join(' or ')}).`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`Invalid ${name}: the scheme must be ${protocols.join(' or ')}, got "${parsed.protocol}".`);
  }
  // A database URL may leave the host to libpq (a local socket); a mail server, a bucket or a site may not.
  if (parsed.hostname === '' && !name.startsWith('DATABASE')) throw new ConfigError(`Invalid ${name}: it names no host.`);
  return raw;
}

/** REDIS_URL: its path, when any, is the database's number (ioredis sent SELECT NaN for `/abc` and died on its answer). */
function redisUrl(env: NodeJS.ProcessEnv): string | undefined {
  const raw = url(env, 'REDIS_URL', ['redis:', 'rediss:']);
  const path = raw === undefined ? '' : new URL(raw).pathname;
  if (!/^\/?\d*$/.test(path)) throw new ConfigError(`Invalid REDIS_URL: "${path}" is not a database number (redis://host:6379/0).`);
  return raw;
}

function boolean(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return false;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`Invalid ${name}: "${raw}" is not true or false.`);
  return raw === 'true';
}

/** An address as mail headers take it: `user@host` or `Name <user@host>`. */
function mailbox(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^(?:[^<>@\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(raw)) {
    throw new ConfigError(`Invalid ${name}: "${raw}" is not an address (user@example.com or Name <user@example.com>).`);
  }
  return raw;
}

/** Unset or empty is the default, as PORT's; blanks are refused, as PORT's are (they meant the default, silently). */
function timeZone(env: NodeJS.ProcessEnv): string {
  const raw = env.TIMEZONE;
  if (raw === undefined || raw === '') return 'Africa/Casablanca';
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw.trim() }); // '' is no zone to Intl either
  } catch {
    throw new ConfigError(`Invalid TIMEZONE: "${raw}" is not an IANA time zone.`);
  }
  return raw.trim();
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, values: readonly T[]): T {
  const raw = env[name]?.trim() || values[0];
  if (!values.includes(raw as T)) throw new ConfigError(`Invalid ${name}: "${raw}" is not one of ${values.join(', ')}.`);
  return raw as T;
}

/**
 * Where files live: FILES, or the bucket of S3_URL. Both set name two places: FILES=database with a
 * bucket went to the bucket, or stopped the boot when it did not answer (ops audit); refused instead.
 */
function fileStore(env: NodeJS.ProcessEnv): Pick<Config, 'files' | 's3Url'> {
  const files = oneOf(env, 'FILES', ['local', 'database'] as const);
  const s3Url = url(env, 'S3_URL', ['http:', 'https:']);
  if (s3Url && env.FILES?.trim()) {
    throw new ConfigError(
      `Invalid FILES: "${files}" and S3_URL both say where files live: set one of them (S3_URL alone keeps them in the bucket).`,
    );
  }
  return { files, s3Url };
}

/**
 * DATA_DIR, made when missing (`create`) or only checked: a file in its place, or a folder that
 * cannot be made, is `Invalid DATA_DIR`. Made one folder at a time: Node's recursive mkdir never
 * returns under /proc.
 */
export function ensureDataDir(dir: string, create = true): void {
  const missing: string[] = [];
  let at = dir;
  while (!existsSync(at) && dirname(at) !== at) {
    missing.unshift(at);
    at = dirname(at);
  }
  if (!statSync(at).isDirectory()) throw new ConfigError(`Invalid DATA_DIR: ${at} is not a folder.`);
  if (!create) return;
  for (const folder of missing) {
    try {
      mkdirSync(folder, 0o700);
    } catch (err) {
      throw new ConfigError(
        `Invalid DATA_DIR: ${folder} cannot be made (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`,
      );
    }
  }
}

/** A file DATA_DIR must hold that cannot be written there (a read-only or system folder): named, not a stack trace. */
export function unwritableDataDir(file: string, err: unknown): ConfigError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new ConfigError(`Invalid DATA_DIR: ${file} cannot be written (${code}).`);
}

/** DATA_DIR/app.key as written by appKey(); undefined when there is none yet. */
function storedKey(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`Invalid DATA_DIR: ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  // An empty or cut-short key would have signed sessions with next to no secret.
  if (text.trim().length < 32) {
    throw new ConfigError(`Invalid DATA_DIR: ${file} holds no app key of at least 32 characters (put the key back, or set APP_KEY).`);
  }
  return text.trim();
}

/** The app key signs sessions and reset links; generated once into DATA_DIR when not given. */
function appKey(env: NodeJS.ProcessEnv, dataDir: string, persist: boolean): string {
  const raw = env.APP_KEY;
  if (raw !== undefined && raw !== '') {
    // Counted as DATA_DIR/app.key is: spaces around it are no secret.
    if (raw.trim().length < 32) throw new ConfigError('Invalid APP_KEY: it must be at least 32 characters long, not counting spaces.');
    return raw;
  }
  const file = join(dataDir, 'app.key');
  const stored = storedKey(file);
  if (stored !== undefined) return stored;
  const key = 'base64:' + randomBytes(32).toString('base64');
  if (persist) {
    try {
      // Whole or not at all (a full disk left it empty, read as the key at the next start); a process
      // that made it first meanwhile wins, and this one uses its key.
      if (!createWith(file, key + '\n', 0o600)) return storedKey(file)!;
    } catch (err) {
      throw unwritableDataDir(file, err);
    }
  }
  return key;
}

/**
 * Run first by every process that reads its settings (the server, each command): what it writes in
 * DATA_DIR (the database's files, mail holding reset links, uploads, exports, the lock) is its
 * owner's alone. Under the usual umask 022 they were readable, some writable, by every local user.
 */
export function ownerOnlyFiles(): void {
  process.umask(0o077);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: { persistKey?: boolean } = {}): Config {
  ownerOnlyFiles();
  const host = env.HOST?.trim() || '127.0.0.1';
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`Invalid LOG_LEVEL: "${logLevel}" is not one of ${LOG_LEVELS.join(', ')}.`);
  }
  const dataDir = resolve(env.DATA_DIR?.trim() || './data');
  // A process that keeps things there (the server, a command) makes it; a look at the settings only checks it.
  ensureDataDir(dataDir, opts.persistKey ?? true);
  const port = integer(env, 'PORT', 3000, 0, 65535);
  return {
    port,
    host,
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir,
    appKey: appKey(env, dataDir, opts.persistKey ?? true),
    redisUrl: redisUrl(env),
    apiRateLimitPerMinute: integer(env, 'API_RATE_LIMIT_PER_MINUTE', 60, 1, 1_000_000),
    logLevel,
    bodyLimit: integer(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    bulkBodyLimit: integer(env, 'BULK_BODY_LIMIT_BYTES', 32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    mailUrl: url(env, 'MAIL_URL', ['smtp:', 'smtps:']),
    mailFrom: mailbox(env, 'MAIL_FROM', 'codops <no-reply@codops.local>'),
    trustProxy: boolean(env, 'TRUST_PROXY'),
    sessionIdleMinutes: integer(env, 'SESSION_IDLE_MINUTES', 120, 1, 60 * 24 * 365),
    appUrl: url(env, 'APP_URL', ['http:', 'https:'])?.trim().replace(/\/+$/, '') || localBaseUrl({ host, port }),
    workers: integer(env, 'WORKERS', 2, 0, 64),
    bulkCreatesAtOnce: integer(env, 'BULK_CREATES_AT_ONCE', availableParallelism(), 1, 256),
    jobsMaintenanceSeconds: integer(env, 'JOBS_MAINTENANCE_SECONDS', 30, 1, 3600),
    syncIntervalSeconds: integer(env, 'SYNC_INTERVAL_SECONDS', 900, 0, 86_400),
    metricsToken: env.METRICS_TOKEN?.trim() || undefined,
    ...fileStore(env),
    timezone: timeZone(env),
    webhooksAllowPrivate: boolean(env, 'WEBHOOKS_ALLOW_PRIVATE'),
  };
}

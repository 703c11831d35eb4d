// Every test process seals and opens secrets with one app key: their workers share a PostgreSQL database
// and may run each other's jobs.
import { TEST_APP_KEY } from '../../src/test-support/harness.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pg from 'pg';
import { openMigrated } from '../../src/test-support/pglite-template.js';
import type { Database } from '../../src/db/database.js';

export const ROOT = new URL('../..', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const tempDirs: string[] = [];
process.once('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A new directory for a server's data, removed when this test process ends (each holds a database of 40–70 MB). */
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'codops-test-'));
  tempDirs.push(dir);
  return dir;
}

/**
 * On PostgreSQL, a database of this test file's own (created now, dropped when its tests end) for
 * it and the processes it starts. The suite's files otherwise share one, and a worker that a file
 * SIGKILLs holds whatever job of another file it had taken until the job's lease runs out (an
 * export of the spreadsheets tests waited past its 90 s so in CI). Call it at the top of the file.
 */
export async function ownDatabase(): Promise<void> {
  const shared = process.env.DATABASE_URL;
  if (!shared) return;
  const name = `codops_t_${process.pid}_${Date.now().toString(36)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: shared });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(shared);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  after(() => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** The database a server process will use: PostgreSQL when DATABASE_URL is set, else PGlite in dataDir. */
export async function withDatabase<T>(dataDir: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openMigrated({ databaseUrl: process.env.DATABASE_URL, dataDir });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export interface ServerProcess {
  url: string;
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `src/server.ts` in a child process and waits until GET /up answers; `imports` are preloaded modules. */
export async function startServer(env: Record<string, string | undefined>, imports: string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', ...imports.flatMap((m) => ['--import', m]), 'src/server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      APP_KEY: TEST_APP_KEY,
      // Test receivers listen on 127.0.0.1; this process's delivery worker may send a shared database's events to them.
      WEBHOOKS_ALLOW_PRIVATE: 'true',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`server exited before answering: ${out}`);
    try {
      const r = await fetch(`${url}/up`);
      if (r.ok) return { url, proc, output: () => out, exited };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`server did not start: ${out}`);
}

/** Runs a command to completion and answers its exit code and output. */
export function runCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface LongProcess {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves when the output matches (rejects if the process exits first or after `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

/** Starts a long-running command (`codops worker`, …) in a child process; `imports` are preloaded modules. */
export function spawnProcess(args: string[], env: Record<string, string | undefined>, imports: string[] = []): LongProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...imports.flatMap((m) => ['--import', m]), ...args], {
    cwd: ROOT,
    env: { ...process.env, APP_KEY: TEST_APP_KEY, WEBHOOKS_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (c) => resolve((code = c))));
  return {
    proc,
    output: () => out,
    exited,
    async waitFor(pattern, ms = 60_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = out.match(pattern);
        if (m) return m;
        if (code !== undefined) throw new Error(`exited (${code}) before printing ${pattern}: ${out}`);
        if (Date.now() > deadline) throw new Error(`no ${pattern} after ${ms} ms: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

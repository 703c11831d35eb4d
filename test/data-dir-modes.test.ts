import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, startServer, tempDataDir, type ServerProcess } from './support/server-process.js';

// The processes started here inherit the umask of a usual shell: under it the database's files were
// 0666, mail holding reset links 0644 in a 0755 DATA_DIR (ops audit).
process.umask(0o022);

/** Every path under `dir` (itself included) that its group or other users may read, write or enter. */
function openToOthers(dir: string, skip: string[] = []): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    if (skip.includes(path)) return;
    const stat = lstatSync(path);
    if (stat.mode & 0o077) found.push(`${(stat.mode & 0o777).toString(8)} ${path}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return found;
}

/** Asks for a reset link as the login page does, and waits for its mail in DATA_DIR/mail. */
async function resetMail(server: ServerProcess, dataDir: string, email: string): Promise<string> {
  const page = await fetch(`${server.url}/reset-password`, { headers: { accept: 'text/html' } });
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]);
  const token = /name="_token" value="([^"]+)"/.exec(await page.text())?.[1];
  assert.ok(token, 'the form carries its token');
  const asked = await fetch(`${server.url}/reset-password`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
      cookie: cookie.join('; '),
      referer: `${server.url}/reset-password`,
    },
    body: new URLSearchParams({ _token: token, email }).toString(),
  });
  assert.equal(asked.status, 302);
  const mailDir = join(dataDir, 'mail');
  for (let i = 0; i < 100; i++) {
    const file = existsSync(mailDir) ? readdirSync(mailDir).find((f) => f.endsWith('.eml')) : undefined;
    if (file) return join(mailDir, file);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail in ${mailDir}: ${server.output()}`);
}

test("DATA_DIR is its owner's alone: database files, app key, lock, socket, mail, a restored copy; an old open one is closed at start", async () => {
  const root = tempDataDir();
  const dataDir = join(root, 'made', 'data'); // the server makes it, and the folder above it
  const env = { DATA_DIR: dataDir, DATABASE_URL: '' };
  let server = await startServer(env);
  try {
    const email = 'modes-admin@example.test';
    const made = await runCommand(
      ['src/cli/index.ts', 'user:create', '--role', 'admin', '--email', email, '--password', 'password-1', '--name', 'Admin'],
      env,
    );
    assert.equal(made.code, 0, made.stderr);
    const mail = await resetMail(server, dataDir, email);
    assert.equal(statSync(mail).mode & 0o777, 0o600, 'the reset mail');
    const backup = join(root, 'copy.tgz');
    const backedUp = await runCommand(['src/cli/index.ts', 'backup', backup], env);
    assert.equal(backedUp.code, 0, backedUp.stderr);
    assert.ok(existsSync(join(dataDir, 'pgdata', 'PG_VERSION')) && existsSync(join(dataDir, 'codops.sock')));
    assert.deepEqual(openToOthers(join(root, 'made')), [], 'nothing the server or a command wrote is open to others');

    // `codops restore` makes its DATA_DIR the same way.
    const restored = join(root, 'restored');
    const restore = await runCommand(['src/cli/index.ts', 'restore', backup], { ...env, DATA_DIR: restored });
    assert.equal(restore.code, 0, restore.stderr);
    assert.deepEqual(openToOthers(restored), [], 'the restored copy');
  } finally {
    server.proc.kill('SIGTERM');
    await server.exited;
  }

  // A DATA_DIR an earlier version left open (0755 folders, database files 0666, mail 0644): closed at
  // the next start; a file of the user's own beside codops' is left as it is.
  for (const path of [dataDir, join(dataDir, 'pgdata'), join(dataDir, 'mail')]) chmodSync(path, 0o755);
  const reopen = (path: string): void => {
    const stat = lstatSync(path);
    if (stat.isDirectory()) {
      chmodSync(path, 0o755);
      for (const name of readdirSync(path)) reopen(join(path, name));
    } else chmodSync(path, path.endsWith('.eml') ? 0o644 : 0o666);
  };
  reopen(join(dataDir, 'pgdata'));
  reopen(join(dataDir, 'mail'));
  const mine = join(dataDir, 'notes.txt');
  writeFileSync(mine, 'mine', { mode: 0o644 });
  chmodSync(mine, 0o644);
  assert.ok(openToOthers(dataDir).length > 1000, 'opened as an earlier version left it');
  server = await startServer(env);
  try {
    assert.deepEqual(openToOthers(dataDir, [mine]), [], 'closed at start');
    assert.equal(statSync(mine).mode & 0o777, 0o644, "the user's own file is not codops'");
  } finally {
    server.proc.kill('SIGTERM');
    await server.exited;
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ROOT } from '../support/server-process.js';
import { checkPage, launchBrowser, login, newPage, skipBrowser } from './support.js';

/**
 * The README's Quick start, followed literally in a fresh clone of this commit: its install-and-run
 * line, the setup link it says the console prints, the first admin created in a browser, its demo
 * command run while the server runs, and a browser login with every login the demo prints. Only the
 * port is chosen (the README documents `PORT`) so that it cannot collide with other tests. It clones
 * HEAD: commit a README change before running it.
 */

/** The shell lines of the Quick start's code blocks, comments dropped: [[install-and-run, test], [demo, curl]]. */
function quickStartBlocks(readme: string): string[][] {
  const section = readme.split(/^## Quick start$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter(Boolean),
  );
}

const skip =
  skipBrowser ||
  (process.env.DATABASE_URL ? 'the first run is an embedded-database story' : false) ||
  (!existsSync(join(ROOT, '.git')) && 'not a git checkout');

test(
  'the README Quick start works in a fresh clone: install, start, setup link, first admin, demo while running, every demo login',
  { skip, timeout: 900_000 },
  async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const [run, demo] = quickStartBlocks(readme);
    assert.equal(run?.[0], 'npm install && npm start', 'the README still starts with its install-and-run line');
    assert.equal(demo?.[0], 'npm run demo');

    const dir = mkdtempSync(join(tmpdir(), 'codops-readme-'));
    const clone = join(dir, 'codops');
    const port = await freePort();
    // A newcomer's shell: none of the suite's own settings.
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
    for (const k of ['DATABASE_URL', 'DATA_DIR', 'LOG_LEVEL', 'NODE_ENV', 'REDIS_URL', 'APP_KEY', 'NODE_OPTIONS']) delete env[k];
    const sh = (line: string) => spawnSync(line, { cwd: clone, env, shell: true, encoding: 'utf8', maxBuffer: 64 << 20 });
    const browser = await launchBrowser();
    let server: ReturnType<typeof spawn> | undefined;
    try {
      assert.equal(spawnSync('git', ['clone', '--quiet', ROOT, clone]).status, 0, 'git clone');
      const [install, start] = run[0].split(' && ');
      const installed = sh(install);
      assert.equal(installed.status, 0, installed.stderr);

      server = spawn(start, { cwd: clone, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let out = '';
      server.stdout!.on('data', (d) => (out += d));
      server.stderr!.on('data', (d) => (out += d));
      let link: RegExpExecArray | null = null;
      for (let i = 0; i < 600 && !link; i++) {
        link = /Open (http:\/\/\S+\/setup\/\S+) to create the first one/.exec(out);
        if (!link) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(link, `no setup link printed:\n${out}`);
      assert.ok(link[1].startsWith(`http://127.0.0.1:${port}/setup/`), link[1]);

      // The first admin, in the browser, from the printed link.
      const base = `http://127.0.0.1:${port}`;
      const admin = await newPage({ browser, base });
      await admin.goto(link[1]);
      await admin.getByLabel('Full name').fill('First Admin');
      await admin.getByLabel('Email').fill('first-admin@example.test');
      await admin.getByLabel('Password', { exact: true }).fill('first-admin-password');
      await admin.getByLabel('Confirm the password').fill('first-admin-password');
      await admin.getByRole('button', { name: 'Create the admin and log in' }).click();
      await admin.waitForLoadState('load');
      assert.equal(new URL(admin.url()).pathname, '/');
      await checkPage(admin, 'home of the first admin');

      // The demo, loaded while the server holds the embedded database.
      const loaded = sh(demo[0]);
      assert.equal(loaded.status, 0, loaded.stderr);
      assert.match(loaded.stdout, new RegExp(`Open ${base}/login and log in as:`));
      const logins = [...loaded.stdout.matchAll(/^ {2}(\S+)\s+(\S+@\S+) \/ (\S+)$/gm)].map((m) => ({
        role: m[1],
        email: m[2],
        password: m[3],
      }));
      assert.equal(logins.length, 10, loaded.stdout);
      for (const l of logins) {
        const page = await newPage({ browser, base });
        await login(page, l.email, l.password);
        assert.notEqual(new URL(page.url()).pathname, '/login', `${l.role} logs in`);
        await checkPage(page, `home of ${l.role}`);
        await page.context().close();
      }

      // The README's curl line, with the token the demo printed.
      const token = /API token \(shown once\): (\S+)/.exec(loaded.stdout)?.[1];
      assert.ok(token, loaded.stdout);
      const leads = await fetch(`${base}/api/web/1.0/leads`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(leads.status, 200);
      assert.ok(((await leads.json()) as { data: unknown[] }).data.length > 0);
    } finally {
      await browser.close();
      if (server?.pid) {
        const exited = new Promise((r) => server!.on('exit', r));
        process.kill(-server.pid, 'SIGTERM'); // npm and the node it started
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDataDir } from './support/server-process.js';

// On PostgreSQL the suite's database already has admins: the first run is an embedded-database story.
test(
  'npm start on an empty database prints a setup link that opens the first-admin form',
  { skip: Boolean(process.env.DATABASE_URL) },
  async () => {
    const server = await startServer({ DATA_DIR: tempDataDir(), DATABASE_URL: '' });
    try {
      let link: RegExpExecArray | null = null;
      for (let i = 0; i < 50 && !link; i++) {
        link = /Open (http:\/\/127\.0\.0\.1:\d+\/setup\/[\w-]+) to create the first one/.exec(server.output());
        if (!link) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(link, server.output());
      assert.ok(link[1].startsWith(server.url));
      const page = await fetch(link[1], { headers: { accept: 'text/html' } });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Create the first admin/);
    } finally {
      server.proc.kill('SIGTERM');
      await server.exited;
    }
  },
);

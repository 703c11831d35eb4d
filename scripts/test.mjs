// Runs every *.test.ts under src/ and test/ with node's test runner, two files at a time, in the order
// below: `node --test` would sort the files by name (and Node 20 has no --test globs).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from 'node:test';
import { tap } from 'node:test/reporters';

// On PostgreSQL the test files share one database, and the in-process and spawned workers of one
// file may run another's jobs (an import of a file uploaded elsewhere): as in any deployment of
// several processes, uploads must then live where every worker reads them. The two tests of the
// local store ask for it by name.
if (process.env.DATABASE_URL && !process.env.FILES && !process.env.S3_URL) process.env.FILES = 'database';

// Each test file runs in a child process with this process's flags: they need tsx.
if (!process.execArgv.includes('tsx')) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

function find(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (/\.test\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

// The longest files first (as measured in .ci/run), then the other browser tests: two files run at a
// time, and a long file started near the end would leave the run waiting on it alone.
// The order of .ci/run's PGlite pass of 2026-12-01 (seconds): the files that start server processes
// had sorted last, and the run ended on them alone for minutes.
const LONG_FIRST = [
  'test/browser/every-page.test.ts', // 435
  'test/browser/readme-quick-start.test.ts', // 190
  'test/process.test.ts', // 130
  'test/cli.test.ts', // 130
  'src/modules/spreadsheets/spreadsheets.test.ts', // 105
  'test/jobs-process.test.ts', // 90
  'test/backup.test.ts', // 86
  'test/push-process.test.ts', // 74
  'test/webhooks-process.test.ts', // 50
  'test/browser/dashboard.test.ts',
];
const rank = (f) => {
  const i = LONG_FIRST.indexOf(f.split(sep).join('/'));
  return i >= 0 ? i : f.startsWith(join('test', 'browser')) ? LONG_FIRST.length : LONG_FIRST.length + 1;
};

const only = process.argv.slice(2);
const files = only.length
  ? only
  : ['src', 'test']
      .flatMap((d) => {
        try {
          return find(d);
        } catch {
          return [];
        }
      })
      .sort()
      .sort((a, b) => rank(a) - rank(b));
run({ files, concurrency: 2 })
  .on('test:fail', (e) => {
    if (!e.todo) process.exitCode = 1;
  })
  .compose(tap)
  .pipe(process.stdout);

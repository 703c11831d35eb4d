// Runs every *.test.ts under src/ and test/ with node's test runner (Node 20 has no --test globs).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

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
const LONG_FIRST = [
  'test/browser/every-page.test.ts',
  'test/browser/readme-quick-start.test.ts',
  'src/modules/spreadsheets/spreadsheets.test.ts',
  'test/backup.test.ts',
  'test/push-process.test.ts',
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
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);

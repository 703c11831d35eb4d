// The import graph of src/: lower layers never import the resources (src/modules/), and no file
// reaches itself through its imports (type-only imports count too). `npm run lint` runs it.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

/** Folders under src/ that must not import from src/modules/. */
const BELOW_MODULES = ['core', 'lib', 'db', 'http', 'web', 'jobs'];

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(name) ? [p] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"](\.[^'"]+)['"]|(?:^|\n)\s*import\s*['"](\.[^'"]+)['"]/g;

function target(from, spec) {
  const base = resolve(dirname(from), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), base + '.ts', base + '.tsx', join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c));
}

const all = files(SRC);
const graph = new Map();
const problems = [];
for (const file of all) {
  const text = readFileSync(file, 'utf8');
  const deps = [];
  for (const m of text.matchAll(IMPORT)) {
    const t = target(file, m[1] ?? m[2]);
    if (t) deps.push(t);
  }
  graph.set(file, deps);
  const layer = relative(SRC, file).split('/')[0];
  if (BELOW_MODULES.includes(layer)) {
    for (const d of deps) {
      if (relative(SRC, d).startsWith('modules/'))
        problems.push(`${relative(ROOT, file)} imports ${relative(ROOT, d)} (src/${layer}/ must not import src/modules/)`);
    }
  }
}

// Cycles: a depth-first search; each back edge closes one cycle.
const state = new Map();
const stack = [];
function visit(f) {
  state.set(f, 'open');
  stack.push(f);
  for (const d of graph.get(f) ?? []) {
    if (state.get(d) === 'open') {
      const cycle = stack.slice(stack.indexOf(d)).concat(d);
      problems.push(`import cycle: ${cycle.map((c) => relative(ROOT, c)).join(' → ')}`);
    } else if (!state.has(d)) visit(d);
  }
  stack.pop();
  state.set(f, 'done');
}
for (const f of all) if (!state.has(f)) visit(f);

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}

// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by where the code lives
// (this project's files by folder, node_modules by package, node's internals, GC, idle).
//   npx tsx bench/profile-summary.ts bench/tmp/CPU.….cpuprofile [top]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

function origin(url: string, fn: string): string {
  if (fn === '(garbage collector)' || fn === '(idle)' || fn === '(program)') return fn;
  if (!url) return '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/(?:dist|src)\/((?:modules\/)?[^/]+)\//.exec(url);
  if (own) return `codops ${own[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url.replace(/^.*\//, '');
}

export function summarise(file: string, top = 25) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const fns = new Map<string, number>();
  const origins = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = origin(url, functionName);
    total += us;
    const name = `${functionName || '(anonymous)'}${url ? ` ${url.replace(/^.*\/(node_modules|dist|src)\//, '$1/')}:${lineNumber + 1}` : ''}`;
    fns.set(name, (fns.get(name) ?? 0) + us);
    origins.set(where, (origins.get(where) ?? 0) + us);
  }
  const busy = total - (origins.get('(idle)') ?? 0);
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
  const sorted = (m: Map<string, number>) => [...m].filter(([k]) => k !== '(idle)' && k !== '(idle) ').sort((a, b) => b[1] - a[1]);
  const lines = [
    `busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s; self time by origin:`,
    ...sorted(origins)
      .slice(0, top)
      .map(([k, us]) => `  ${pct(us)}  ${k}`),
    'self time by function:',
    ...sorted(fns)
      .slice(0, top)
      .map(([k, us]) => `  ${pct(us)}  ${k}`),
  ];
  return { busy_seconds: busy / 1e6, lines };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(summarise(process.argv[2], Number(process.argv[3] ?? 30)).lines.join('\n'));
}

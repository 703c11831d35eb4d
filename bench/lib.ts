// Helpers of bench/run.ts: statistics, machine facts, HTTP, the server child process, its memory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import { join, relative } from 'node:path';
import { format, resolveConfig } from 'prettier';

// ---------------------------------------------------------------- results

/** Writes a results file as the repository's formatter would, so `prettier --check` passes on it. */
export async function writeJson(file: string, value: unknown) {
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(JSON.stringify(value), { ...options, filepath: file }));
}

// ---------------------------------------------------------------- statistics

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export const median = (samples: number[]) => percentile(samples, 50);

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export function summary(samplesMs: number[], itemsPerSample: number) {
  const p50 = percentile(samplesMs, 50);
  return {
    p50_ms: round(p50, 2),
    p99_ms: round(percentile(samplesMs, 99), 2),
    min_ms: round(Math.min(...samplesMs), 2),
    max_ms: round(Math.max(...samplesMs), 2),
    mean_ms: round(samplesMs.reduce((a, b) => a + b, 0) / samplesMs.length, 2),
    leads_per_second: Math.round(itemsPerSample / (p50 / 1000)),
    samples_ms: samplesMs.map((s) => round(s, 2)),
  };
}

// ---------------------------------------------------------------- machine

export function machine(root: string) {
  const cpus = os.cpus();
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim() || null;
  return {
    cpu_model: cpus[0]?.model ?? 'unknown',
    cpu_count: cpus.length,
    total_memory_mb: Math.round(os.totalmem() / 1024 / 1024),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
    git_commit: git('rev-parse', 'HEAD'),
    git_dirty: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '',
    /** The machine is shared: 1/5/15-minute load averages when the run started. */
    load_average_at_start: os.loadavg().map((l) => round(l, 2)),
  };
}

// ---------------------------------------------------------------- HTTP

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

/** One request on a kept-alive connection; `ms` runs from sending to the last byte of the answer. */
export function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - start,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- server build

function files(dir: string, keep: (f: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, keep));
    else if (keep(p)) out.push(p);
  }
  return out;
}

/** dist/ is fresh when every non-test source file has a compiled twin at least as new. */
export function distIsFresh(root: string): boolean {
  if (!existsSync(join(root, 'dist', 'server.js'))) return false;
  const sources = files(
    join(root, 'src'),
    (f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f) && !/\.d\.ts$/.test(f) && !f.includes('test-support'),
  );
  const config = Math.max(...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => statSync(join(root, f)).mtimeMs));
  return sources.every((src) => {
    const out = join(root, 'dist', relative(join(root, 'src'), src).replace(/\.tsx?$/, '.js'));
    if (!existsSync(out)) return false;
    const built = statSync(out).mtimeMs;
    return built >= statSync(src).mtimeMs && built >= config;
  });
}

/** Picks how to start the server: dist/server.js, built first when stale; tsx on the sources if the build fails or is refused. */
export function serverEntry(root: string, forceTsx: boolean): { args: string[]; label: string; note?: string } {
  const tsx = { args: ['--import', 'tsx', 'src/server.ts'], label: 'node --import tsx src/server.ts' };
  if (forceTsx) return tsx;
  if (!distIsFresh(root)) {
    console.error('dist/ is missing or older than src/: npm run build');
    const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) return { ...tsx, note: 'npm run build failed; ran the sources with tsx' };
  }
  return { args: ['dist/server.js'], label: 'node dist/server.js' };
}

/** How a baseline checkout's server runs: as this tree's does (dist/ built when stale, or tsx), like with like. */
export const baselineArgs = (serverArgs: string[], dir: string) =>
  serverArgs.includes('dist/server.js') ? serverEntry(dir, false).args : serverArgs;

// ---------------------------------------------------------------- server process

export interface Server {
  child: ChildProcess;
  base: string;
  output: () => string;
  stop: () => Promise<number | null>;
}

export async function startServer(root: string, args: string[], env: NodeJS.ProcessEnv, port: number): Promise<Server> {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = code;
      resolve(code);
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`server exited with ${exited} before answering /up:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer /up within 60 s:\n${out}`);
    }
    const up = await request(`${base}/up`).catch(() => undefined);
    if (up?.status === 200) break;
    await sleep(100);
  }
  return {
    child,
    base,
    output: () => out,
    async stop() {
      if (exited !== undefined) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Resident memory of a process in MB: /proc/<pid>/status VmRSS, else `ps -o rss=`. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // no procfs: fall through
  }
  const ps = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
  const kb = Number(ps.stdout?.trim());
  return Number.isFinite(kb) && kb > 0 ? kb / 1024 : undefined;
}

/** Polls a process's RSS; `peak()` since the start, `mark()` starts a new phase window. */
export function watchRss(pid: number, everyMs = 200) {
  let peak = 0;
  let phasePeak = 0;
  let last = 0;
  const sample = () => {
    const mb = rssMb(pid);
    if (mb === undefined) return;
    last = mb;
    peak = Math.max(peak, mb);
    phasePeak = Math.max(phasePeak, mb);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    peak: () => (sample(), round(peak)),
    last: () => (sample(), round(last)),
    /** Ends a phase: answers its peak and starts the next one. */
    mark: () => {
      sample();
      const p = phasePeak;
      phasePeak = last;
      return round(p);
    },
    stop: () => clearInterval(timer),
  };
}

// ---------------------------------------------------------------- who used the CPU

const TICKS_PER_SECOND = 100; // USER_HZ of /proc/stat and /proc/<pid>/stat on Linux

function processTicks(): Map<number, number> {
  const out = new Map<number, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
      out.set(Number(pid), Number(f[11]) + Number(f[12])); // utime + stime
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function machineBusyTicks(): number | undefined {
  try {
    const [, user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    return user + nice + system + irq + softirq;
  } catch {
    return undefined;
  }
}

export interface CpuShare {
  seconds: number;
  /** Percent of one core: 100 = one core busy the whole phase. */
  server_pct: number;
  postgres_pct: number;
  bench_client_pct: number;
  /** Everything else on the machine (other developers' tests…): the noise of this figure. */
  others_pct: number;
  cores: number;
}

/**
 * CPU used during a phase by the server, the database backends serving it, this process (the load
 * generator) and everything else, from /proc (undefined elsewhere). `backends()` answers the
 * database's backend pids at the end of the phase.
 */
export function cpuPhase(serverPid: number, backends: () => Promise<number[]>) {
  const t0 = performance.now();
  const busy0 = machineBusyTicks();
  const before = processTicks();
  return async (): Promise<CpuShare | undefined> => {
    const pgPids = await backends().catch(() => [] as number[]);
    const busy1 = machineBusyTicks();
    const after = processTicks();
    if (busy0 === undefined || busy1 === undefined || after.size === 0) return undefined;
    const seconds = (performance.now() - t0) / 1000;
    const used = (pid: number) => (after.has(pid) ? after.get(pid)! - (before.get(pid) ?? 0) : 0);
    const pct = (ticks: number) => round((100 * ticks) / TICKS_PER_SECOND / seconds, 0);
    const server = used(serverPid);
    const postgres = pgPids.reduce((s, p) => s + used(p), 0);
    const bench = used(process.pid);
    return {
      seconds: round(seconds, 1),
      server_pct: pct(server),
      postgres_pct: pct(postgres),
      bench_client_pct: pct(bench),
      others_pct: Math.max(0, pct(busy1 - busy0 - server - postgres - bench)),
      cores: os.cpus().length,
    };
  };
}

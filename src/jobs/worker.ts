import PgBoss from 'pg-boss';
import type { Database } from '../db/database.js';
import type { FileStore } from '../files/store.js';
import { FinalJobError, JobLostError, LANES, jobKind, jobKinds, leaseSecondsOf, type JobContext, type JobKind } from './registry.js';
import { bossDb, WAKE_CHANNEL } from './queue.js';
import { claimRun, completeRun, failRun, releaseRun, renewRun, reportRun, settleLapsedRuns, type LapsedRun, type Run } from './runs.js';
import { countRun } from './stats.js';

export interface WorkerLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

interface WorkerOptions {
  /** Jobs run at a time; one more slot is kept for `urgent` jobs. At least 1. */
  slots: number;
  /** How often to look for due jobs besides the NOTIFY of each enqueue (retries come due silently). */
  pollMs?: number;
  /** How often pg-boss's maintenance looks for jobs whose worker died (any one worker does it). */
  maintenanceSeconds?: number;
  /** On stop, how long running jobs get to reach a step boundary before they are released. */
  graceMs?: number;
  /** Only these kinds (default: every registered kind, read again at each look). */
  kinds?: string[];
  log?: WorkerLog;
  /** The app key, for jobs that open what it sealed (a shipping company's API key). */
  appKey?: string;
  /** The file store of jobs that read or write files (imports, exports). */
  files?: FileStore;
  /**
   * No other process runs this database's jobs (the embedded one: the server alone opens DATA_DIR),
   * so a job found running at start was a dead process's: its lease ends at once and the first
   * maintenance pass queues it again, instead of after up to ten minutes (an import's lease).
   */
  soleProcess?: boolean;
}

interface Running {
  run: Run;
  abort: AbortController;
  urgentSlot: boolean;
  /** Handed back by stop(): whatever the handler does next is not written. */
  released: boolean;
  settled: Promise<void>;
}

class WorkerStopping extends Error {
  constructor() {
    super('The worker is stopping.');
  }
}

const quiet: WorkerLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const noStore = () => Promise.reject(new Error('This worker was started without a file store.'));
const NO_FILES: FileStore = { kind: 'local', put: noStore, get: noStore, delete: noStore, sweep: noStore, close: () => Promise.resolve() };
const laneOrder = (k: JobKind) => LANES.indexOf(k.lane);

/**
 * Runs jobs from pg-boss's queues: claims the oldest due job of the most urgent lane while a slot is
 * free, renews each run's lease while its handler works, records the outcome, and on stop asks the
 * handlers to stop at a step boundary and hands their jobs back.
 */
export class JobWorker {
  private readonly boss: PgBoss;
  private readonly log: WorkerLog;
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private filling: Promise<void> | undefined;
  private again = false;
  private stopping: Promise<void> | undefined;
  /** The settling started by pg-boss's last maintenance pass, awaited by stop() (no query after the database closes). */
  private settling: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly opts: WorkerOptions,
  ) {
    if (!Number.isInteger(opts.slots) || opts.slots < 1) throw new Error('A worker needs at least one slot.');
    this.log = opts.log ?? quiet;
    this.boss = new PgBoss({
      db: bossDb(db),
      supervise: true,
      maintenanceIntervalSeconds: opts.maintenanceSeconds ?? 30,
      // Records keep what people see; pg-boss's finished rows only slow its queries down.
      archiveCompletedAfterSeconds: 3600,
      schedule: false,
      migrate: false,
    });
    this.boss.on('error', (err) => this.log.warn({ err }, 'job queue maintenance failed'));
    this.boss.on('maintenance', () => {
      if (this.stopping) return;
      this.settling = settleLapsedRuns(db)
        .then((runs) => this.afterLapsed(runs))
        .catch((err) => this.log.warn({ err }, 'settling lapsed jobs failed'));
    });
  }

  private async afterLapsed(runs: LapsedRun[]): Promise<void> {
    if (runs.length === 0) return;
    this.log.warn({ jobs: runs.length }, 'jobs of a stopped worker are queued again or failed');
    for (const r of runs) {
      const abandoned = r.status === 'failed' ? jobKind(r.kind)?.abandoned : undefined;
      if (abandoned)
        await abandoned(r.payload, this.opts.files ?? NO_FILES).catch((err) =>
          this.log.warn({ err, job: r.id }, 'clearing a failed job failed'),
        );
    }
  }

  async start(): Promise<this> {
    // Its lease ends now: started_on moves back, not expire_in, which the job keeps for its next runs
    // (set to 0, every later run of the job lapsed at the next maintenance pass, within seconds).
    if (this.opts.soleProcess)
      await this.db.query(`UPDATE pgboss.job SET started_on = now() - expire_in - interval '1 second' WHERE state = 'active'`);
    await this.boss.start();
    await this.db.listen(WAKE_CHANNEL, () => this.wake());
    this.timer = setInterval(() => this.wake(), this.opts.pollMs ?? 2000);
    this.timer.unref();
    this.wake();
    return this;
  }

  /** Jobs in hand now (ids). */
  get busy(): string[] {
    return [...this.running.keys()];
  }

  private kinds(): JobKind[] {
    const all = jobKinds();
    return this.opts.kinds ? all.filter((k) => this.opts.kinds!.includes(k.kind)) : all;
  }

  /** Looks for work now (a NOTIFY, the poll timer, a slot freed). */
  wake() {
    if (this.stopping) return;
    if (this.filling) {
      this.again = true;
      return;
    }
    this.filling = (async () => {
      try {
        do {
          this.again = false;
          await this.fill();
        } while (this.again && !this.stopping);
      } catch (err) {
        this.log.error({ err }, 'looking for jobs failed');
      } finally {
        this.filling = undefined;
      }
    })();
  }

  private freeLanes(): JobKind['lane'][] {
    const shared = [...this.running.values()].filter((r) => !r.urgentSlot).length;
    if (shared < this.opts.slots) return [...LANES];
    return [...this.running.values()].some((r) => r.urgentSlot) ? [] : ['urgent'];
  }

  private async fill() {
    while (!this.stopping) {
      const lanes = this.freeLanes();
      const kinds = this.kinds().filter((k) => lanes.includes(k.lane));
      if (kinds.length === 0) return;
      const { rows } = await this.db.query<{ name: string }>(
        `SELECT name FROM pgboss.job WHERE name = ANY($1::text[]) AND state < 'active' AND start_after < now()
          GROUP BY name ORDER BY min(created_on)`,
        [kinds.map((k) => k.kind)],
      );
      const due = rows.map((r) => kinds.find((k) => k.kind === r.name)!).sort((a, b) => laneOrder(a) - laneOrder(b));
      let run: Run | null = null;
      for (const kind of due) {
        if (this.stopping) return;
        run = await claimRun(this.db, this.boss, kind);
        if (run) break;
      }
      if (!run) return;
      this.launch(run, !lanes.includes('default'));
    }
  }

  private launch(run: Run, urgentSlot: boolean) {
    const entry: Running = { run, abort: new AbortController(), urgentSlot, released: false, settled: Promise.resolve() };
    this.running.set(run.id, entry);
    entry.settled = this.execute(entry).finally(() => {
      this.running.delete(run.id);
      this.wake();
    });
  }

  private context(entry: Running): JobContext {
    const { run } = entry;
    return {
      id: run.id,
      kind: run.kind.kind,
      payload: run.payload,
      attempt: run.attempt,
      userId: run.userId,
      get progress() {
        return { ...run.progress };
      },
      signal: entry.abort.signal,
      db: this.db,
      appKey: this.opts.appKey ?? '',
      files: this.opts.files ?? NO_FILES,
      report: async (p, q = this.db) => {
        await reportRun(q, run, p);
        const snap = run.progress;
        run.progress = {
          total: p.total ?? snap.total,
          done: snap.done + (p.done ?? 0),
          failed: snap.failed + (p.failed ?? 0),
          checkpoint: p.checkpoint === undefined ? snap.checkpoint : p.checkpoint,
        };
      },
    };
  }

  private async execute(entry: Running) {
    const { run, abort } = entry;
    const leaseMs = leaseSecondsOf(run.kind, this.db.kind) * 1000;
    const lease = setInterval(() => {
      renewRun(this.db, run)
        .then((held) => held || abort.abort(new JobLostError()))
        .catch((err) => this.log.warn({ err, job: run.id }, 'renewing a job lease failed'));
    }, leaseMs / 3);
    const log = { job: run.id, kind: run.kind.kind, attempt: run.attempt };
    try {
      let result: unknown;
      try {
        result = await run.kind.handler(this.context(entry));
      } catch (err) {
        if (entry.released || abort.signal.reason instanceof JobLostError) {
          this.log.warn({ ...log, err }, 'a job run ended after losing its job');
        } else if (abort.signal.reason instanceof WorkerStopping) {
          await releaseRun(this.db, run);
          entry.released = true;
          this.log.info(log, 'job handed back: the worker is stopping');
        } else {
          const final = err instanceof FinalJobError;
          const outcome = await failRun(this.db, this.boss, run, (err as Error)?.message ?? String(err), final, final && err.listed);
          countRun(run.kind.kind, outcome);
          // A job refused for what it was given (a bad file, an order not new) is no fault of the
          // server: one line with its reason, no stack.
          if (final) this.log.info({ ...log, reason: (err as Error).message, outcome }, 'job refused');
          else this.log.warn({ ...log, err, outcome }, 'job failed');
        }
        return;
      }
      if (entry.released) return;
      await completeRun(this.db, this.boss, run, result);
      countRun(run.kind.kind, 'done');
      this.log.info(log, 'job done');
    } catch (err) {
      if (err instanceof JobLostError) this.log.warn(log, 'a job run ended after losing its job');
      else this.log.error({ ...log, err }, 'recording a job outcome failed');
    } finally {
      clearInterval(lease);
    }
  }

  /**
   * Stops taking jobs, asks running handlers to stop (their signal aborts), waits up to `graceMs`
   * for them, and hands back the jobs still in hand. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.timer);
      await this.filling;
      for (const entry of this.running.values()) entry.abort.abort(new WorkerStopping());
      const all = Promise.all([...this.running.values()].map((e) => e.settled));
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise((resolve) => (timeout = setTimeout(resolve, this.opts.graceMs ?? 20_000)))]);
      clearTimeout(timeout);
      for (const entry of this.running.values()) {
        if (entry.released) continue;
        entry.released = true;
        await releaseRun(this.db, entry.run).catch((err) => this.log.warn({ err, job: entry.run.id }, 'handing a job back failed'));
      }
      await this.boss.stop({ graceful: false, close: false, wait: true });
      await this.settling;
    })();
    return this.stopping;
  }
}

import type { Database, Queryable } from '../db/database.js';
import type { FileStore } from '../files/store.js';

/**
 * Lanes order the work of a worker: a free slot takes the oldest due job of the first lane that has
 * one, and one slot of every worker is kept for `urgent` jobs only (pushing parcels waits for nobody).
 */
export const LANES = ['urgent', 'default', 'low'] as const;
type Lane = (typeof LANES)[number];

/** An item a job could not process, as GET /jobs/{id} shows it. */
interface JobItemError {
  reference?: string;
  row?: number;
  /** An import's error names its column, null when it has none (webhooks-files.md). */
  column?: string | null;
  message: string;
}

/** A job as GET /jobs/{id} answers it (fulfilment.md). */
export interface JobJson {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  total: number;
  done: number;
  failed: number;
  errors: JobItemError[];
  result?: unknown;
  created_at: string;
  finished_at: string | null;
}

export interface JobProgress {
  /** Items to process (absolute). */
  total?: number;
  /** Items processed since the last report (added). */
  done?: number;
  /** Items that failed since the last report (added). */
  failed?: number;
  errors?: JobItemError[];
  /** Where to resume: handed back as `ctx.checkpoint` to the next run of the job. */
  checkpoint?: unknown;
}

export interface JobContext<P = unknown> {
  /** The job's id: the same across retries and restarts, so it can key idempotent effects. */
  readonly id: string;
  readonly kind: string;
  readonly payload: P;
  /** 1 for the first run, 2 for the first retry or the run after a crash, … */
  readonly attempt: number;
  readonly userId: string | null;
  /** Counters and checkpoint as the last committed report left them. */
  readonly progress: { total: number; done: number; failed: number; checkpoint: unknown };
  /** Aborted when the worker stops or loses the job: stop between two steps and return or throw. */
  readonly signal: AbortSignal;
  readonly db: Database;
  /** The process's APP_KEY ('' when the worker was started without one). */
  readonly appKey: string;
  /** The process's file store (imports read their upload from it, exports write their file to it). */
  readonly files: FileStore;
  /**
   * Records progress; pass the transaction of the step's effects (`q`) so the effects and the report
   * commit together (a run that lost the job cannot commit either). Throws `JobLostError` then.
   */
  report(progress: JobProgress, q?: Queryable): Promise<void>;
}

interface RetryPolicy {
  /** Retries after the first run (a run cut short by a crash counts as one). */
  limit: number;
  /** Seconds before the first retry; each later one waits about twice as long (with jitter). */
  delaySeconds: number;
}

export interface JobKind<P = unknown> {
  kind: string;
  /** What people read on a job's page ("Push to the courier"). */
  label: string;
  lane: Lane;
  retry: RetryPolicy;
  /**
   * A run's lease: renewed every third of it while the handler runs; when a worker dies, another
   * takes the job over once it has lapsed. Longer than any single transaction of the handler.
   */
  leaseSeconds: number;
  /**
   * The lease on the embedded database, at least `leaseSeconds`; unset, `EMBEDDED_LEASE_SECONDS` (or
   * `leaseSeconds` when longer). Set it only for a kind that wants something else there (a test's
   * short lease). See `EMBEDDED_LEASE_SECONDS` for why the default is long.
   */
  embeddedLeaseSeconds?: number;
  /** Answers the job's `result` (JSON) or throws; `FinalJobError` is never retried. */
  handler: (ctx: JobContext<P>) => Promise<unknown>;
  /**
   * Clears what the job leaves behind when it fails for good without its handler knowing: its last
   * run died (a crash) with no retry left. Called once, by the worker that settles it.
   */
  abandoned?: (payload: P, files: FileStore) => Promise<void>;
}

/**
 * A failure that another attempt cannot fix (a malformed answer, a refused request). `listed`: the job
 * has already reported each reason as an error of its own (an import's rows), so the message is the
 * job's summary, kept as `result.message`, not one more error in the list.
 */
export class FinalJobError extends Error {
  constructor(
    message: string,
    readonly listed = false,
  ) {
    super(message);
  }
}

/** The run no longer holds its job (its lease lapsed and the job moved on): nothing it writes counts. */
export class JobLostError extends Error {
  constructor() {
    super('This run no longer holds the job.');
  }
}

/**
 * A run's lease on the embedded database when its kind does not set `embeddedLeaseSeconds`: ten
 * minutes, or its `leaseSeconds` when longer. There a transaction (an import's write, its own or
 * another job's) holds the one connection and no renewal runs before it ends: a push's 30 s lapsed
 * behind a 240-s write. A long lease costs nothing there: the process alone on that database takes
 * back a dead run's jobs at once (`soleProcess`). docs/decisions.md, Leases.
 */
export const EMBEDDED_LEASE_SECONDS = 600;

const KINDS = new Map<string, JobKind>();
const NAME = /^[a-z][a-z0-9_.-]{0,99}$/;

/** Registers a job kind (each module registers its own when loaded). Names are pg-boss queue names. */
export function defineJob<P>(
  def: Partial<Pick<JobKind<P>, 'lane' | 'retry' | 'leaseSeconds' | 'embeddedLeaseSeconds' | 'label' | 'abandoned'>> &
    Pick<JobKind<P>, 'kind' | 'handler'>,
) {
  if (!NAME.test(def.kind)) throw new Error(`Invalid job kind "${def.kind}".`);
  if (KINDS.has(def.kind)) throw new Error(`The job kind "${def.kind}" is already registered.`);
  const kind: JobKind<P> = {
    label: def.kind,
    lane: 'default',
    retry: { limit: 3, delaySeconds: 30 },
    leaseSeconds: 60,
    ...def,
  };
  if (!Number.isInteger(kind.leaseSeconds) || kind.leaseSeconds < 3) throw new Error('leaseSeconds must be an integer of at least 3.');
  if (
    kind.embeddedLeaseSeconds !== undefined &&
    !(Number.isInteger(kind.embeddedLeaseSeconds) && kind.embeddedLeaseSeconds >= kind.leaseSeconds)
  )
    throw new Error('embeddedLeaseSeconds must be an integer of at least leaseSeconds.');
  if (!Number.isInteger(kind.retry.delaySeconds) || kind.retry.delaySeconds < 1) throw new Error('retry.delaySeconds must be at least 1.');
  KINDS.set(kind.kind, kind as JobKind);
  return kind;
}

/** A run's lease on this kind of database (the embedded database's, the longer one, when not known). */
export function leaseSecondsOf(kind: JobKind, database: Database['kind'] | undefined): number {
  if (database === 'postgres') return kind.leaseSeconds;
  return kind.embeddedLeaseSeconds ?? Math.max(EMBEDDED_LEASE_SECONDS, kind.leaseSeconds);
}

export const jobKind = (kind: string): JobKind | undefined => KINDS.get(kind);
export const jobKinds = (): JobKind[] => [...KINDS.values()];

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/database.js';
import { jobStats } from '../jobs/stats.js';

/**
 * One registry per app (tests build several): process metrics (memory, CPU, event loop), HTTP
 * requests per route, job queues, and the database pool, read from the database when scraped.
 */
export function metricsRegistry(db: Database) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, per route',
    labelNames,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, per route',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const jobs = {
    queued: new Gauge({
      name: 'codops_jobs_queued',
      help: 'Jobs waiting to run (retries included)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    retrying: new Gauge({
      name: 'codops_jobs_retrying',
      help: 'Queued jobs waiting for a retry',
      labelNames: ['kind'],
      registers: [registry],
    }),
    running: new Gauge({ name: 'codops_jobs_running', help: 'Jobs running now', labelNames: ['kind'], registers: [registry] }),
    failedLastDay: new Gauge({
      name: 'codops_jobs_failed_last_day',
      help: 'Jobs that failed for good in the last 24 hours',
      labelNames: ['kind'],
      registers: [registry],
    }),
    processed: new Gauge({
      name: 'codops_jobs_processed',
      help: 'Job runs this process finished since it started, by outcome',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
  };
  const pool = new Gauge({
    name: 'codops_db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'],
    registers: [registry],
  });

  /** Reads the job queues and the pool just before a scrape. */
  async function refresh() {
    const stats = await jobStats(db);
    for (const g of Object.values(jobs)) g.reset();
    for (const [kind, s] of Object.entries(stats)) {
      jobs.queued.set({ kind }, s.queued);
      jobs.retrying.set({ kind }, s.retrying);
      jobs.running.set({ kind }, s.running);
      jobs.failedLastDay.set({ kind }, s.failedLastDay);
      for (const [outcome, n] of Object.entries(s.processed)) jobs.processed.set({ kind, outcome }, n);
    }
    const p = db.pool?.();
    if (p) {
      pool.set({ state: 'max' }, p.max);
      pool.set({ state: 'open' }, p.total);
      pool.set({ state: 'idle' }, p.idle);
      pool.set({ state: 'in_use' }, p.total - p.idle);
      pool.set({ state: 'waiting' }, p.waiting);
    }
  }

  return {
    registry,
    observe(method: string, route: string, status: number, seconds: number) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    async render() {
      await refresh();
      return registry.metrics();
    },
  };
}

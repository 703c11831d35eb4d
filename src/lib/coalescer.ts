/**
 * Runs jobs in batches, one batch per key at a time: a job whose key is idle starts a batch at once
 * (no timer, no added wait when idle); a job that arrives while its key's batch runs waits for it
 * to end, and the next batch takes every job then waiting, up to `maxWeight` in all (a heavier job
 * runs alone). `run` answers one settled result per job, in order.
 */
export class Coalescer<J, R> {
  /** The jobs waiting for each key whose batch is running (a key is here exactly while it runs). */
  private readonly waiting = new Map<string, Entry<J, R>[]>();

  constructor(
    private readonly run: (jobs: J[]) => Promise<PromiseSettledResult<R>[]>,
    private readonly weight: (job: J) => number,
    private readonly maxWeight: number,
  ) {}

  add(key: string, job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const entry = { job, resolve, reject };
      const waiting = this.waiting.get(key);
      if (waiting) waiting.push(entry);
      else {
        this.waiting.set(key, []);
        void this.settle(key, [entry]);
      }
    });
  }

  private async settle(key: string, batch: Entry<J, R>[]): Promise<void> {
    let results: PromiseSettledResult<R>[];
    try {
      results = await this.run(batch.map((e) => e.job));
    } catch (reason) {
      results = batch.map(() => ({ status: 'rejected', reason }));
    }
    // The next batch leaves before this one's answers are sent.
    const waiting = this.waiting.get(key)!;
    if (waiting.length === 0) this.waiting.delete(key);
    else {
      let total = 0;
      const over = waiting.findIndex((e, i) => (total += this.weight(e.job)) > this.maxWeight && i > 0);
      void this.settle(key, waiting.splice(0, over === -1 ? waiting.length : over));
    }
    batch.forEach((e, i) => {
      const r = results[i];
      if (r.status === 'fulfilled') e.resolve(r.value);
      else e.reject(r.reason);
    });
  }
}

interface Entry<J, R> {
  job: J;
  resolve: (value: R) => void;
  reject: (reason: unknown) => void;
}

/**
 * Runs jobs in batches, one batch per key at a time: a job whose key is idle starts a batch at once
 * (no timer, no added wait when idle); a job that arrives while its key's batch runs waits for it
 * to end, and the next batch takes every job then waiting, up to `maxWeight` in all (a heavier job
 * runs alone). `run` answers one settled result per job, in order.
 */
export class Coalescer<J, R> {
  private readonly keys = new Map<string, Key<J, R>>();

  constructor(
    private readonly run: (jobs: J[]) => Promise<PromiseSettledResult<R>[]>,
    private readonly weight: (job: J) => number,
    private readonly maxWeight: number,
  ) {}

  add(key: string, job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let state = this.keys.get(key);
      if (!state) this.keys.set(key, (state = { running: false, waiting: [] }));
      state.waiting.push({ job, resolve, reject });
      if (!state.running) this.next(key, state);
    });
  }

  private next(key: string, state: Key<J, R>): void {
    if (state.waiting.length === 0) {
      this.keys.delete(key);
      return;
    }
    let total = 0;
    const over = state.waiting.findIndex((e, i) => (total += this.weight(e.job)) > this.maxWeight && i > 0);
    const batch = state.waiting.splice(0, over === -1 ? state.waiting.length : over);
    state.running = true;
    void this.settle(key, state, batch);
  }

  private async settle(key: string, state: Key<J, R>, batch: Entry<J, R>[]): Promise<void> {
    let results: PromiseSettledResult<R>[];
    try {
      results = await this.run(batch.map((e) => e.job));
    } catch (reason) {
      results = batch.map(() => ({ status: 'rejected', reason }));
    }
    // The next batch leaves before this one's answers are sent.
    state.running = false;
    this.next(key, state);
    batch.forEach((e, i) => {
      const r = results[i];
      if (r.status === 'fulfilled') e.resolve(r.value);
      else e.reject(r.reason);
    });
  }
}

interface Key<J, R> {
  running: boolean;
  waiting: Entry<J, R>[];
}

interface Entry<J, R> {
  job: J;
  resolve: (value: R) => void;
  reject: (reason: unknown) => void;
}

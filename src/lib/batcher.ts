// Group commit: work items that arrive while a batch is being written wait for the next batch,
// and each batch is one transaction of set-based statements. At low load a batch is a single
// item and starts at once (no added latency); under load batches grow by themselves. When a
// batch fails, its items are retried one by one, so each caller gets its own answer or error.

export type BatcherStats = { batches: number; items: number; largest: number; fallbacks: number };

export type Batcher<T, R> = { submit(item: T): Promise<R>; stats(): BatcherStats };

type Waiting<T, R> = { item: T; resolve: (r: R) => void; reject: (e: unknown) => void };

export function createBatcher<T, R>(options: {
  /** Largest batch. */
  maxBatch: number;
  /** Batches written at the same time (at most the database connections it may hold). */
  concurrency: number;
  /**
   * Writes one batch: calls `take()` once, as late as it can (after it holds its database
   * connection), and answers one result per item taken, in order. Taking late matters when the
   * pool has a single connection: requests that queued for it meanwhile join this batch.
   */
  runBatch: (take: () => T[]) => Promise<R[]>;
  runOne: (item: T) => Promise<R>;
}): Batcher<T, R> {
  const queue: Waiting<T, R>[] = [];
  let running = 0;
  const counts: BatcherStats = { batches: 0, items: 0, largest: 0, fallbacks: 0 };

  async function runEach(batch: Waiting<T, R>[]): Promise<void> {
    for (const w of batch) {
      try {
        w.resolve(await options.runOne(w.item));
      } catch (e) {
        w.reject(e);
      }
    }
  }

  async function flush(): Promise<void> {
    const state: { taken: Waiting<T, R>[] | null } = { taken: null };
    const take = () => {
      const taken = queue.splice(0, options.maxBatch);
      state.taken = taken;
      if (taken.length > 0) {
        counts.batches++;
        counts.items += taken.length;
        counts.largest = Math.max(counts.largest, taken.length);
      }
      return taken.map((w) => w.item);
    };
    try {
      const results = await options.runBatch(take);
      (state.taken ?? []).forEach((w, i) => w.resolve(results[i]!));
    } catch (e) {
      // Failed before taking anything (no connection): the waiting items get the error, or
      // the next batch would meet the same failure in a loop.
      const batch: Waiting<T, R>[] = state.taken ?? queue.splice(0, options.maxBatch);
      if (batch.length <= 1) batch.forEach((w) => w.reject(e));
      else {
        counts.fallbacks++;
        await runEach(batch);
      }
    }
  }

  function pump(): void {
    while (running < options.concurrency && queue.length > running) {
      running++;
      void flush().finally(() => {
        running--;
        pump();
      });
    }
  }

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        pump();
      });
    },
    stats: () => ({ ...counts }),
  };
}

/**
 * Group lookup: concurrent reads of rows by key share one query (`where key in (…)`). Nothing is
 * cached: each caller gets the row as read after it asked, so a change (a revoked token) is seen
 * by every later request. Under load, a read per request becomes a read per batch.
 */
export function createLookupBatcher<C, K, R>(options: {
  concurrency: number;
  maxBatch: number;
  /** Holds a connection for `fn`; keys are taken only once it is held, so those that queued for it join. */
  withConnection: <T>(fn: (conn: C) => Promise<T>) => Promise<T>;
  read: (conn: C, keys: K[]) => Promise<R[]>;
  keyOf: (row: R) => K;
}): Batcher<K, R | undefined> {
  const readMany = async (conn: C, keys: K[]) => {
    const rows = await options.read(conn, [...new Set(keys)]);
    const byKey = new Map(rows.map((r) => [options.keyOf(r), r]));
    return keys.map((k) => byKey.get(k));
  };
  return createBatcher<K, R | undefined>({
    maxBatch: options.maxBatch,
    concurrency: options.concurrency,
    runBatch: (take) => options.withConnection((conn) => readMany(conn, take())),
    runOne: (key) => options.withConnection(async (conn) => (await readMany(conn, [key]))[0]),
  });
}

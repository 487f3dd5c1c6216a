/**
 * Runs store work one piece at a time. The store holds one DuckDB connection, and some of its
 * queries use fixed-name temporary tables (account key lists): two requests interleaving on it
 * could read each other's lists. Requests are short; the queue keeps them correct.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

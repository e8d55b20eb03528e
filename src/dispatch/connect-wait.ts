/**
 * Wakes calls that wait for a backend still connecting: the gateway calls `changed()` whenever its catalog
 * snapshot is rebuilt (every backend state change rebuilds it), and each waiter looks again.
 */
export class ConnectWaits {
  private readonly waiters = new Set<() => void>();

  /** Calls waiting now. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** The snapshot (and so some backend's state) changed: every waiter looks again. */
  changed(): void {
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }

  /** Resolves at the next change, after `ms`, or when `signal` aborts, whichever comes first. */
  next(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }
}

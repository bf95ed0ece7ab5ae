/**
 * A gate long work passes between batches: open, it costs nothing; paused, the work waits at its
 * next safe point (after a commit) until resumed. Gates chain, so a folder's gate also obeys the
 * global one.
 */
export class PauseGate {
  private paused = false;
  private waiters: Array<() => void> = [];

  constructor(private readonly parent: PauseGate | null = null) {}

  get isPaused(): boolean {
    return this.paused || (this.parent?.isPaused ?? false);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at once when open; otherwise when this gate and its parents are all open (or `signal` aborts). */
  async wait(signal?: AbortSignal): Promise<void> {
    while (this.isPaused && !signal?.aborted) {
      // Woken by any resume up the chain, then looks again.
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        for (let gate = this.parent; gate; gate = gate.parent) gate.waiters.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
}

/** Where a followed state's news comes from: the push event that carries it whole, and the event stream opening. */
export interface StateEvents<T> {
  /** Subscribes to the event; returns the unsubscribe function. */
  on(listener: (state: T) => void): () => void;
  /** Calls `listener` each time the event stream opens again; returns the unsubscribe function. */
  onOpen(listener: () => void): () => void;
}

/**
 * Follows a state that its push event carries whole (as `indexing` carries every job): `apply`
 * gets each event, and the state `load` reads now and again each time the event stream opens,
 * since an event sent before the stream listened never arrives. A read's answer is applied only
 * if no event came after it was asked and no read asked later has been applied: its answer may be
 * older than theirs (an answer and an event travel on different connections). A read that fails
 * does not keep an older one's answer out. The events that follow bring every later change, so
 * what is shown ends at the service's latest state. Returns the unsubscribe function; no read is
 * applied after it.
 */
export function followState<T>(events: StateEvents<T>, load: () => Promise<T>, apply: (state: T) => void): () => void {
  let eventCount = 0;
  let readsAsked = 0;
  let newestApplied = 0;
  let stopped = false;
  const read = (): void => {
    const asked = ++readsAsked;
    const eventsBefore = eventCount;
    load().then((state) => {
      if (stopped || eventCount !== eventsBefore || asked < newestApplied) return;
      newestApplied = asked;
      apply(state);
    }, () => undefined);
  };
  const offEvent = events.on((state) => {
    eventCount++;
    apply(state);
  });
  const offOpen = events.onOpen(read);
  read();
  return () => {
    stopped = true;
    offEvent();
    offOpen();
  };
}

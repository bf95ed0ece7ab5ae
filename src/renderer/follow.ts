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
 * since an event sent before the stream listened never arrives. A read is applied only if
 * nothing came after it was asked for, neither an event nor a newer read: its answer may be
 * older than theirs (an answer and an event travel on different connections). The events that
 * follow bring every later change, so what is shown ends at the service's latest state.
 * Returns the unsubscribe function; no read is applied after it.
 */
export function followState<T>(events: StateEvents<T>, load: () => Promise<T>, apply: (state: T) => void): () => void {
  /** Counts events and reads: a read's answer is applied only if the count is still the one it was asked at. */
  let latest = 0;
  let stopped = false;
  const read = (): void => {
    const asked = ++latest;
    load().then((state) => {
      if (!stopped && asked === latest) apply(state);
    }, () => undefined);
  };
  const offEvent = events.on((state) => {
    latest++;
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

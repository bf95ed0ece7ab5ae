import { useCallback, useEffect, useRef, useState } from 'react';
import type { StatusReport } from '../../shared/types';
import { api, errorMessage, onEventStreamOpen, subscribe } from '../api';

export interface StatusView {
  status: StatusReport | null;
  error: string | null;
  reload(): void;
}

/** While folders are indexing, counts change with every commit: refresh this often. */
const BUSY_REFRESH_MS = 1500;

/** Folders, counts, model and caches; refreshed after index runs, when the event stream (re)opens, and steadily while busy. */
export function useStatus(busy: boolean): StatusView {
  const [status, setStatus] = useState<StatusReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  // One request at a time; a reload asked for meanwhile runs once it returns, so the last change is never missed.
  const inFlight = useRef(false);
  const pending = useRef(false);
  const reload = useCallback(() => {
    if (inFlight.current) {
      pending.current = true;
      return;
    }
    inFlight.current = true;
    pending.current = false;
    api.status({}).then(
      (next) => {
        setStatus(next);
        setError(null);
      },
      (e: unknown) => setError(errorMessage(e)),
    ).finally(() => {
      inFlight.current = false;
      if (pending.current) reload();
    });
  }, []);
  useEffect(() => {
    const offIndexed = subscribe('indexed', reload);
    const offJobs = subscribe('indexing', reload);
    // A run that ended before the event stream listened announced its counts to no one here.
    const offOpen = onEventStreamOpen(reload);
    reload();
    return () => {
      offIndexed();
      offJobs();
      offOpen();
    };
  }, [reload]);
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(reload, BUSY_REFRESH_MS);
    return () => clearInterval(timer);
  }, [busy, reload]);
  return { status, error, reload };
}

import { useEffect, useState } from 'react';
import type { StatsSample } from '../../shared/contract';
import { subscribe } from '../api';

/** The latest metrics sample (`stats` events, every few seconds); null until the first arrives. */
export function useStats(): StatsSample | null {
  const [latest, setLatest] = useState<StatsSample | null>(null);
  useEffect(() => subscribe('stats', setLatest), []);
  return latest;
}

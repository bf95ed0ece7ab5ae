import { useCallback, useEffect, useRef, useState } from 'react';
import type { SearchMode, SearchResult } from '../../shared/types';
import { api, errorMessage, subscribe } from '../api';

export interface SearchState {
  result: SearchResult | null;
  /** Hits of every page loaded so far. */
  hits: SearchResult['hits'];
  loading: boolean;
  loadingMore: boolean;
  error: string | null;
}

const PAGE_SIZE = 30;
/** Typing pauses this long before a search starts. */
const DEBOUNCE_MS = 120;

let requestCounter = 0;

/**
 * Runs the search as the query changes: partial (lexical) results stream in through events and
 * the final ranking replaces them; a newer query makes older answers irrelevant.
 */
export function useSearch(query: string, mode: SearchMode) {
  const [state, setState] = useState<SearchState>({ result: null, hits: [], loading: false, loadingMore: false, error: null });
  const current = useRef<string>('');

  useEffect(() => {
    return subscribe('searchResult', ({ requestId, result }) => {
      if (requestId !== current.current) return;
      setState((s) => ({ ...s, result, hits: result.hits, error: null }));
    });
  }, []);

  useEffect(() => {
    if (query.trim() === '') {
      current.current = '';
      setState({ result: null, hits: [], loading: false, loadingMore: false, error: null });
      return;
    }
    const requestId = `search-${++requestCounter}`;
    const timer = setTimeout(() => {
      current.current = requestId;
      setState((s) => ({ ...s, loading: true }));
      api.search({ requestId, query, mode, limit: PAGE_SIZE }).then(
        (result) => requestId === current.current && setState({ result, hits: result.hits, loading: false, loadingMore: false, error: null }),
        (e: unknown) => requestId === current.current && setState({ result: null, hits: [], loading: false, loadingMore: false, error: errorMessage(e) }),
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query, mode]);

  const loadMore = useCallback(() => {
    const cursor = state.result?.cursor;
    if (!cursor || state.loadingMore) return;
    const requestId = current.current;
    setState((s) => ({ ...s, loadingMore: true }));
    api.search({ requestId: `${requestId}-more`, query, mode, limit: PAGE_SIZE, cursor }).then(
      (page) => requestId === current.current && setState((s) => ({ ...s, result: page, hits: [...s.hits, ...page.hits], loadingMore: false })),
      (e: unknown) => requestId === current.current && setState((s) => ({ ...s, loadingMore: false, error: errorMessage(e) })),
    );
  }, [state.result, state.loadingMore, query, mode]);

  return { ...state, loadMore };
}

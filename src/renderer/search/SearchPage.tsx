import { useEffect, useRef, useState } from 'react';
import type { SearchHit, SearchMode, StatusReport } from '../../shared/types';
import { api, errorMessage } from '../api';
import { formatPercent } from '../../shared/format';
import { Preview } from './Preview';
import { ProfilePane } from './ProfilePane';
import { ResultRow } from './ResultRow';
import { useSearch } from './use-search';

const MODES: Array<{ mode: SearchMode; label: string; semantic: boolean }> = [
  { mode: 'hybrid', label: 'Hybrid', semantic: true },
  { mode: 'semantic', label: 'Semantic', semantic: true },
  { mode: 'lexical', label: 'Lexical', semantic: false },
  { mode: 'regex', label: 'Regex', semantic: false },
];

const FILTER_HINTS = ['lang:ts', 'path:src/', '-path:test', 'repo:NAME', '"exact phrase"', '/regex/'];

interface Props {
  status: StatusReport | null;
  /** The desktop app can show a file in the file manager; browser mode cannot. */
  canReveal: boolean;
  onShowFolders(): void;
  notify(message: string): void;
}

/** One query box, results that stream in, keyboard navigation and a preview of the code. */
export function SearchPage({ status, canReveal, onShowFolders, notify }: Props) {
  // Either tier's vectors serve semantic and hybrid search; as in the engine, hybrid is the default with one, lexical without.
  const semanticAvailable = status ? status.model !== null || status.fastModel !== null : true;
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<SearchMode>('hybrid');
  const [selected, setSelected] = useState(0);
  const [explain, setExplain] = useState(false);
  const effectiveMode = !semanticAvailable && (mode === 'hybrid' || mode === 'semantic') ? 'lexical' : mode;
  const search = useSearch(query, effectiveMode);
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const hit: SearchHit | null = search.hits[selected] ?? null;
  // The doc that explains the selected hit, shown in the preview in its place until the selection moves.
  const [explained, setExplained] = useState<SearchHit | null>(null);

  useEffect(() => {
    setSelected(0);
  }, [query, effectiveMode]);
  useEffect(() => setExplained(null), [hit]);
  useEffect(() => {
    const focusSearch = (event: KeyboardEvent): void => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        inputRef.current?.focus();
        inputRef.current?.select();
      }
    };
    window.addEventListener('keydown', focusSearch);
    return () => window.removeEventListener('keydown', focusSearch);
  }, []);
  useEffect(() => {
    listRef.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  const open = (target: SearchHit): void => {
    api.openInEditor({ folder: target.folder, path: target.path, line: target.startLine }).catch((e: unknown) => notify(errorMessage(e)));
  };
  const reveal = (target: SearchHit): void => {
    api.revealInFolder({ folder: target.folder, path: target.path }).catch((e: unknown) => notify(errorMessage(e)));
  };
  const onKeyDown = (event: React.KeyboardEvent): void => {
    if (event.key === 'ArrowDown') setSelected((i) => Math.min(i + 1, Math.max(search.hits.length - 1, 0)));
    else if (event.key === 'ArrowUp') setSelected((i) => Math.max(i - 1, 0));
    else if (event.key === 'Enter' && hit) open(hit);
    else return;
    event.preventDefault();
  };

  const noFolders = status !== null && status.folders.length === 0;
  const result = search.result;
  const coverage = result?.embeddingCoverage;
  return (
    <div className="search-page" onKeyDown={onKeyDown}>
      <div className="search-bar">
        <input
          ref={inputRef}
          className="query"
          type="search"
          autoFocus
          spellCheck={false}
          placeholder="Search code: identifiers, words, “phrases”, /regex/ (Ctrl+K)"
          aria-label="Search query"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <div className="segmented" role="radiogroup" aria-label="Search mode">
          {MODES.map((m) => (
            <button
              key={m.mode}
              role="radio"
              aria-checked={effectiveMode === m.mode}
              disabled={m.semantic && !semanticAvailable}
              title={m.semantic && !semanticAvailable ? 'Semantic search is off: no embedding tier is on (Settings)' : undefined}
              onClick={() => setMode(m.mode)}
            >
              {m.label}
            </button>
          ))}
        </div>
      </div>
      <div className="search-meta">
        {result ? (
          <>
            <span>{search.hits.length}{result.cursor ? '+' : ''} results · {result.tookMs.toFixed(1)} ms · {result.mode}</span>
            {result.partial && <span className="badge">lexical first, ranking…</span>}
            {coverage !== null && coverage !== undefined && coverage < 1 && (
              <span className="badge warn">semantic covers {formatPercent(coverage)} of chunks; embeddings are still being computed</span>
            )}
            <button className="link" onClick={() => setExplain((x) => !x)} aria-expanded={explain}>
              {explain ? 'hide timings' : 'timings'}
              {!explain && result.profile.advice.length > 0 && ` (${result.profile.advice.length} ${result.profile.advice.length === 1 ? 'suggestion' : 'suggestions'})`}
            </button>
          </>
        ) : (
          <span className="hints">
            Filters: {FILTER_HINTS.map((h) => <code key={h} onClick={() => setQuery((q) => `${q} ${h}`.trim())}>{h}</code>)}
          </span>
        )}
        {search.loading && <span className="spinner" aria-label="Searching" />}
      </div>
      {explain && result && <ProfilePane result={result} />}
      {search.error && <div className="error-banner" role="alert">{search.error}</div>}
      <div className="search-body">
        <div className="results-pane">
          {noFolders ? (
            <div className="empty-state">
              <p>No folders yet. Drop a repository folder anywhere on this window, or</p>
              <button onClick={onShowFolders}>Add a folder</button>
            </div>
          ) : query.trim() === '' ? (
            <div className="empty-state">Type to search every added folder. ↑ ↓ move, Enter opens in your editor.</div>
          ) : result && search.hits.length === 0 && !search.loading ? (
            <div className="empty-state">No matches for “{query}”. Try fewer words, another mode, or remove a filter.</div>
          ) : (
            <ol className="results" ref={listRef} aria-label="Results">
              {search.hits.map((h, i) => (
                <ResultRow key={`${h.folder}/${h.path}:${h.startLine}`} hit={h} selected={i === selected} onSelect={() => setSelected(i)} onOpen={() => open(h)}
                  onExplain={() => h.explainedBy && setExplained({ ...h, path: h.explainedBy.path, startLine: h.explainedBy.startLine, endLine: h.explainedBy.startLine })} />
              ))}
            </ol>
          )}
          {result?.cursor && (
            <button className="load-more" onClick={search.loadMore} disabled={search.loadingMore}>
              {search.loadingMore ? 'Loading…' : 'Load more'}
            </button>
          )}
        </div>
        <Preview hit={explained ?? hit} onOpen={open} onReveal={canReveal ? reveal : null} />
      </div>
    </div>
  );
}

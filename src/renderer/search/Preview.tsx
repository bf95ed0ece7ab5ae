import { useEffect, useMemo, useRef, useState } from 'react';
import type { FilePreview } from '../../shared/contract';
import type { SearchHit } from '../../shared/types';
import { api, errorMessage } from '../api';
import type { highlightLines } from './highlight';

type Highlighter = typeof highlightLines;
let highlighterModule: Promise<Highlighter> | null = null;

/** highlight.js (most of the renderer's weight) loads with the first preview, not with the app. */
function useHighlighter(): Highlighter | null {
  const [highlighter, setHighlighter] = useState<Highlighter | null>(null);
  useEffect(() => {
    let live = true;
    highlighterModule ??= import('./highlight').then((m) => m.highlightLines);
    void highlighterModule.then((fn) => live && setHighlighter(() => fn));
    return () => {
      live = false;
    };
  }, []);
  return highlighter;
}

/** The code around a hit, highlighted, with the hit's lines marked and scrolled into view. */
export function Preview({ hit, onOpen, onReveal }: { hit: SearchHit | null; onOpen(hit: SearchHit): void; onReveal: ((hit: SearchHit) => void) | null }) {
  const [preview, setPreview] = useState<FilePreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const focusRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!hit) return;
    let live = true;
    setError(null);
    api.preview({ folder: hit.folder, path: hit.path, line: hit.startLine }).then(
      (p) => live && setPreview(p),
      (e: unknown) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [hit]);
  const highlight = useHighlighter();
  // Plain text until the highlighter has loaded.
  const html = useMemo(() => (preview && highlight ? highlight(preview.lines.join('\n'), preview.language) : null), [preview, highlight]);
  const lines = html ?? preview?.lines ?? [];
  useEffect(() => {
    // A block body: Chromium's scrollIntoView now returns a promise, which React would take for a cleanup.
    focusRef.current?.scrollIntoView({ block: 'center' });
  }, [lines]);

  if (!hit) return <div className="preview empty-state">Select a result to see its code.</div>;
  if (error) return <div className="preview error-banner">{error}</div>;
  if (!preview || preview.path !== hit.path) return <div className="preview empty-state">Loading {hit.path}…</div>;
  return (
    <div className="preview" aria-label="Preview">
      <div className="preview-header">
        <span className="path">{hit.folder}/{hit.path}</span>
        <span className="muted">{preview.totalLines} lines · {preview.language}</span>
        <span className="preview-actions">
          <button onClick={() => onOpen(hit)}>Open in editor</button>
          {onReveal && <button onClick={() => onReveal(hit)}>Reveal</button>}
        </span>
      </div>
      <div className="code hljs">
        {lines.map((line, i) => {
          const lineNumber = preview.firstLine + i;
          const inHit = lineNumber >= hit.startLine && lineNumber <= hit.endLine;
          return (
            <div key={lineNumber} ref={lineNumber === hit.startLine ? focusRef : undefined} className={inHit ? 'line hit' : 'line'}>
              <span className="gutter">{lineNumber}</span>
              {html ? <span className="text" dangerouslySetInnerHTML={{ __html: line || ' ' }} /> : <span className="text">{line || ' '}</span>}
            </div>
          );
        })}
      </div>
    </div>
  );
}

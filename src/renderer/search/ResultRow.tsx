import type { SearchHit, SnippetLine } from '../../shared/types';

interface Props {
  hit: SearchHit;
  selected: boolean;
  onSelect(): void;
  onOpen(): void;
  /** Shows the prose that explains the hit in the preview. */
  onExplain(): void;
}

/** One hit: where it is, what it is, how it compares with the best hit and why, its lines with the matches marked, and the doc that explains it. */
export function ResultRow({ hit, selected, onSelect, onOpen, onExplain }: Props) {
  const why = hit.signals.map((s) => s.detail).join('\n');
  return (
    <li className={selected ? 'result selected' : 'result'} aria-selected={selected} onClick={onSelect} onDoubleClick={onOpen}>
      <div className="result-head">
        <span className="path">
          <span className="muted">{hit.folder}/</span>
          {hit.path}
        </span>
        <span className="lines">:{hit.startLine}–{hit.endLine}</span>
        {hit.symbol && <span className="symbol">{hit.kind} {hit.symbol}</span>}
        {hit.moreInFile > 0 && <span className="muted">+{hit.moreInFile} more in file</span>}
        <span className="relevance" title={why} aria-label={`relevance ${hit.relevance} of 100: ${why.replaceAll('\n', '; ')}`}>
          <span className="relevance-bar">
            <span style={{ width: `${hit.relevance}%` }} />
          </span>
          {hit.relevance}
        </span>
      </div>
      {hit.explainedBy && (
        <div className="result-explained">
          <button
            className="link"
            onClick={(event) => {
              event.stopPropagation();
              onSelect();
              onExplain();
            }}
          >
            explained in {hit.explainedBy.path}:{hit.explainedBy.startLine}
          </button>
        </div>
      )}
      <pre className="snippet">
        {hit.snippet.map((line) => (
          <div key={line.lineNumber}>
            <span className="gutter">{line.lineNumber}</span>
            <Highlighted line={line} />
          </div>
        ))}
      </pre>
    </li>
  );
}

function Highlighted({ line }: { line: SnippetLine }) {
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const [start, end] of line.highlights) {
    if (start < at) continue;
    parts.push(line.text.slice(at, start), <mark key={start}>{line.text.slice(start, end)}</mark>);
    at = end;
  }
  parts.push(line.text.slice(at));
  return <span>{parts}</span>;
}

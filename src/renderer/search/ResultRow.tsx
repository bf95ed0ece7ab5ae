import type { SearchHit, SnippetLine } from '../../shared/types';

/** One hit: where it is, what it is, and its lines with the matches marked. */
export function ResultRow({ hit, selected, onSelect, onOpen }: { hit: SearchHit; selected: boolean; onSelect(): void; onOpen(): void }) {
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
        <span className="score" title="score">{hit.score.toFixed(2)}</span>
      </div>
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

import { useEffect, useState } from 'react';
import type { IndexRunReport } from '../../shared/contract';
import { formatBytes, formatDuration, formatRunStage } from '../../shared/format';
import { api, subscribe } from '../api';

const SHOWN = 20;

/** The stored reports of the latest index runs: files by outcome, passes, skips and the slowest files. */
export function IndexRuns() {
  const [reports, setReports] = useState<IndexRunReport[] | null>(null);
  useEffect(() => {
    const reload = () => void api.reports({ limit: SHOWN }).then(setReports, () => undefined);
    reload();
    // A run's report is stored as it ends; the next sample is soon after.
    const offJobs = subscribe('indexing', reload);
    const offSamples = subscribe('stats', reload);
    return () => {
      offJobs();
      offSamples();
    };
  }, []);
  if (reports === null) return null;
  return (
    <table className="table index-runs" aria-label="Index runs">
      <thead><tr><th>Folder</th><th>Started</th><th>Outcome</th><th>Files</th><th>Passes</th><th>Skipped</th><th>Slowest files</th></tr></thead>
      <tbody>
        {reports.length === 0 && <tr><td colSpan={7} className="muted">No index runs on record yet.</td></tr>}
        {reports.map((report) => {
          const s = report.summary;
          const skipped = Object.entries(report.skippedByReason);
          return (
            <tr key={`${report.folder}-${report.startedAt}`}>
              <td>{report.folder}</td>
              <td>{new Date(report.startedAt).toLocaleString()}</td>
              <td title={report.error ?? undefined}>{report.outcome} in {formatDuration(report.endedAt - report.startedAt)}</td>
              <td>{s ? `${s.filesIndexed} indexed, ${s.filesUnchanged} unchanged, ${s.filesDeleted} deleted, ${s.filesSkipped} skipped` : '–'}</td>
              <td>{report.stages.map((stage) => <div key={stage.phase}>{formatRunStage(stage)}</div>)}</td>
              <td>{skipped.length === 0 ? '–' : skipped.map(([reason, n]) => `${reason} ${n}`).join(', ')}</td>
              <td>
                {s?.slowestFiles.slice(0, 3).map((file) => (
                  <div key={file.path} className="slow-file">{file.path} {file.ms.toFixed(1)} ms ({formatBytes(file.bytes)})</div>
                ))}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

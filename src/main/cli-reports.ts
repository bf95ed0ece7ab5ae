import type { IndexRunReport, QuarryApi } from '../shared/contract.js';
import { formatBytes, formatDuration, formatRunStage } from '../shared/format.js';

/** `quarry reports [<name>] [--limit N] [--json]`: the stored reports of index runs, newest first. */
export async function reportsCommand(api: QuarryApi, folder: string | undefined, options: { json: boolean; limit: number }): Promise<number> {
  const reports = await api.reports({ ...(folder ? { folder } : {}), limit: options.limit });
  if (options.json) for (const report of reports) console.log(JSON.stringify(report));
  else if (reports.length === 0) console.log(folder ? `no index runs of ${folder} on record` : 'no index runs on record');
  else console.log(reports.map(formatReport).join('\n\n'));
  return 0;
}

/** One run, in the manner of an IDE's indexing diagnostics: outcome, files, passes, skips, slowest files. */
export function formatReport(report: IndexRunReport): string {
  const when = new Date(report.startedAt).toLocaleString();
  const lines = [`${report.folder}  ${when}  ${report.outcome} in ${formatDuration(report.endedAt - report.startedAt)}${report.error ? `: ${report.error}` : ''}`];
  const s = report.summary;
  if (s) {
    lines.push(`  files: ${s.filesSeen} seen, ${s.filesIndexed} indexed, ${s.filesUnchanged} unchanged, ${s.filesDeleted} deleted, ${s.filesSkipped} skipped; ` +
      `${s.chunksWritten} chunks, ${s.embeddingsComputed} embedded, ${s.embeddingCacheHits} from the embedding cache`);
  }
  if (report.stages.length > 0) lines.push(`  passes: ${report.stages.map(formatRunStage).join('; ')}`);
  const skipped = Object.entries(report.skippedByReason);
  if (skipped.length > 0) lines.push(`  skipped: ${skipped.map(([reason, n]) => `${reason} ${n}`).join(', ')}`);
  if (s && s.slowestFiles.length > 0) {
    lines.push(`  slowest: ${s.slowestFiles.slice(0, 5).map((f) => `${f.path} ${f.ms.toFixed(1)} ms (${formatBytes(f.bytes)})`).join(', ')}`);
  }
  return lines.join('\n');
}

import type { CacheStats, IndexProgress, IndexSummary, SearchHit, SearchResult, SnippetLine, StatusReport } from '../shared/types.js';
import { formatBytes, formatDuration } from '../shared/format.js';
import { cachedProfilePhrase, dominantStagePhrase, profileCountPhrases, regexScanPhrase } from '../shared/search-profile-format.js';

const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
const CYAN = '\x1b[36m';
const RESET = '\x1b[0m';

/** One progress line; on a terminal it is redrawn in place as a bar. */
export function formatProgress(p: IndexProgress, tty: boolean): string {
  if (p.phase === 'scanning') return `${p.folder}: scanning…${p.done > 0 ? ` (${p.done} files indexed so far)` : ''}`;
  const ratio = p.total === 0 ? 1 : p.done / p.total;
  const rate = `${Math.round(p.rate)} ${p.unit}/s`;
  const eta = p.etaMs === null ? '' : `, ETA ${formatDuration(p.etaMs)}`;
  const counts = `${p.done}/${p.total} ${p.unit}`;
  if (!tty) return `${p.folder}: ${p.phase} ${counts} (${Math.round(ratio * 100)}%, ${rate}${eta})`;
  const width = 24;
  const filled = Math.round(ratio * width);
  return `${p.folder} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(ratio * 100)}% ${counts} ${rate}${eta}`;
}

export function formatSummary(s: IndexSummary): string {
  return (
    `${s.folder}: ${s.filesIndexed} indexed, ${s.filesUnchanged} unchanged, ${s.filesDeleted} deleted, ` +
    `${s.filesSkipped} skipped, ${s.chunksWritten} chunks written, ${s.embeddingsComputed} embedded ` +
    `(${s.embeddingCacheHits} from cache) in ${formatDuration(s.elapsedMs)}`
  );
}

function highlight(line: SnippetLine, color: boolean): string {
  if (!color || line.highlights.length === 0) return line.text;
  let out = '';
  let at = 0;
  for (const [start, end] of line.highlights) {
    if (start < at) continue;
    out += line.text.slice(at, start) + BOLD + line.text.slice(start, end) + RESET;
    at = end;
  }
  return out + line.text.slice(at);
}

export function formatHit(hit: SearchHit, color: boolean): string {
  const where = `${hit.folder}/${hit.path}:${hit.startLine}-${hit.endLine}`;
  const symbol = hit.symbol ? ` ${hit.symbol}` : '';
  const more = hit.moreInFile > 0 ? ` (+${hit.moreInFile} more in file)` : '';
  const explained = hit.explainedBy ? `, explained in ${hit.explainedBy.path}:${hit.explainedBy.startLine}` : '';
  const tail = ` ${hit.relevance}/100${more}${explained}`;
  const head = color ? `${CYAN}${where}${RESET}${symbol}${DIM}${tail}${RESET}` : `${where}${symbol}${tail}`;
  const width = String(hit.snippet[hit.snippet.length - 1]?.lineNumber ?? 0).length;
  const body = hit.snippet.map((l) => `  ${String(l.lineNumber).padStart(width)}  ${highlight(l, color)}`);
  return [head, ...body].join('\n');
}

export function formatStatus(report: StatusReport): string {
  const lines = [`data: ${report.dataDir} (index ${formatBytes(report.indexBytes)} on disk)`];
  if (report.folders.length === 0) lines.push('no folders yet: add one with `quarry add <dir>`');
  if (report.model) {
    const m = report.model;
    const fallback = m.fallbackReason ? ` (fell back: ${m.fallbackReason})` : '';
    lines.push(`model: ${m.modelId} (${m.dims} dims, ${m.dtype}) on ${m.device}${fallback}`);
    const e = report.embeddings;
    lines.push(
      `embeddings: ${e.computed} computed, ${e.cacheHits} from cache, ${e.failed} failed; ${e.entries} vectors (${formatBytes(e.bytes)}), ` +
        `${e.evicted} evicted, ${e.otherModels} of other models`,
    );
  } else {
    lines.push(`${report.fastModel ? 'transformer tier' : 'semantic search'} off: ${report.modelUnavailable ?? 'no model'}`);
  }
  if (report.fastModel) lines.push(`fast tier: ${report.fastModel.modelId} (${report.fastModel.dims} dims, static, ${report.fastModel.dtype})`);
  const leftOut = Object.entries(report.embeddingLeftOut);
  if (leftOut.length > 0) {
    lines.push(`the transformer leaves to ${report.fastModel ? 'the fast tier' : 'lexical search'}: ${leftOut.map(([reason, n]) => `${reason} ${n}`).join(', ')} chunks (--embed-all embeds them)`);
  }
  for (const f of report.folders) {
    const indexed = f.lastIndexedAt ? `indexed ${new Date(f.lastIndexedAt).toISOString()}` : 'not indexed yet';
    const byTier = f.tiers.length > 1 ? ` (${f.tiers.map((t) => `${t.tier} ${Math.round((f.chunks === 0 ? 1 : t.embedded / f.chunks) * 100)}%`).join(', ')})` : '';
    const embedded = f.tiers.length > 0 ? `, ${Math.round(f.embeddingCoverage * 100)}% embedded${byTier}` : '';
    lines.push(
      `${f.name}  ${f.root}\n  ${f.files} files (${formatBytes(f.sourceBytes)}), ${f.chunks} chunks${embedded}, ${f.skipped} skipped, ${indexed}` +
        (f.gitHead ? `, git ${f.gitHead.slice(0, 12)}` : ''),
    );
  }
  const reasons = Object.entries(report.skippedByReason);
  if (reasons.length > 0) lines.push(`skipped: ${reasons.map(([reason, n]) => `${reason} ${n}`).join(', ')}`);
  return lines.join('\n');
}

/**
 * `--explain`: where the time of a search went, what each stage handled, what came from cache,
 * and the engine's advice. The first line stays one line for scripts that read it.
 */
/** Hits whose signals `--explain` lists. */
const EXPLAINED_HITS = 5;

export function formatExplain(result: SearchResult): string {
  const stages = Object.entries(result.timings)
    .map(([stage, ms]) => `${stage} ${ms.toFixed(1)}`)
    .join(', ');
  const cache = `results ${result.cache.results ? 'cached' : 'computed'}` +
    (result.cache.queryVector === null ? '' : `, query vector ${result.cache.queryVector ? 'cached' : 'computed'}`);
  const lines = [`explain: ${result.mode} at generation ${result.generation}; ms: ${stages}; ${cache}`];
  const cached = cachedProfilePhrase(result);
  if (cached) lines.push(`  ${cached}`);
  const dominant = dominantStagePhrase(result);
  if (dominant) lines.push(`  dominant stage: ${dominant}`);
  lines.push(`  handled: ${profileCountPhrases(result).join(', ')}`);
  const regex = regexScanPhrase(result);
  if (regex) lines.push(`  regex: ${regex}`);
  for (const advice of result.profile.advice) lines.push(`  advice (${advice.code}): ${advice.message}`);
  for (const hit of result.hits.slice(0, EXPLAINED_HITS)) {
    lines.push(`  ${hit.path}:${hit.startLine} ${hit.relevance}/100 (score ${hit.score}): ${hit.signals.map((s) => s.detail).join('; ') || 'no signal recorded'}`);
  }
  return lines.join('\n');
}

/** One cache on one line: hit rate, fill and size, settings, what left it and why, what it offers. */
export function formatCache(cache: CacheStats): string {
  const lookups = cache.hits + cache.misses;
  const rate = lookups === 0 ? 'no lookups' : `${Math.round((cache.hits / lookups) * 100)}% hits`;
  const capacity = cache.maxEntries === null ? '' : `/${cache.maxEntries}`;
  const ttl = cache.ttlSeconds === null ? '' : `, ttl ${cache.ttlSeconds} s`;
  const dropped = Object.entries(cache.invalidations).filter(([, n]) => n > 0).map(([cause, n]) => `${cause} ${n}`);
  return `${cache.name} (${cache.kind}): ${rate} (${cache.hits}/${lookups}), ${cache.entries}${capacity} entries, ${formatBytes(cache.bytes)}${ttl}; ` +
    `dropped: ${dropped.length > 0 ? dropped.join(', ') : 'none'}; can ${cache.actions.join(', ')}`;
}

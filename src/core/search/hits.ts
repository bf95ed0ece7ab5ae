import type { ChunkKind, HitExplanation, HitSignal, SearchHit } from '../../shared/types.js';
import { buildSnippet, type LineMatcher } from './snippet.js';
import type { Store } from '../store/store.js';

/** A chunk's metadata as the search queries select it. */
export interface ChunkMeta {
  chunk_id: number;
  file_id: number;
  folder: string;
  path: string;
  language: string;
  start_line: number;
  end_line: number;
  kind: ChunkKind;
  symbol: string | null;
  symbols: string;
}

export interface ChunkRow extends ChunkMeta {
  text: string;
}

/** The names of the definitions a chunk holds. */
export function symbolNames(row: Pick<ChunkMeta, 'symbols'>): string[] {
  return row.symbols === '' ? [] : row.symbols.split(' ');
}

/**
 * The names a chunk defines or is part of: its definitions, and the definition it is a piece of
 * (a function too long for one chunk is split, and its pieces carry its name as `symbol`).
 */
export function definedNames(row: Pick<ChunkMeta, 'symbol' | 'symbols'>): string[] {
  const names = symbolNames(row);
  return row.symbol !== null && !names.includes(row.symbol) ? [...names, row.symbol] : names;
}

/** Columns selecting a ChunkMeta from chunks `c`, files `f` and folders `d`. */
export const CHUNK_META_COLUMNS =
  'c.id AS chunk_id, c.file_id, d.name AS folder, f.path, f.language, c.start_line, c.end_line, c.kind, c.symbol, c.symbols';

export const CHUNK_ROW_COLUMNS = `${CHUNK_META_COLUMNS}, c.text`;

/** Metadata of chunks by id, from the in-memory mirrors (no query); ids no longer indexed are left out. */
export function chunkMeta(store: Store, ids: Iterable<number>): Map<number, ChunkMeta> {
  const { scope } = store;
  const meta = new Map<number, ChunkMeta>();
  for (const id of ids) {
    const chunk = scope.chunk(id);
    const fileId = store.postings.fileOf(id);
    const file = chunk && scope.files.get(fileId);
    if (!chunk || !file) continue;
    meta.set(id, {
      chunk_id: id, file_id: fileId, folder: scope.folderNames.get(file.folderId) ?? '', path: file.path,
      language: file.language ?? 'text', start_line: chunk.startLine, end_line: chunk.endLine, kind: chunk.kind,
      symbol: chunk.symbol, symbols: chunk.symbols,
    });
  }
  return meta;
}

/**
 * Keeps the best chunk of each file (rows arrive best first) and counts the rest,
 * so one long file cannot crowd out the others.
 */
export function foldByFile<T extends ChunkMeta>(rows: readonly T[], limit: number): Array<{ row: T; more: number }> {
  const byFile = new Map<number, { row: T; more: number }>();
  for (const row of rows) {
    const seen = byFile.get(row.file_id);
    if (seen) seen.more++;
    else byFile.set(row.file_id, { row, more: 0 });
  }
  return [...byFile.values()].slice(0, limit);
}

/** What a hit says about its place besides its score: its share of the best score, its evidence, and the prose that explains it. */
export interface HitContext {
  best: number;
  signals: HitSignal[];
  explainedBy?: HitExplanation | null;
}

export function toHit(row: ChunkRow, score: number, more: number, match: LineMatcher, context: HitContext): SearchHit {
  return {
    folder: row.folder,
    path: row.path,
    language: row.language,
    startLine: row.start_line,
    endLine: row.end_line,
    kind: row.kind,
    symbol: row.symbol,
    score: Math.round(score * 1000) / 1000,
    snippet: buildSnippet(row.text, row.start_line, match),
    moreInFile: more,
    relevance: context.best > 0 ? Math.max(0, Math.min(100, Math.round((100 * score) / context.best))) : 0,
    signals: context.signals,
    explainedBy: context.explainedBy ?? null,
  };
}

import type { ChunkKind } from '../../shared/types.js';
import { distinctTerms, pathTerms, termHash } from '../lexical/tokenize.js';

/** Per file, what a search's filters look at. */
export interface FileScope {
  path: string;
  language: string | null;
  folderId: number;
  /** Chunked by lines until the syntax pass; its postings are not stored in DuckDB. */
  provisional: boolean;
}

/** Per chunk, what ranking and result lists need besides the text (its file is in the postings index). */
export interface ChunkScope {
  hash: string;
  startLine: number;
  endLine: number;
  kind: ChunkKind;
  symbol: string | null;
  /** Names defined in the chunk, space-separated. */
  symbols: string;
}

const NO_FILES: ReadonlySet<number> = new Set();

/**
 * The metadata of the index, mirrored in memory and kept in step with every commit (by the
 * Store): indexed files' paths, languages and folders, folder names, and each chunk's lines,
 * kind, symbols and text hash. Filters are decided and ranked chunks described without a query; only texts are
 * read from DuckDB.
 */
export class ScopeMirror {
  readonly files = new Map<number, FileScope>();
  readonly folderNames = new Map<number, string>();
  private readonly provisionalFiles = new Set<number>();
  private readonly chunks = new Map<number, ChunkScope>();
  /** Text hash to the chunks holding that text (vectors are per text). */
  private readonly byHash = new Map<string, number[]>();
  /** Term hash to the files whose directories or name spell it: what a query's words find by path. */
  private readonly byPathTerm = new Map<number, number | Set<number>>();

  chunk(id: number): ChunkScope | undefined {
    return this.chunks.get(id);
  }

  chunkIds(): IterableIterator<number> {
    return this.chunks.keys();
  }

  chunksWithText(hash: string): readonly number[] {
    return this.byHash.get(hash) ?? [];
  }

  filesWithPathTerm(hash: number): ReadonlySet<number> {
    const holders = this.byPathTerm.get(hash);
    return holders === undefined ? NO_FILES : typeof holders === 'number' ? new Set([holders]) : holders;
  }

  get hasProvisionalFiles(): boolean {
    return this.provisionalFiles.size > 0;
  }

  addFile(id: number, file: FileScope): void {
    if (this.files.has(id)) this.removeFile(id);
    this.files.set(id, file);
    // Most path terms (file names) belong to one file: a bare id, not a set, keeps that cheap.
    for (const hash of this.pathHashes(file.path)) {
      const holders = this.byPathTerm.get(hash);
      if (holders === undefined) this.byPathTerm.set(hash, id);
      else if (typeof holders === 'number') this.byPathTerm.set(hash, new Set([holders, id]));
      else holders.add(id);
    }
    if (file.provisional) this.provisionalFiles.add(id);
  }

  addChunk(id: number, chunk: ChunkScope): void {
    this.chunks.set(id, chunk);
    const holders = this.byHash.get(chunk.hash);
    if (holders) holders.push(id);
    else this.byHash.set(chunk.hash, [id]);
  }

  removeFiles(fileIds: Iterable<number>, chunkIds: Iterable<number>): void {
    for (const id of fileIds) this.removeFile(id);
    this.removeChunks(chunkIds);
  }

  removeFolder(folderId: number, chunkIds: Iterable<number>): void {
    for (const [id, file] of this.files) if (file.folderId === folderId) this.removeFile(id);
    this.removeChunks(chunkIds);
    // The cache would otherwise keep a removed folder's directories for as long as the engine runs.
    this.directoryHashes.clear();
  }

  /** Directories' term hashes, shared by the files in them: splitting each file's whole path made opening a large index a quarter slower. */
  private readonly directoryHashes = new Map<string, number[]>();

  /** The hashes of the terms a path spells (`pathTerms`), its directories' from a cache. */
  private pathHashes(relPath: string): Set<number> {
    const slash = relPath.lastIndexOf('/');
    const directory = slash === -1 ? '' : relPath.slice(0, slash);
    let hashes = this.directoryHashes.get(directory);
    if (!hashes) this.directoryHashes.set(directory, (hashes = distinctTerms(directory).map(termHash)));
    return new Set([...hashes, ...pathTerms(relPath.slice(slash + 1)).map(termHash)]);
  }

  private removeFile(id: number): void {
    const file = this.files.get(id);
    if (!file) return;
    // Sets: a directory most files share (`src`) would make removing files one by one quadratic with arrays.
    for (const hash of this.pathHashes(file.path)) {
      const holders = this.byPathTerm.get(hash)!;
      if (typeof holders === 'number') this.byPathTerm.delete(hash);
      else if (holders.delete(id) && holders.size === 1) this.byPathTerm.set(hash, holders.values().next().value!);
    }
    this.files.delete(id);
    this.provisionalFiles.delete(id);
  }

  private removeChunks(ids: Iterable<number>): void {
    for (const id of ids) {
      const chunk = this.chunks.get(id);
      if (!chunk) continue;
      this.chunks.delete(id);
      const holders = this.byHash.get(chunk.hash)!.filter((holder) => holder !== id);
      if (holders.length > 0) this.byHash.set(chunk.hash, holders);
      else this.byHash.delete(chunk.hash);
    }
  }
}

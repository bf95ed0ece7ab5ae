import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';
import { SYNTAX_LANGUAGES } from '../files/language.js';
import { chunkByLines, LineIndex } from './line-chunker.js';
import { chunkSyntaxTree } from './syntax-chunker.js';
import { DEFAULT_CHUNK_LIMITS, type Chunk, type ChunkLimits } from './types.js';

// Not named `require`: bundlers inject their own binding of that name into ESM output.
const resolveModule = createRequire(import.meta.url);

/**
 * Splits source text into chunks, along the syntax tree where a grammar exists and loads, by
 * line windows otherwise. Grammars load lazily.
 */
export class Chunker {
  private readonly parsers = new Map<string, Promise<Parser>>();

  private constructor(private readonly limits: ChunkLimits) {}

  static async create(limits: ChunkLimits = DEFAULT_CHUNK_LIMITS): Promise<Chunker> {
    await Parser.init();
    return new Chunker(limits);
  }

  /** `syntax: false` chunks by lines even where a grammar exists: the fast first pass of a large build. */
  async chunk(text: string, language: string, syntax = true): Promise<Chunk[]> {
    const index = new LineIndex(text, language === 'markdown');
    if (!syntax || !SYNTAX_LANGUAGES.has(language)) return capLength(chunkByLines(index, this.limits));
    const parser = await this.parserFor(language).catch((error: unknown) => {
      this.warnOnce(language, error);
      return null;
    });
    const tree = parser?.parse(text);
    if (!tree) return capLength(chunkByLines(index, this.limits));
    try {
      return capLength(chunkSyntaxTree(tree.rootNode, index, this.limits));
    } finally {
      tree.delete(); // WASM memory is not garbage collected
    }
  }

  private readonly warned = new Set<string>();

  private warnOnce(language: string, error: unknown): void {
    if (this.warned.has(language)) return;
    this.warned.add(language);
    console.warn(`quarry: the ${language} grammar did not load (${(error as Error).message}); chunking ${language} files by lines`);
  }

  private parserFor(language: string): Promise<Parser> {
    let parser = this.parsers.get(language);
    if (!parser) {
      // Grammars load one at a time: concurrent Language.load calls race in the WASM dynamic linker.
      const previous = [...this.parsers.values()].at(-1) ?? Promise.resolve(null);
      parser = previous
        .catch(() => null)
        .then(() => Language.load(resolveModule.resolve(`tree-sitter-wasms/out/tree-sitter-${language}.wasm`)))
        .then((grammar) => {
          const p = new Parser();
          p.setLanguage(grammar);
          return p;
        });
      this.parsers.set(language, parser);
    }
    return parser;
  }
}

/**
 * Hard ceiling on a chunk's text. Lines longer than the chunk size (data tables, long strings)
 * are cut into pieces that share the line number: one oversized string in a DuckDB row group
 * leaves the whole column uncompressed (measured: 38 MB of text stored raw instead of 20 MB).
 */
export const MAX_CHUNK_CHARS = 4000;

function capLength(chunks: Chunk[]): Chunk[] {
  if (chunks.every((c) => c.text.length <= MAX_CHUNK_CHARS)) return chunks;
  return chunks.flatMap((chunk) => (chunk.text.length <= MAX_CHUNK_CHARS ? [chunk] : splitChunk(chunk)));
}

function splitChunk(chunk: Chunk): Chunk[] {
  const pieces: Chunk[] = [];
  let text = '';
  let first = chunk.startLine;
  const flush = (last: number): void => {
    if (text !== '') pieces.push({ ...chunk, startLine: first, endLine: last, text });
    text = '';
  };
  chunk.text.split('\n').forEach((line, i) => {
    const lineNumber = chunk.startLine + i;
    if (text !== '' && text.length + 1 + line.length > MAX_CHUNK_CHARS) flush(lineNumber - 1);
    if (text === '') first = lineNumber;
    if (line.length <= MAX_CHUNK_CHARS) {
      text = text === '' ? line : `${text}\n${line}`;
      return;
    }
    for (let at = 0; at < line.length; at += MAX_CHUNK_CHARS) {
      text = line.slice(at, at + MAX_CHUNK_CHARS);
      first = lineNumber;
      flush(lineNumber);
    }
  });
  flush(chunk.endLine);
  return pieces;
}

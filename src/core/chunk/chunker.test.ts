import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { SAMPLE_REPO } from '../../../test/support/fixtures.js';
import { languageOf } from '../files/language.js';
import { Chunker, MAX_CHUNK_CHARS } from './chunker.js';
import type { Chunk } from './types.js';

const sample = (rel: string): string => readFileSync(path.join(SAMPLE_REPO, rel), 'utf8');

/** Every non-blank line lies in exactly one chunk, chunks are in order, and their text matches the source. */
function assertTiles(source: string, chunks: Chunk[]): void {
  const lines = source.split('\n');
  const owner = new Map<number, number>();
  chunks.forEach((chunk, i) => {
    assert.ok(chunk.startLine <= chunk.endLine);
    if (i > 0) assert.ok(chunk.startLine > chunks[i - 1]!.endLine, 'chunks do not overlap');
    assert.equal(chunk.text, lines.slice(chunk.startLine - 1, chunk.endLine).join('\n'));
    for (let line = chunk.startLine; line <= chunk.endLine; line++) owner.set(line, i);
  });
  lines.forEach((text, i) => {
    if (text.trim() !== '') assert.ok(owner.has(i + 1), `line ${i + 1} (${text.trim()}) is in a chunk`);
  });
}

function largeClass(methods: number): string {
  const body = Array.from(
    { length: methods },
    (_, i) => `  /** Method number ${i}. */\n  method${i}(value: number): number {\n    const doubled = value * ${i};\n    return doubled + this.offset;\n  }\n`,
  ).join('\n');
  return `import { Base } from './base';\n\nexport class BigService extends Base {\n  private offset = 1;\n\n${body}}\n`;
}

describe('Chunker', () => {
  let chunker: Chunker;
  let small: Chunker;
  before(async () => {
    chunker = await Chunker.create();
    small = await Chunker.create({ maxChars: 300 });
  });

  const cases: Array<[string, string[]]> = [
    ['src/http/request-parser.ts', ['RequestParser', 'normalizeHeaderName']],
    ['src/utils/string_utils.py', ['snake_case_to_camel', 'TextWrapper']],
    ['server/main.go', ['Config', 'StartServer', 'main']],
    ['engine/src/lib.rs', ['Checksum', 'compute_checksum']],
    ['java/src/main/java/com/example/UserService.java', ['UserService']],
    ['native/vector.c', ['int_vector', 'vector_push']],
    ['native/matrix.cpp', ['linalg']],
  ];
  for (const [file, symbols] of cases) {
    it(`chunks ${languageOf(file)} along its syntax tree and names the definitions`, async () => {
      const source = sample(file);
      const chunks = await chunker.chunk(source, languageOf(file));
      assertTiles(source, chunks);
      const names = chunks.flatMap((c) => c.symbols);
      for (const symbol of symbols) assert.ok(names.includes(symbol), `${symbol} in ${JSON.stringify(names)}`);
    });
  }

  it('splits definitions too big for one chunk, keeping the signatures as context', async () => {
    const source = sample('src/utils/string_utils.py');
    const chunks = await small.chunk(source, 'python');
    assertTiles(source, chunks);
    const wrapParts = chunks.filter((c) => c.context === 'class TextWrapper:\ndef wrap(self, text: str) -> list[str]:');
    assert.ok(wrapParts.length >= 2, 'the wrap method is split');
    assert.ok(wrapParts.every((c) => c.symbol === 'wrap'));
    assert.ok(wrapParts[0]!.text.trimStart().startsWith('def wrap('), 'its first part opens with the signature');
    assert.ok(wrapParts[0]!.symbols.includes('wrap'), 'the part holding the signature names the definition');
    assert.ok(wrapParts.slice(1).every((c) => !c.symbols.includes('wrap')), 'the other parts only belong to it');
    const init = chunks.find((c) => c.symbols.includes('__init__'));
    assert.equal(init?.context, 'class TextWrapper:');
  });

  it('splits a large class into method-sized chunks under the cap', async () => {
    const source = largeClass(60);
    const chunks = await chunker.chunk(source, 'typescript');
    assertTiles(source, chunks);
    assert.ok(chunks.length >= 5, `got ${chunks.length} chunks`);
    for (const chunk of chunks) assert.ok(chunk.text.length <= 1500 * 1.15, `chunk of ${chunk.text.length} chars`);
    const inner = chunks.slice(1);
    assert.ok(inner.every((c) => c.context === 'export class BigService extends Base {'));
    assert.ok(chunks.flatMap((c) => c.symbols).includes('method59'));
    // A method's doc comment stays with the method.
    const withMethod7 = chunks.find((c) => c.symbols.includes('method7'))!;
    assert.ok(withMethod7.text.includes('Method number 7.'));
  });

  it('falls back to line windows when a single node is too big to split', async () => {
    const source = `const table = [\n${Array.from({ length: 400 }, (_, i) => `  ${i},`).join('\n')}\n];\n`;
    const chunks = await chunker.chunk(source, 'javascript');
    assertTiles(source, chunks);
    assert.ok(chunks.length > 1);
  });

  it('names a definition whose doc comment is longer than a chunk', async () => {
    const doc = Array.from({ length: 60 }, (_, i) => `   * Line ${i} of a long explanation, with an example of how to call it.`).join('\n');
    const source = `public class Adapter {\n  /**\n${doc}\n   */\n  public final Adapter nullSafe() {\n    return this;\n  }\n}\n`;
    const chunks = await chunker.chunk(source, 'java');
    assertTiles(source, chunks);
    const named = chunks.filter((c) => c.symbols.includes('nullSafe'));
    assert.equal(named.length, 1, JSON.stringify(chunks.map((c) => [c.startLine, c.endLine, c.symbols])));
    assert.ok(named[0]!.text.includes('nullSafe() {'), 'the chunk that names it holds its signature');
    // A body too long for one chunk is split along its statements, each piece under the method.
    const statements = Array.from({ length: 40 }, (_, i) => `    int step${i} = compute(${i}, this.offset, "a label for the step");`).join('\n');
    const long = `public class Adapter {\n  /**\n${doc}\n   */\n  public final int nullSafe() {\n${statements}\n    return 0;\n  }\n}\n`;
    const pieces = await chunker.chunk(long, 'java');
    assertTiles(long, pieces);
    const body = pieces.filter((c) => c.text.includes('int step'));
    assert.ok(body.length >= 2 && body.every((c) => c.symbol === 'nullSafe'), JSON.stringify(pieces.map((c) => [c.startLine, c.endLine, c.symbol])));
  });

  it('tells comments that stand alone from code, however long, and keeps a doc comment with what it documents', async () => {
    const moduleDoc = Array.from({ length: 50 }, (_, i) => `//! Line ${i} of the crate's guide: \`Parser::parse\` reads a document.`).join('\n');
    const rust = `${moduleDoc}\n\nuse std::io;\n\n/// Reads one.\npub fn parse(input: &str) -> usize {\n    input.len()\n}\n`;
    const chunks = await small.chunk(rust, 'rust');
    assertTiles(rust, chunks);
    const guide = chunks.filter((c) => c.text.includes('//! Line'));
    assert.ok(guide.length >= 2 && guide.every((c) => c.kind === 'comment'), JSON.stringify(chunks.map((c) => [c.startLine, c.endLine, c.kind])));
    assert.equal(chunks.find((c) => c.symbols.includes('parse'))?.kind, 'function', 'a doc comment is part of its function');
    // One long comment on the design, then the same comment as the doc of the function right below it.
    const paragraphs = `/*\n${Array.from({ length: 40 }, (_, i) => ` * Paragraph ${i} explaining the design of the buffer pool.`).join('\n')}\n */\n`;
    const code = 'int pool_size(void) {\n  return 4;\n}\n';
    for (const [source, standalone] of [[`${paragraphs}\n${code}`, true], [`${paragraphs}${code}`, false]] as const) {
      const cChunks = await small.chunk(source, 'c');
      assertTiles(source, cChunks);
      const words = cChunks.filter((c) => c.text.includes('Paragraph') && !c.text.includes('pool_size('));
      const shown = JSON.stringify(cChunks.map((c) => [c.startLine, c.endLine, c.kind]));
      assert.ok(standalone ? words.length >= 2 && words.every((c) => c.kind === 'comment') : words.length >= 1 && words.every((c) => c.kind !== 'comment'), shown);
    }
  });

  it('keeps a doc comment that reaches its definition through attributes, and a comment in a body, out of the comment kind', async () => {
    const doc = Array.from({ length: 20 }, (_, i) => `/// Line ${i} of what a Token holds and why it is kept.`).join('\n');
    const rust = `${doc}\n#[derive(Debug)]\npub struct Token {\n    text: String,\n    line: usize,\n}\n`;
    const chunks = await small.chunk(rust, 'rust');
    assertTiles(rust, chunks);
    assert.ok(chunks.every((c) => c.kind !== 'comment'), JSON.stringify(chunks.map((c) => [c.startLine, c.endLine, c.kind])));
    const note = Array.from({ length: 20 }, (_, i) => `    // Step ${i} of why stale routes are pruned here.`).join('\n');
    const body = Array.from({ length: 4 }, (_, i) => `    if routes.len() > ${i} {\n        prune(routes, ${i});\n    }`).join('\n');
    const inBody = `fn prune_stale(routes: &mut Vec<u32>) {\n${body}\n\n${note}\n\n${body}\n}\n`;
    const pieces = await small.chunk(inBody, 'rust');
    assertTiles(inBody, pieces);
    assert.ok(pieces.every((c) => c.kind !== 'comment'), JSON.stringify(pieces.map((c) => [c.startLine, c.endLine, c.kind])));
  });

  it('gives a fragment of code joined to a longer comment that defines nothing the comment kind', async () => {
    const words = `/* ${'The pool keeps idle buffers for reuse. '.repeat(7)}*/`;
    const c = `static int pool_count = 1;\n\n${words}\n\nint pool_take(int n) {\n${'  n = n * 2 + pool_count;\n'.repeat(14)}  return n;\n}\n`;
    const chunks = await small.chunk(c, 'c');
    assertTiles(c, chunks);
    const joined = chunks.find((chunk) => chunk.text.includes('pool_count = 1') && chunk.text.includes('idle buffers'));
    assert.equal(joined?.kind, 'comment', JSON.stringify(chunks.map((chunk) => [chunk.startLine, chunk.endLine, chunk.kind])));
  });

  it('names functions defined as object properties or assigned to one, and function-like macros', async () => {
    const js = "export default {\n  getAdapter: (names) => names[0],\n  'not-a-name': () => 1,\n  known: {},\n};\nexports.parse = function (text) {\n  return text;\n};\nexports.isString = (v) => typeof v === 'string';\nmodule.exports = function () {\n  return 1;\n};\nlet handler;\nhandler = function () {\n  return 2;\n};\n";
    assert.deepEqual((await chunker.chunk(js, 'javascript')).flatMap((c) => c.symbols), ['getAdapter', 'parse', 'isString']);
    const c = '#define SET_TCP(opts, ip) do { (opts)->ip = (ip); } while (0)\n#define MAX_DEPTH 8\n';
    assert.deepEqual((await chunker.chunk(c, 'c')).flatMap((c) => c.symbols), ['SET_TCP']);
  });

  it('chunks Markdown by line windows, breaking at headings and naming chunks by them', async () => {
    const section = (title: string): string => `## ${title}\n\n${'Some prose about the topic. '.repeat(6)}\n`;
    const source = `# Guide\n\n${section('Install')}\n${section('Configure')}\n${section('Search')}`;
    const chunks = await small.chunk(source, 'markdown');
    assertTiles(source, chunks);
    assert.ok(chunks.every((c) => c.kind === 'text'));
    assert.deepEqual(chunks.map((c) => c.symbol), ['Guide', 'Configure', 'Search']);
  });

  it('keeps a decorator with its function and records the function kind', async () => {
    const source = '@cache\n@retry(times=3)\ndef fetch_remote_config(url):\n    return get(url)\n';
    const [chunk] = await chunker.chunk(source, 'python');
    assert.equal(chunk?.startLine, 1);
    assert.equal(chunk?.symbol, 'fetch_remote_config');
    assert.equal(chunk?.kind, 'function');
  });

  it('caps chunk text, cutting lines too long to fit into pieces that keep their line number', async () => {
    const long = `const table = "${'x'.repeat(9000)}";`;
    const source = `function before() {\n  return 1;\n}\n${long}\nfunction after() {\n  return 2;\n}\n`;
    const chunks = await chunker.chunk(source, 'javascript');
    assert.ok(chunks.every((c) => c.text.length <= MAX_CHUNK_CHARS));
    const pieces = chunks.filter((c) => c.startLine === 4 && c.endLine === 4);
    assert.ok(pieces.length >= 3);
    assert.equal(pieces.map((c) => c.text).join(''), long, 'the pieces put back together are the line');
    assert.ok(chunks.some((c) => c.symbols.includes('after')));
  });

  it('returns no chunks for an empty file', async () => {
    assert.deepEqual(await chunker.chunk('', 'typescript'), []);
    assert.deepEqual(await chunker.chunk('', 'markdown'), []);
  });
});

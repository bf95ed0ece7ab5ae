import type { Node } from 'web-tree-sitter';
import type { ChunkKind } from '../../shared/types.js';
import { definitionKind, definitionName, unwrapDefinition, type DefinitionKind } from './definitions.js';
import type { LineIndex} from './line-chunker.js';
import { lineWindows } from './line-chunker.js';
import type { Chunk, ChunkLimits } from './types.js';

interface Enclosing {
  name: string | null;
  kind: DefinitionKind;
  header: string;
  /** The definition's first row: the piece holding it names the definition. */
  row: number;
}

/** Sibling nodes that share rows (or a comment and what it documents) form one indivisible item. */
interface Item {
  first: number;
  last: number;
  nodes: Node[];
}

const MAX_HEADER_CHARS = 200;

/**
 * cAST-style chunking along a syntax tree: siblings are merged greedily while they fit in
 * `maxChars`, a node too big to fit is split along its children (its signature kept as context),
 * and a leaf too big to split falls back to line windows. Chunks cover whole lines.
 */
export function chunkSyntaxTree(root: Node, index: LineIndex, limits: ChunkLimits): Chunk[] {
  const chunks: Chunk[] = [];
  /** Comments (by node id) that are a definition's doc comment, marked as their siblings are split. */
  const docComments = new Set<number>();

  const emit = (first: number, last: number, nodes: readonly Node[], enclosing: readonly Enclosing[]): void => {
    const text = index.text(first, last);
    if (text.trim() === '') return;
    const definitions = nodes
      .map(unwrapDefinition)
      .map((node) => ({ node, kind: definitionKind(node) }))
      .filter((d): d is { node: Node; kind: DefinitionKind } => d.kind !== null);
    // A split definition is named by the piece that holds its signature, as a whole one is by its
    // chunk; after the chunk's own definitions, whose first names the chunk when it is one.
    const opened = enclosing.filter((e) => e.name !== null && e.row >= first && e.row <= last).map((e) => e.name!);
    const names = [...new Set([...nestedDefinitionNames(nodes), ...opened])];
    const parent = enclosing[enclosing.length - 1];
    // Mostly comments that are no definition's doc, defining nothing (a module's doc, a section's
    // explanation, the docs of options declared as fields or constants): words, as docs are.
    const speaks =
      names.length === 0 &&
      !enclosing.some((e) => e.kind === 'function') &&
      nodes.reduce((sum, node) => sum + (isComment(node) && !docComments.has(node.id) ? node.endIndex - node.startIndex : 0), 0) * 2 >= text.length;
    let kind: ChunkKind = speaks ? 'comment' : 'block';
    let symbol: string | null = parent?.name ?? null;
    const definedRows = definitions.reduce((sum, d) => sum + rowsOf(d.node) + 1, 0);
    const isDefinition = definitions.length === 1 && definedRows * 2 >= last - first + 1;
    if (isDefinition) {
      const only = definitions[0]!;
      const insideClass = enclosing.some((e) => e.kind === 'class');
      kind = only.kind === 'class' ? 'class' : insideClass || only.node.type.includes('method') ? 'method' : 'function';
      symbol = names[0] ?? symbol;
    } else if (names.length > 0 && !parent) {
      symbol = names[0]!;
    }
    chunks.push({
      startLine: first + 1,
      endLine: last + 1,
      kind,
      symbol,
      symbols: names,
      context: enclosing.length > 0 ? enclosing.map((e) => e.header).join('\n') : null,
      text,
    });
  };

  // `carry` is a small run of rows (a signature, decorators, a doc comment) that opens the first chunk.
  const splitChildren = (node: Node, enclosing: readonly Enclosing[], carry: Item | null): void => {
    const children = node.children.filter((c): c is Node => c !== null);
    markDocComments(children, docComments);
    const items = itemsOf(children);
    let group: Item | null = carry;
    const flush = (): void => {
      if (group) emit(group.first, group.last, group.nodes, enclosing);
      group = null;
    };
    for (const item of items) {
      const size = index.size(item.first, item.last);
      if (size > limits.maxChars) {
        const pending: Item | null = group;
        // Only the node's own opening rows (`class A:`) ride into the split, never earlier siblings.
        const isHeader =
          pending !== null &&
          node.parent !== null &&
          pending.last <= node.startPosition.row + 1 &&
          index.size(pending.first, pending.last) <= limits.maxChars / 4;
        if (isHeader) group = null;
        else flush();
        splitOversized(item, enclosing, isHeader ? pending : null);
        continue;
      }
      if (group && index.size(group.first, item.last) > limits.maxChars) flush();
      if (group) {
        group.last = item.last;
        group.nodes.push(...item.nodes);
      } else {
        group = { first: item.first, last: item.last, nodes: [...item.nodes] };
      }
    }
    flush();
  };

  const splitOversized = (item: Item, enclosing: readonly Enclosing[], carry: Item | null): void => {
    // Descend into the biggest node of the item that is not a comment (a doc comment longer than
    // the definition it documents must not decide how that is split); its siblings ride along.
    const code = item.nodes.filter((node) => !isComment(node));
    const biggest = (code.length > 0 ? code : item.nodes).reduce((a, b) => (rowsOf(b) > rowsOf(a) ? b : a));
    const hasMultiRowChildren = biggest.children.some((c) => c !== null && c.endPosition.row > c.startPosition.row);
    if (!hasMultiRowChildren) {
      // Each window carries the nodes that start in it, so a definition behind a long doc comment
      // keeps its name; one that only comments reach carries those, as it is theirs even where none starts in it.
      const spans = item.nodes.map((node) => ({ node, first: node.startPosition.row, last: lastRow(node), comment: isComment(node) }));
      const windowNodes = (first: number, last: number) => {
        const reaching = spans.filter((span) => span.first <= last && span.last >= first);
        const inWindow = reaching.every((span) => span.comment) ? reaching : spans.filter((span) => span.first >= first && span.first <= last);
        return inWindow.map((span) => span.node);
      };
      lineWindows(index, item.first, item.last, limits).forEach(([first, last], i) =>
        i === 0 && carry ? emit(carry.first, last, [...carry.nodes, ...windowNodes(first, last)], enclosing) : emit(first, last, windowNodes(first, last), enclosing),
      );
      return;
    }
    // Step through wrappers (export, decorators) so a definition's signature is recorded once;
    // rows the wrapper holds above the definition (decorators) open the first chunk.
    const target = unwrapDefinition(biggest);
    const targetFirst = target.startPosition.row;
    const lead: Item | null =
      item.first < targetFirst
        ? { first: carry?.first ?? item.first, last: targetFirst - 1, nodes: carry?.nodes ?? [] }
        : carry;
    const kind = definitionKind(target);
    const inner = kind ? [...enclosing, { name: definitionName(target), kind, header: headerOf(index, targetFirst), row: targetFirst }] : enclosing;
    splitChildren(target, inner, lead);
  };

  splitChildren(root, [], null);
  return mergeFragments(chunks, limits);
}

const MAX_NAMES = 64;
const NAME_DEPTH = 4;

/** Names of the definitions in `nodes` and nested in them (methods in a class), outermost first. */
function nestedDefinitionNames(nodes: readonly Node[]): string[] {
  const names: string[] = [];
  const visit = (node: Node, depth: number): void => {
    if (names.length >= MAX_NAMES) return;
    const definition = unwrapDefinition(node);
    if (definitionKind(definition)) {
      const name = definitionName(definition);
      if (name) names.push(name);
    }
    if (depth >= NAME_DEPTH || rowsOf(definition) === 0) return;
    for (const child of definition.namedChildren) if (child) visit(child, depth + 1);
  };
  for (const node of nodes) visit(node, 0);
  return names;
}

function rowsOf(node: Node): number {
  return node.endPosition.row - node.startPosition.row;
}

function lastRow(node: Node): number {
  const { row, column } = node.endPosition;
  return column === 0 && row > node.startPosition.row ? row - 1 : row;
}

function itemsOf(children: readonly Node[]): Item[] {
  const items: Item[] = [];
  // Whether the last item holds comments only, kept as it grows (asking each time was quadratic in a long comment run).
  let previousAllComments = false;
  for (const node of children) {
    const first = node.startPosition.row;
    const last = lastRow(node);
    const previous = items[items.length - 1];
    const sharesRow = previous !== undefined && first <= previous.last;
    const documents = previous !== undefined && previousAllComments && first === previous.last + 1;
    if (previous && (sharesRow || documents)) {
      previous.last = Math.max(previous.last, last);
      previous.nodes.push(node);
      previousAllComments &&= isComment(node);
    } else {
      items.push({ first, last, nodes: [node] });
      previousAllComments = isComment(node);
    }
  }
  return items;
}

function isComment(node: Node): boolean {
  return node.type.includes('comment');
}

/**
 * Marks the comments among siblings that run, through the comments and attributes right below
 * them, into a definition on the next row: its doc comment. One pass from the last sibling.
 */
function markDocComments(siblings: readonly Node[], docComments: Set<number>): void {
  let below: { first: number; documents: boolean } | null = null;
  for (let i = siblings.length - 1; i >= 0; i--) {
    const node = siblings[i]!;
    const first = node.startPosition.row;
    if (!isComment(node) && !node.type.includes('attribute')) {
      below = { first, documents: definitionKind(unwrapDefinition(node)) !== null };
      continue;
    }
    const documents: boolean = below !== null && below.first <= lastRow(node) + 1 && below.documents;
    if (documents && isComment(node)) docComments.add(node.id);
    below = { first, documents };
  }
}

function headerOf(index: LineIndex, row: number): string {
  const line = index.line(row).trim();
  return line.length > MAX_HEADER_CHARS ? line.slice(0, MAX_HEADER_CHARS) + '…' : line;
}

/**
 * Folds fragments (a lone closing brace, the tail of a split body) into a neighbour, allowing a
 * small overflow, so that no chunk is too small to mean anything on its own.
 */
function mergeFragments(chunks: Chunk[], limits: ChunkLimits): Chunk[] {
  const fragment = limits.maxChars / 8;
  const ceiling = limits.maxChars * 1.15;
  const merged: Chunk[] = [];
  for (const chunk of chunks) {
    const previous = merged[merged.length - 1];
    const small = chunk.text.length < fragment || (previous !== undefined && previous.text.length < fragment);
    const fits =
      previous !== undefined &&
      previous.context === chunk.context &&
      chunk.startLine <= previous.endLine + 2 &&
      previous.text.length + chunk.text.length < ceiling;
    if (previous && small && fits) {
      merged[merged.length - 1] = joinChunks(previous, chunk);
    } else {
      merged.push(chunk);
    }
  }
  return merged;
}

function joinChunks(a: Chunk, b: Chunk): Chunk {
  const gap = b.startLine - a.endLine - 1;
  const main = a.symbols.length > 0 || b.symbols.length === 0 ? a : b;
  const symbols = [...a.symbols, ...b.symbols];
  return {
    startLine: a.startLine,
    endLine: b.endLine,
    kind: symbols.length > 1 ? 'block' : joinedKind(a, b, main),
    symbol: main.symbol,
    symbols,
    context: a.context ?? b.context,
    text: a.text + '\n'.repeat(gap + 1) + b.text,
  };
}

/** Comments joined to code are that code's, unless they are most of a chunk that defines nothing (a module's doc and its `mod` lines). */
function joinedKind(a: Chunk, b: Chunk, main: Chunk): ChunkKind {
  const comment = a.kind === 'comment' ? a : b.kind === 'comment' ? b : null;
  if (comment === null) return main.kind;
  const other = comment === a ? b : a;
  return other.kind === 'block' && other.symbols.length === 0 && comment.text.length >= other.text.length ? 'comment' : other.kind;
}

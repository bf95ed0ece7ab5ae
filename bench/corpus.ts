// The bench's small corpus, generated from a seed: the same files on every machine and at every
// commit, so a ratio measured on it moves only when the code under test does. Its words are the
// query lists' words among ordinary code words, so the fixed queries find hits in it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SeededRandom } from '../test/models/seeded-random.js';
import { LEXICAL_QUERIES } from './queries.js';

const SEED = 13;

const CODE_WORDS = [
  'value', 'result', 'options', 'config', 'state', 'item', 'index', 'count', 'buffer', 'stream', 'token', 'scope',
  'node', 'path', 'file', 'cache', 'entry', 'handler', 'request', 'response', 'message', 'error', 'parser', 'visitor',
  'plugin', 'module', 'source', 'target', 'range', 'offset', 'length', 'limit', 'queue', 'worker', 'task', 'batch',
];
const QUERY_WORDS = [...new Set(LEXICAL_QUERIES.flatMap((q) => q.toLowerCase().match(/[a-z]+/g) ?? []))].filter((w) => !['lang', 'path', 'ts'].includes(w));
const VOCABULARY = [...CODE_WORDS, ...QUERY_WORDS];

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  return items[Math.floor(random.uniform() * items.length)]!;
}

function camel(words: string[]): string {
  return words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
}

function identifier(random: SeededRandom, parts = 1 + Math.floor(random.uniform() * 3)): string {
  return camel(Array.from({ length: parts }, () => pick(random, VOCABULARY)));
}

function statement(random: SeededRandom, depth: number): string {
  const pad = '  '.repeat(depth);
  switch (Math.floor(random.uniform() * 6)) {
    case 0: return `${pad}const ${identifier(random)} = ${identifier(random)}(${identifier(random, 1)}, ${Math.floor(random.uniform() * 100)});`;
    case 1: return `${pad}if (!${identifier(random)}) throw new Error("${pick(random, VOCABULARY)} ${pick(random, VOCABULARY)} is missing");`;
    case 2: return `${pad}// ${Array.from({ length: 6 }, () => pick(random, VOCABULARY)).join(' ')}`;
    case 3: return `${pad}${identifier(random, 1)}.${identifier(random)}(${JSON.stringify(pick(random, VOCABULARY))});`;
    case 4: return `${pad}for (const ${identifier(random, 1)} of ${identifier(random)}) ${identifier(random)}.push(${identifier(random, 1)});`;
    default: return `${pad}return ${identifier(random)}.${identifier(random, 1)} ?? ${identifier(random)};`;
  }
}

function functionSource(random: SeededRandom, exported: boolean): string {
  const name = identifier(random, 2 + Math.floor(random.uniform() * 2));
  const body = Array.from({ length: 3 + Math.floor(random.uniform() * 12) }, () => statement(random, 1));
  return `/** ${Array.from({ length: 8 }, () => pick(random, VOCABULARY)).join(' ')}. */\n${exported ? 'export ' : ''}function ${name}(${identifier(random, 1)}: ${camel(['type', pick(random, CODE_WORDS)])}, options = {}) {\n${body.join('\n')}\n}`;
}

function classSource(random: SeededRandom): string {
  const name = camel([pick(random, VOCABULARY), pick(random, CODE_WORDS)]).replace(/^./, (c) => c.toUpperCase());
  const methods = Array.from({ length: 2 + Math.floor(random.uniform() * 5) }, () => {
    const body = Array.from({ length: 2 + Math.floor(random.uniform() * 8) }, () => statement(random, 2));
    return `  ${identifier(random, 2)}(${identifier(random, 1)}) {\n${body.join('\n')}\n  }`;
  });
  return `export class ${name} extends ${camel(['base', pick(random, CODE_WORDS)]).replace(/^./, (c) => c.toUpperCase())} {\n${methods.join('\n\n')}\n}`;
}

function moduleSource(random: SeededRandom): string {
  const imports = Array.from({ length: 1 + Math.floor(random.uniform() * 4) }, () => `import { ${identifier(random)} } from "./${pick(random, CODE_WORDS)}";`);
  const parts = Array.from({ length: 2 + Math.floor(random.uniform() * 8) }, () => (random.uniform() < 0.3 ? classSource(random) : functionSource(random, random.uniform() < 0.6)));
  return `${imports.join('\n')}\n\n${parts.join('\n\n')}\n`;
}

function markdownSource(random: SeededRandom): string {
  const sections = Array.from({ length: 2 + Math.floor(random.uniform() * 4) }, () => {
    const prose = Array.from({ length: 3 + Math.floor(random.uniform() * 5) }, () => Array.from({ length: 12 }, () => pick(random, VOCABULARY)).join(' ') + '.');
    return `## ${pick(random, VOCABULARY)} ${pick(random, VOCABULARY)}\n\n${prose.join('\n')}\n\n\`\`\`js\n${statement(random, 0)}\n\`\`\``;
  });
  return `# ${identifier(random)}\n\n${sections.join('\n\n')}\n`;
}

/**
 * Writes `files` files (TypeScript and JavaScript modules, tests and Markdown, in nested
 * packages) under `dir`, the same for a given count on every run.
 */
export async function generateCorpus(dir: string, files: number): Promise<void> {
  const random = new SeededRandom(SEED);
  for (let i = 0; i < files; i++) {
    const pkg = `packages/${pick(random, CODE_WORDS)}-${i % 17}`;
    const kind = random.uniform();
    const [folder, name, text] = kind < 0.1
      ? [pkg, `${pick(random, VOCABULARY)}-${i}.md`, markdownSource(random)]
      : kind < 0.25
        ? [`${pkg}/test`, `${pick(random, VOCABULARY)}-${i}.test.js`, moduleSource(random)]
        : [`${pkg}/src`, `${pick(random, VOCABULARY)}-${i}.${kind < 0.6 ? 'ts' : 'js'}`, moduleSource(random)];
    await fs.mkdir(path.join(dir, folder), { recursive: true });
    await fs.writeFile(path.join(dir, folder, name), text);
  }
}

/** Maps file names to a language id; ids with a tree-sitter grammar are chunked along their syntax tree. */

// Maps, not object literals: a file named `x.constructor` must not find Object.prototype's members.
const BY_EXTENSION = new Map<string, string>(Object.entries({
  ts: 'typescript', mts: 'typescript', cts: 'typescript',
  tsx: 'tsx',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript',
  py: 'python', pyi: 'python',
  go: 'go',
  rs: 'rust',
  java: 'java',
  c: 'c', h: 'c',
  cc: 'cpp', cpp: 'cpp', cxx: 'cpp', hpp: 'cpp', hh: 'cpp', hxx: 'cpp', ipp: 'cpp',
  cs: 'c_sharp',
  rb: 'ruby',
  php: 'php',
  kt: 'kotlin', kts: 'kotlin',
  swift: 'swift',
  scala: 'scala',
  lua: 'lua',
  sh: 'shell', bash: 'shell', zsh: 'shell',
  md: 'markdown', markdown: 'markdown', mdx: 'markdown',
  json: 'json', jsonc: 'json', json5: 'json',
  yml: 'yaml', yaml: 'yaml',
  toml: 'toml',
  html: 'html', htm: 'html', vue: 'vue', svelte: 'svelte',
  css: 'css', scss: 'css', less: 'css',
  sql: 'sql',
  xml: 'xml',
  txt: 'text', rst: 'text',
}));

const BY_NAME = new Map<string, string>(Object.entries({
  dockerfile: 'dockerfile',
  makefile: 'make',
  'cmakelists.txt': 'cmake',
}));

/** Languages chunked with a tree-sitter grammar (the grammar file is tree-sitter-<id>.wasm). */
export const SYNTAX_LANGUAGES: ReadonlySet<string> = new Set([
  'typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java', 'c', 'cpp',
  'c_sharp', 'ruby', 'php', 'kotlin', 'swift', 'scala', 'lua',
]);

export function languageOf(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1).toLowerCase();
  const byName = BY_NAME.get(base);
  if (byName) return byName;
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return 'text';
  return BY_EXTENSION.get(base.slice(dot + 1)) ?? 'text';
}

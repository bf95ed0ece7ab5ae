// Lint rules, chiefly the layer direction: shared <- core <- workers | main; renderer sees only shared.
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['out/', 'dist/', 'node_modules/', 'test-results/', 'playwright-report/', '.tmp/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/shared/**'],
    rules: restrict([
      { group: ['node:*', 'electron', '@duckdb/*', 'piscina', 'web-tree-sitter'], message: 'src/shared is pure TypeScript: no Node, Electron or engine imports.' },
      { group: ['**/core/**', '**/main/**', '**/workers/**', '**/renderer/**', '**/preload/**'], message: 'src/shared depends on nothing else in the project.' },
    ]),
  },
  {
    files: ['src/core/**'],
    rules: restrict([
      { group: ['electron'], message: 'The engine never imports Electron.' },
      { group: ['**/main/**', '**/workers/**', '**/renderer/**', '**/preload/**'], message: 'src/core depends only on src/shared.' },
    ]),
  },
  {
    files: ['src/workers/**'],
    rules: restrict([
      { group: ['electron', '@duckdb/*'], message: 'Workers do CPU work only: no Electron, no database.' },
      { group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'Workers call into src/core only.' },
    ]),
  },
  {
    files: ['src/renderer/**'],
    rules: restrict([
      { group: ['node:*', 'fs', 'path', 'child_process', 'worker_threads', 'electron', '@duckdb/*', 'piscina'], message: 'The renderer has no Node or Electron access; go through api.ts.' },
      { group: ['**/core/**', '**/main/**', '**/workers/**', '**/preload/**'], message: 'The renderer depends only on src/shared.' },
    ]),
  },
  {
    files: ['src/main/**'],
    rules: restrict([{ group: ['**/renderer/**'], message: 'Main never imports renderer code.' }]),
  },
  {
    // Every IPC handler is derived from the contract, with its sender and payload checks.
    files: ['src/main/**'],
    ignores: ['src/main/ipc-transport.ts', 'src/main/*.test.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "MemberExpression[object.name='ipcMain']", message: 'Register IPC handlers through ipc-transport.ts, which derives them from the contract.' }],
    },
  },
);

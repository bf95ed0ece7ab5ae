import path from 'node:path';
import { writeFiles } from './fixtures.js';

/** Functions per generated file; each is its own chunk (two would not fit one). */
export const GENERATED_FUNCTIONS = 10;
const FILLER = 'Routes the request through the middleware chain and records how long each step took. '.repeat(8);

/**
 * `files` TypeScript or Python files (relative path → content) whose every function mentions
 * `handler` and `dispatch`; one function in 20 also `handlerRare`. Both languages score alike, so
 * a search for `handler` finds both.
 */
export function generatedCode(language: 'typescript' | 'python', files: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let f = 0; f < files; f++) {
    const functions = Array.from({ length: GENERATED_FUNCTIONS }, (_, i) => {
      const n = f * GENERATED_FUNCTIONS + i;
      const rare = n % 20 === 0 ? ' handlerRare' : '';
      return language === 'typescript'
        ? `// ${FILLER}\nexport function step${n}(handler) {\n  // handler dispatch${rare}\n  return handler.run(${n});\n}\n`
        : `def step_${n}(handler):\n    """${FILLER}"""\n    # handler dispatch${rare}\n    return handler.run(${n})\n`;
    });
    out[`src/module_${f}.${language === 'typescript' ? 'ts' : 'py'}`] = functions.join('\n');
  }
  return out;
}

/**
 * The folders the search-profile tests search, written under `root`: `api` with 700 TypeScript
 * functions and `tools` with 500 Python ones, 1,200 chunks in all. Returns their paths.
 */
export async function writeProfiledFolders(root: string): Promise<string[]> {
  const folders = { api: generatedCode('typescript', 70), tools: generatedCode('python', 50) };
  for (const [name, files] of Object.entries(folders)) await writeFiles(path.join(root, name), files);
  return Object.keys(folders).map((name) => path.join(root, name));
}

import { fileURLToPath } from 'node:url';

/**
 * Where a piscina worker entry lives and how its thread starts. Run from source, it is
 * `src/workers/<name>.ts`, and the thread gets the TypeScript loader (tsx) unless the process
 * already passes it on: `bin/quarry.js` registers tsx in its own thread only, and worker threads
 * do not inherit that. Built, electron-vite puts `<name>.js` beside this bundle (see
 * electron.vite.config.ts) and the thread needs nothing.
 */
export function workerEntry(name: 'chunk.worker' | 'embed.worker'): { filename: string; execArgv?: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const filename = fileURLToPath(new URL(fromSource ? `../workers/${name}.ts` : `./${name}.js`, import.meta.url));
  const loaderPassedOn = process.execArgv.some((arg) => arg.includes('tsx'));
  return fromSource && !loaderPassedOn ? { filename, execArgv: [...process.execArgv, '--import', 'tsx'] } : { filename };
}

import { fileURLToPath } from 'node:url';

/**
 * The file of a piscina worker entry. Run from source (tsx), it is `src/workers/<name>.ts`; built,
 * electron-vite puts `<name>.js` beside this bundle (see electron.vite.config.ts).
 */
export function workerFile(name: 'chunk.worker' | 'embed.worker'): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(fromSource ? `../workers/${name}.ts` : `./${name}.js`, import.meta.url));
}

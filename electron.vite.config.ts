import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      // zod is bundled: loading its hundred modules one by one cost a CLI call ~40 ms of a ~100 ms start.
      externalizeDeps: { exclude: ['zod'] },
      rollupOptions: {
        // The CLI and the workers ship beside the Electron entry; the pools find the workers there.
        input: {
          index: resolve('src/main/index.ts'),
          cli: resolve('src/main/cli.ts'),
          'chunk.worker': resolve('src/workers/chunk.worker.ts'),
          'embed.worker': resolve('src/workers/embed.worker.ts'),
        },
        // Shared chunks sit beside the entries, so `./chunk.worker.js` resolves from any of them.
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    // Sandboxed preloads must be CommonJS.
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    build: { rollupOptions: { input: { index: resolve('src/renderer/index.html') } } },
    plugins: [react()],
  },
});

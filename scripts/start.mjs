// `npm start`: the desktop app when Electron's binary is installed; where it is not (it downloads
// on install, which fails offline), the same app in browser mode on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
let electronBinary = null;
try {
  electronBinary = require('electron'); // the binary's path; throws when it was never downloaded
} catch {
  electronBinary = null;
}

const run = (command, args) => {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
};

if (electronBinary) {
  run('npx', ['electron-vite', 'dev']);
} else {
  if (!existsSync(path.join(root, 'out', 'renderer', 'index.html')) || !existsSync(path.join(root, 'out', 'main', 'cli.js'))) {
    console.error('Building the app once (electron-vite build)…');
    const built = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) process.exit(built.status ?? 1);
  }
  console.error("Electron's binary is not installed here, so Quarry starts in browser mode. Open the URL below:");
  run(process.execPath, [path.join(root, 'out', 'main', 'cli.js'), 'serve', ...process.argv.slice(2)]);
}

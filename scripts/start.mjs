// `npm start`: the desktop app when Electron's binary is installed. Where it is not (it is
// downloaded on install, which fails offline), say so and point at what works today.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let electronBinary = null;
try {
  electronBinary = require('electron'); // the binary's path; throws when it was never downloaded
} catch {
  electronBinary = null;
}

if (electronBinary) {
  const child = spawn('npx', ['electron-vite', 'dev'], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`Electron's binary is not installed on this machine, so the desktop window cannot open.
Browser mode (the same app served on 127.0.0.1) arrives with the desktop-app work.
Today Quarry runs from the command line:

  npm run quarry -- index ~/code/my-repo     index a folder (adds it if new)
  npm run quarry -- search "parseConfig lang:ts"
  npm run quarry -- status
`);
}

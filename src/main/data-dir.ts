import os from 'node:os';
import path from 'node:path';

/** The per-user data directory, following each platform's convention; QUARRY_DATA_DIR overrides it. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.QUARRY_DATA_DIR) return path.resolve(env.QUARRY_DATA_DIR);
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Quarry');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Quarry');
    default:
      return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'quarry');
  }
}

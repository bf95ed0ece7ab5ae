import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { testModelsDir } from '../test/models/cache';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ServedApp {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the built CLI's browser mode (`quarry serve`) and resolves with the URL it prints first.
 * By default with the generated test model; `model` points it at a models folder and a hub instead.
 */
export async function serveApp(dataDir: string, model?: { modelsDir: string; id: string; endpoint: string; repo: string }): Promise<ServedApp> {
  const modelArgs = model
    ? ['--models-dir', model.modelsDir, '--model', model.id, '--endpoint', model.endpoint, '--repo', model.repo]
    : ['--models-dir', await testModelsDir(), '--model', 'bert-tiny-random'];
  const child: ChildProcess = spawn(process.execPath, ['out/main/cli.js', 'serve', '--data-dir', dataDir, ...modelArgs, '--device', 'cpu'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`quarry serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

import path from 'node:path';
import { Engine } from '../../src/core/engine.js';
import { InProcessFileProcessor } from '../../src/core/indexing/in-process.js';
import { QuarryService } from '../../src/main/service.js';
import { SettingsStore } from '../../src/main/settings-store.js';
import { tempDir } from './fixtures.js';

export interface TestService {
  /** A temporary directory for the test's folders; the index lives in its `data`. */
  dir: string;
  engine: Engine;
  service: QuarryService;
  /** Stops the service, closes the engine and removes the directory. */
  close(): Promise<void>;
}

/** The service over a real engine and DuckDB file in a temporary directory, indexing in-process. */
export async function openTestService(options: { sampleMs?: number } = {}): Promise<TestService> {
  const { dir, cleanup } = await tempDir();
  const dataDir = path.join(dir, 'data');
  const engine = await Engine.open({ dataDir, processor: await InProcessFileProcessor.create() });
  const service = new QuarryService(engine, new SettingsStore(dataDir), null, null, options);
  return {
    dir,
    engine,
    service,
    close: async () => {
      await service.stop();
      engine.close();
      await cleanup();
    },
  };
}

import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { DEFAULT_MODEL_ID } from '../core/embedding/model-pack.js';
import { methods, type AlertRule, type Settings } from '../shared/contract.js';

const settingsSchema = methods.settings.output;

/** VS Code's "go to file:line" when `code` is on the PATH; otherwise the system's default app. */
function defaultEditorCommand(): string {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const names = process.platform === 'win32' ? ['code.cmd', 'code.exe'] : ['code'];
  return dirs.some((dir) => names.some((name) => existsSync(path.join(dir, name)))) ? 'code -g {file}:{line}' : '';
}

/** What should never go unnoticed: searches far slower than they should be, memory running away, indexing that failed. */
const DEFAULT_ALERT_RULES: AlertRule[] = [
  { id: 'slow-searches', name: 'Searches are slow', metric: 'searchP95Ms', above: 250, forSeconds: 60 },
  { id: 'high-memory', name: 'Memory use is high', metric: 'rssMb', above: 3072, forSeconds: 60 },
  { id: 'indexing-failed', name: 'Indexing failed', metric: 'failedJobs', above: 0, forSeconds: 0 },
];

/** User settings in `<dataDir>/settings.json`, validated on every read and written atomically. */
export class SettingsStore {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'settings.json');
  }

  defaults(): Settings {
    return {
      budget: 'economy', editorCommand: defaultEditorCommand(), keepRunningInTray: true, ignoreRules: [], modelId: DEFAULT_MODEL_ID, alertRules: DEFAULT_ALERT_RULES,
    };
  }

  /** The saved settings over the defaults; a damaged file falls back to the defaults field by field. */
  async read(): Promise<Settings> {
    const saved = await fs.readFile(this.file, 'utf8').then(JSON.parse, () => ({})).catch(() => ({}));
    const merged: Record<string, unknown> = { ...this.defaults() };
    for (const [key, value] of Object.entries(saved as Record<string, unknown>)) {
      const field = settingsSchema.shape[key as keyof Settings];
      if (field?.safeParse(value).success) merged[key] = value;
    }
    return settingsSchema.parse(merged);
  }

  async update(changes: Partial<Settings>): Promise<Settings> {
    const next = settingsSchema.parse({ ...(await this.read()), ...changes });
    const temp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(temp, JSON.stringify(next, null, 2));
    await fs.rename(temp, this.file);
    return next;
  }
}

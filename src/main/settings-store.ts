import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { DEFAULT_FAST_MODEL_ID, DEFAULT_MODEL_ID } from '../core/embedding/model-pack.js';
import { DEFAULT_MEMORY_BUDGET_MB, methods, type AlertRule, type Settings } from '../shared/contract.js';

const settingsSchema = methods.settings.output;

/** VS Code's "go to file:line" when `code` is on the PATH; otherwise the system's default app. */
function defaultEditorCommand(): string {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const names = process.platform === 'win32' ? ['code.cmd', 'code.exe'] : ['code'];
  return dirs.some((dir) => names.some((name) => existsSync(path.join(dir, name)))) ? 'code -g {file}:{line}' : '';
}

const rule = (id: string, name: string, metric: AlertRule['metric'], when: AlertRule['when'], threshold: number, forSeconds: number, windowSeconds = 60, minEvents = 0): AlertRule => ({
  id, name, metric, when, threshold, forSeconds, windowSeconds, minEvents, enabled: true,
});

/**
 * What should never go unnoticed, from the plans Quarry is built on but tighter: slow searches,
 * a cache that stopped paying, memory running away, indexing that slows, stalls or fails, a
 * watcher that stopped, an index behind its checkout, and an index filling the disk.
 */
export const DEFAULT_ALERT_RULES: AlertRule[] = [
  rule('slow-hybrid', 'Hybrid search p95 is high', 'hybridSearchP95Ms', 'above', 200, 300, 60, 5),
  rule('slow-searches', 'Searches are slow', 'searchP95Ms', 'above', 250, 60),
  rule('low-hit-rate', 'The result cache rarely hits', 'resultCacheHitRate', 'below', 40, 600, 600, 20),
  rule('high-memory', 'Memory above 80% of the budget', 'rssBudgetShare', 'above', 80, 300),
  rule('indexing-slowed', 'Indexing throughput collapsed', 'indexingThroughputShare', 'below', 20, 120, 60),
  rule('embeddings-stalled', 'Embedding has stalled', 'embeddingStallSeconds', 'above', 120, 0),
  rule('watcher-failed', 'A folder is no longer watched', 'watcherFailures', 'above', 0, 0),
  rule('stale-index', 'An index is behind its git HEAD', 'staleFolders', 'above', 0, 600),
  rule('disk-share', 'The index uses over half the free disk space', 'indexDiskShare', 'above', 50, 0),
  rule('indexing-failed', 'Indexing failed', 'failedJobs', 'above', 0, 0),
];

/** User settings in `<dataDir>/settings.json`, validated on every read and written atomically. */
export class SettingsStore {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'settings.json');
  }

  defaults(): Settings {
    return {
      budget: 'economy', memoryBudgetMb: DEFAULT_MEMORY_BUDGET_MB, editorCommand: defaultEditorCommand(), keepRunningInTray: true, ignoreRules: [], modelId: DEFAULT_MODEL_ID,
      fastModelId: DEFAULT_FAST_MODEL_ID, embedEverything: false, alertRules: DEFAULT_ALERT_RULES,
    };
  }

  /**
   * The saved settings over the defaults; a damaged file falls back to the defaults field by field.
   * Alert rules saved by an older version are upgraded, and default rules added since are appended
   * (a rule is turned off by disabling it, so a new default is never taken for a deleted one).
   */
  async read(): Promise<Settings> {
    const saved = (await fs.readFile(this.file, 'utf8').then(JSON.parse, () => ({})).catch(() => ({}))) as Record<string, unknown>;
    if (Array.isArray(saved.alertRules)) {
      const budget = settingsSchema.shape.memoryBudgetMb.safeParse(saved.memoryBudgetMb).data ?? DEFAULT_MEMORY_BUDGET_MB;
      saved.alertRules = withNewDefaults(saved.alertRules.map((rule) => upgradeMemoryRule(upgradeRule(rule), budget)));
    }
    const merged: Record<string, unknown> = { ...this.defaults() };
    for (const [key, value] of Object.entries(saved)) {
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

/** A rule saved before rules had a direction, window and switch (`above: N`) in today's shape. */
function upgradeRule(saved: unknown): unknown {
  if (typeof saved !== 'object' || saved === null || !('above' in saved) || 'threshold' in saved) return saved;
  const { above, ...rest } = saved as Record<string, unknown>;
  return { ...rest, when: 'above', threshold: above, windowSeconds: 60, minEvents: 0, enabled: true };
}

/** The default memory rule's name while it watched megabytes. */
const OLD_MEMORY_RULE_NAME = 'Memory above 80% of its 2 GiB budget';

/**
 * The default memory rule saved while it watched RSS in MB (`rssMb`, 1638 MB), as a share of the
 * memory budget (80%): the same line, as long as the budget is the one it is converted with. Its
 * old default name goes with it; a rule of the user's own over `rssMb` stays as it is.
 */
function upgradeMemoryRule(saved: unknown, budgetMb: number): unknown {
  if (typeof saved !== 'object' || saved === null) return saved;
  const rule = saved as Record<string, unknown>;
  if (rule.id !== 'high-memory' || rule.metric !== 'rssMb' || typeof rule.threshold !== 'number') return saved;
  return {
    ...rule,
    metric: 'rssBudgetShare',
    threshold: Math.round((rule.threshold / budgetMb) * 1000) / 10,
    ...(rule.name === OLD_MEMORY_RULE_NAME ? { name: DEFAULT_ALERT_RULES.find((r) => r.id === 'high-memory')!.name } : {}),
  };
}

function withNewDefaults(rules: unknown[]): unknown[] {
  const ids = new Set(rules.map((r) => (typeof r === 'object' && r !== null ? (r as { id?: unknown }).id : undefined)));
  return [...rules, ...DEFAULT_ALERT_RULES.filter((r) => !ids.has(r.id))];
}

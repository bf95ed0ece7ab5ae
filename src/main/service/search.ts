import type { Engine } from '../../core/engine.js';
import type { IndexScheduler } from '../../core/indexing/scheduler.js';
import type { MethodInput, MethodOutput, QuarryApi } from '../../shared/contract.js';
import type { Emit } from './events.js';
import type { ServiceMetrics } from './metrics.js';

/** Runs a search, announcing its partial results as `searchResult` events, timing it and moving the found folders' work ahead. */
export class StreamingSearch implements Pick<QuarryApi, 'search'> {
  constructor(
    private readonly engine: Engine,
    private readonly scheduler: IndexScheduler,
    private readonly metrics: Pick<ServiceMetrics, 'recordSearch'>,
    private readonly emit: Emit,
  ) {}

  async search({ requestId, query, ...options }: MethodInput<'search'>): Promise<MethodOutput<'search'>> {
    let last: MethodOutput<'search'> | null = null;
    for await (const result of this.engine.searchStream(query, options)) {
      if (last) this.emit('searchResult', { requestId, result: last });
      last = result;
    }
    if (!last) throw new Error('the search produced no result');
    // Pages and evaluations are not queries a user typed: they stay out of the query log the result cache is warmed from.
    this.metrics.recordSearch(last, options.cursor === undefined && !options.fresh ? { query, mode: options.mode } : null);
    // The user is looking in these folders: their queued work goes first.
    for (const folder of new Set(last.hits.map((hit) => hit.folder))) this.scheduler.prioritize(folder);
    return last;
  }
}

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResourceUpdatedNotificationSchema, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { CLI, stopEngines } from '../../../test/support/cli.js';
import { copySampleRepo, tempDir, writeFile } from '../../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../../test/support/test-models.js';

/** The text of a tool result, and its structured content. */
function parts(result: unknown): { text: string; data: Record<string, unknown>; isError: boolean } {
  const call = result as CallToolResult;
  const text = call.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  return { text, data: (call.structuredContent ?? {}) as Record<string, unknown>, isError: call.isError === true };
}

describe('quarry mcp (SDK client over real stdio, engine started on demand)', () => {
  let work: string;
  let cleanup: () => Promise<void>;
  let repo: string;
  let dataDir: string;
  let client: Client;
  const call = async (name: string, args: Record<string, unknown> = {}) => parts(await client.callTool({ name, arguments: args }));

  before(async () => {
    ({ dir: work, cleanup } = await tempDir());
    repo = await copySampleRepo(path.join(work, 'repo'));
    dataDir = path.join(work, 'data');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', CLI, 'mcp', '--data-dir', dataDir, '--models-dir', TEST_MODELS_DIR, '--model', TEST_MODEL, '--device', 'cpu'],
      stderr: 'pipe',
    });
    client = new Client({ name: 'quarry-test', version: '1.0.0' });
    await client.connect(transport);
  });
  after(async () => {
    await client.close();
    stopEngines(dataDir);
    await cleanup();
  });

  it('lists every tool, each with input and output schemas', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    assert.deepEqual(names, ['cache_stats', 'clear_cache', 'collect_garbage', 'configure_cache', 'index_folder', 'invalidate_cache', 'pause_indexing', 'performance', 'read_code', 'resume_indexing', 'search', 'status', 'warm_cache']);
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, 'object', tool.name);
      assert.equal(tool.outputSchema?.type, 'object', tool.name);
    }
    const search = tools.find((t) => t.name === 'search')!;
    assert.deepEqual(search.inputSchema.required, ['query']);
  });

  it('indexes a folder with progress notifications until it is done', async () => {
    const progress: Progress[] = [];
    const result = parts(await client.callTool({ name: 'index_folder', arguments: { path: repo } }, undefined, { onprogress: (p) => progress.push(p) }));
    assert.equal(result.isError, false, result.text);
    assert.equal(result.data.state, 'done');
    assert.equal(result.data.added, true);
    assert.match(String(result.data.summary), /\d+ indexed/);
    assert.ok(progress.length > 0, 'progress was reported');
    assert.ok(progress.every((p, i) => i === 0 || p.progress > progress[i - 1]!.progress), 'progress rises');
    assert.match(progress[0]!.message ?? '', /^repo: /);
  });

  it('searches, and pages with the cursor without repeating a hit', async () => {
    const first = await call('search', { query: 'return', mode: 'lexical', limit: 2 });
    const hits = first.data.hits as Array<{ path: string; start_line: number; snippet: string; relevance: number; why: string[] }>;
    assert.equal(hits.length, 2);
    assert.ok(hits.every((h) => h.start_line >= 1 && h.snippet.length > 0));
    assert.equal(hits[0]!.relevance, 100, 'the best hit of the search');
    assert.ok(hits[1]!.relevance <= 100 && hits.every((h) => h.why.some((reason) => /^holds 1 of 1 word$/.test(reason))));
    assert.match(first.text, /^2 hits \(lexical, [\d.]+ ms/);
    const cursor = first.data.next_cursor as string;
    assert.ok(cursor);
    const second = await call('search', { query: 'return', mode: 'lexical', limit: 2, cursor });
    const next = second.data.hits as Array<{ path: string; start_line: number }>;
    assert.equal(next.length, 2);
    const key = (h: { path: string; start_line: number }) => `${h.path}:${h.start_line}`;
    assert.ok(next.every((h) => !hits.map(key).includes(key(h))));
    const named = await call('search', { query: 'findUserName' });
    assert.equal((named.data.hits as Array<{ symbol: string }>)[0]?.symbol, 'findUserName');
    assert.equal(named.data.mode, 'hybrid');
  });

  it('reads code inside the folders, and refuses a path outside them with the error code', async () => {
    const read = await call('read_code', { folder: 'repo', path: 'server/main.go', start_line: 1, end_line: 3 });
    assert.equal(read.isError, false, read.text);
    assert.equal(read.data.start_line, 1);
    assert.equal(read.data.end_line, 3);
    assert.equal(String(read.data.text).split('\n').length, 3);
    assert.match(read.text, /^repo\/server\/main\.go:1-3\n\s+1  package/);
    const outside = await call('read_code', { folder: 'repo', path: '../../../etc/passwd' });
    assert.equal(outside.isError, true);
    assert.equal(outside.text, "FILE_NOT_FOUND: ../../../etc/passwd is not inside repo");
    await writeFile(repo, 'dist/app.js', 'const builtOutput = 1;\n');
    const ignored = await call('read_code', { folder: 'repo', path: 'dist/app.js' });
    assert.equal(ignored.text, "FILE_NOT_FOUND: dist/app.js is left out by repo's ignore rules");
    const unknown = await call('read_code', { folder: 'nope', path: 'a.ts' });
    assert.match(unknown.text, /^UNKNOWN_FOLDER: /);
  });

  it('reports status per folder with git staleness, and pauses and resumes indexing', async () => {
    const status = await call('status');
    const folder = (status.data.folders as Array<Record<string, unknown>>)[0]!;
    assert.equal(folder.name, 'repo');
    assert.ok((folder.files as number) > 5);
    assert.equal(folder.embedding_coverage, 1);
    assert.equal(typeof folder.stale, 'boolean');
    assert.equal((status.data.model as { id: string }).id, TEST_MODEL);
    assert.match(status.text, /^repo: \d+ files, \d+ chunks, 100% embedded/);
    const paused = await call('pause_indexing');
    assert.equal(paused.data.paused, true);
    const resumed = await call('resume_indexing');
    assert.equal(resumed.data.paused, false);
  });

  it('lists, invalidates, clears and configures every cache, refusing an unknown one', async () => {
    const stats = await call('cache_stats');
    const caches = stats.data.caches as Array<{ name: string; hits: number; entries: number; hit_rate: number | null; actions: string[] }>;
    assert.deepEqual(caches.map((c) => c.name), ['search results', 'query vectors', 'stored embeddings', 'unchanged-file skips']);
    assert.deepEqual(caches.map((c) => c.actions.includes('invalidate')), [true, true, false, false]);
    assert.ok(caches[0]!.entries > 0, 'the searches above were cached');
    const invalidated = await call('invalidate_cache', { name: 'search results' });
    assert.equal(invalidated.isError, false, invalidated.text);
    const byCause = invalidated.data.by_cause as Record<string, number>;
    assert.equal(invalidated.data.dropped, Object.values(byCause).reduce((sum, n) => sum + n, 0));
    assert.equal(byCause.manual, 0, 'not a clear');
    assert.equal((invalidated.data.cache as { entries: number }).entries, caches[0]!.entries - (invalidated.data.dropped as number), 'the valid rankings stay');
    assert.match(invalidated.text, /^\d+ no longer valid entr(y|ies) dropped/);
    const refused = await call('invalidate_cache', { name: 'stored embeddings' });
    assert.equal(refused.isError, true);
    assert.match(refused.text, /^UNSUPPORTED: stored embeddings cannot be invalidated/);
    const cleared = await call('clear_cache', { name: 'search results' });
    assert.equal((cleared.data.cache as { entries: number }).entries, 0);
    assert.ok((cleared.data.cache as { invalidations: { manual: number } }).invalidations.manual > 0);
    const configured = await call('configure_cache', { name: 'query vectors', max_entries: 10, ttl_seconds: 60 });
    assert.deepEqual([(configured.data.cache as { max_entries: number }).max_entries, (configured.data.cache as { ttl_seconds: number }).ttl_seconds], [10, 60]);
    const garbage = await call('collect_garbage', { dry_run: true });
    assert.deepEqual(garbage.data, { vectors: 0, bytes: 0, applied: false }, 'every stored vector belongs to a chunk after a clean run');
    const warmed = await call('warm_cache');
    assert.equal(typeof warmed.data.warmed, 'number');
    const unknown = await call('clear_cache', { name: 'no such cache' });
    assert.equal(unknown.isError, true);
    assert.match(unknown.text, /^UNKNOWN_CACHE: No cache is called "no such cache"/);
  });

  it('gives the performance dashboard in one call, search times per mode included', async () => {
    // The engine samples every 5 s: wait for one taken after the searches above (an earlier sample has no search in it).
    const searched = (p: typeof perf) => p.data.sampled_at !== null && (p.data.search as { by_mode: unknown[] }).by_mode.length > 0;
    let perf = await call('performance');
    for (const deadline = Date.now() + 15_000; !searched(perf) && Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) perf = await call('performance');
    assert.deepEqual(Object.keys(perf.data).sort(), ['alerts_firing', 'caches', 'indexing', 'memory', 'sampled_at', 'search']);
    const byMode = (perf.data.search as { by_mode: Array<{ mode: string; searches: number }> }).by_mode;
    assert.deepEqual(byMode.map((m) => m.mode).sort(), ['hybrid', 'lexical'], 'the searches above ran in these modes');
    assert.deepEqual((perf.data.caches as Array<{ name: string }>).map((c) => c.name), ['search results', 'query vectors', 'stored embeddings', 'unchanged-file skips']);
    assert.match(perf.text, /^search p50 /);
  });

  it('serves status and performance as resources, and tells a subscriber when the status changes', async () => {
    const { resources } = await client.listResources();
    assert.deepEqual(resources.map((r) => r.uri).sort(), ['quarry://performance', 'quarry://status']);
    const read = await client.readResource({ uri: 'quarry://status' });
    const status = JSON.parse((read.contents[0] as { text: string }).text) as { folders: Array<{ name: string }> };
    assert.equal(status.folders[0]?.name, 'repo');
    const updated = new Promise<string>((resolve) => client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resolve(n.params.uri)));
    await client.subscribeResource({ uri: 'quarry://status' });
    await writeFile(repo, 'src/added_later.ts', 'export function addedLater() { return 1; }\n');
    const queued = await call('index_folder', { path: repo });
    assert.equal(queued.data.state, 'queued', 'without a progress token it returns at once');
    assert.equal(await updated, 'quarry://status');
  });

  it('outlives its engine: when the engine stops, the next call is served by a new one', async () => {
    stopEngines(dataDir);
    let result = await call('search', { query: 'findUserName' });
    // The first call may find the old engine gone before the session has found the new one.
    for (const deadline = Date.now() + 20_000; result.isError && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) result = await call('search', { query: 'findUserName' });
    assert.equal(result.isError, false, result.text);
    assert.equal((result.data.hits as Array<{ symbol: string }>)[0]?.symbol, 'findUserName');
  });

  it('refuses a relative path with a clear tool error', async () => {
    const result = await call('index_folder', { path: 'relative/dir' });
    assert.equal(result.isError, true);
    assert.match(result.text, /^BAD_REQUEST: give the folder's absolute path/);
  });
});

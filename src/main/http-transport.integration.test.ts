import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copySampleRepo, tempDir, writeFile } from '../../test/support/fixtures.js';
import { TEST_MODEL, TEST_MODELS_DIR } from '../../test/support/test-models.js';
import { readEvents, type SseReader } from '../../test/support/sse.js';
import { methods, type IndexingState, type MethodName } from '../shared/contract.js';
import type { SearchResult } from '../shared/types.js';
import { openEngine, type OpenedEngine } from './compose.js';
import { serveHttp, type HttpServer } from './http-transport.js';
import { QuarryService } from './service.js';
import { SettingsStore } from './settings-store.js';

describe('HTTP transport (browser mode) over the real service', () => {
  let work: string;
  let cleanup: () => Promise<void>;
  let repo: string;
  let opened: OpenedEngine;
  let service: QuarryService;
  let server: HttpServer;
  let events: SseReader;
  let origin: string;

  const call = async (method: string, input: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: { result?: unknown; error?: { code: string; message: string } } }> => {
    const response = await fetch(`${origin}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}`, ...headers },
      body: typeof input === 'string' ? input : JSON.stringify(input),
    });
    return { status: response.status, body: (await response.json()) as { result?: unknown } };
  };
  const ok = async <M extends MethodName>(method: M, input: unknown): Promise<unknown> => {
    const { status, body } = await call(method, input);
    assert.equal(status, 200, JSON.stringify(body));
    // Whatever the service answers must satisfy the contract the renderer validates against.
    return methods[method].output.parse(body.result);
  };

  before(async () => {
    ({ dir: work, cleanup } = await tempDir());
    repo = await copySampleRepo(path.join(work, 'repo'));
    await writeFile(work, 'ui/index.html', '<!doctype html><title>Quarry test page</title>');
    await writeFile(work, 'secret.txt', 'not for the browser');
    const dataDir = path.join(work, 'data');
    opened = await openEngine({ dataDir, modelsDir: TEST_MODELS_DIR, modelId: TEST_MODEL, device: 'cpu' });
    service = new QuarryService(opened.engine, new SettingsStore(dataDir));
    server = await serveHttp(service, { rendererDir: path.join(work, 'ui') });
    origin = `http://127.0.0.1:${server.port}`;
    events = await readEvents(`${origin}/api/events?token=${server.token}`);
  });
  after(async () => {
    events.close();
    await server.close();
    await service.stop();
    await opened.close();
    await cleanup();
  });

  it('refuses to listen anywhere but loopback', async () => {
    await assert.rejects(serveHttp(service, { host: '0.0.0.0' }), /loopback only/);
    await assert.rejects(serveHttp(service, { host: '192.168.1.10' }), /loopback only/);
  });

  it('prints a URL with a long random token', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
  });

  it('rejects API calls without the token or with a wrong one', async () => {
    const missing = await fetch(`${origin}/api/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(missing.status, 401);
    const wrong = await call('status', {}, { authorization: 'Bearer not-the-token' });
    assert.equal(wrong.status, 401);
    const events = await fetch(`${origin}/api/events`);
    assert.equal(events.status, 401);
  });

  it('rejects a foreign Origin and a Host that is not this server (DNS rebinding)', async () => {
    const foreign = await call('status', {}, { origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    assert.match(foreign.body.error!.message, /evil\.example/);
    const rebound = await new Promise<number>((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port: server.port, path: '/', headers: { host: `attacker.example:${server.port}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end();
    });
    assert.equal(rebound, 403);
    const same = await call('status', {}, { origin });
    assert.equal(same.status, 200);
  });

  it('validates input against the contract: wrong types, unknown fields, non-JSON, unknown methods', async () => {
    const wrongType = await call('search', { requestId: 'r', query: 'x', limit: 'lots' });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.body.error!.code, 'BAD_REQUEST');
    assert.match(wrongType.body.error!.message, /limit/);
    const unknownField = await call('status', { everything: true });
    assert.equal(unknownField.status, 400);
    const badMode = await call('search', { requestId: 'r', query: 'x', mode: 'psychic' });
    assert.equal(badMode.status, 400);
    assert.match(badMode.body.error!.message, /mode/);
    const notJson = await call('status', '{not json');
    assert.equal(notJson.status, 400);
    assert.match(notJson.body.error!.message, /not JSON/);
    const unknown = await call('dropDatabase', {});
    assert.equal(unknown.status, 404);
  });

  it('serves the page with a strict CSP, and nothing outside the renderer folder', async () => {
    const page = await fetch(`${origin}/?token=${server.token}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Quarry test page/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const escape = await new Promise<string>((resolve, reject) => {
      // fetch normalises `..` away; a raw request sends it as written.
      const request = http.request({ host: '127.0.0.1', port: server.port, path: '/..%2Fsecret.txt' }, (response) => {
        let body = '';
        response.on('data', (d: Buffer) => (body += d));
        response.on('end', () => resolve(body));
      });
      request.on('error', reject);
      request.end();
    });
    assert.doesNotMatch(escape, /not for the browser/);
  });

  it('adds a folder, streams its indexing over SSE, then searches it in every mode', async () => {
    const folder = (await ok('addFolder', { path: repo })) as { name: string };
    assert.equal(folder.name, 'repo');
    await events.waitFor((e) => e.event === 'progress');
    await events.waitFor((e) => e.event === 'indexed' && (e.data as { folder: string }).folder === 'repo', 60_000);
    const states = events.events.filter((e) => e.event === 'indexing').map((e) => (e.data as IndexingState).jobs[0]?.state);
    assert.ok(states.includes('running'), `states seen: ${states.join(', ')}`);
    await events.waitFor((e) => e.event === 'indexing' && (e.data as IndexingState).jobs[0]?.state === 'done');

    const status = (await ok('status', {})) as { folders: Array<{ name: string; files: number; embeddingCoverage: number }> };
    assert.equal(status.folders[0]!.name, 'repo');
    assert.ok(status.folders[0]!.files >= 8);
    assert.equal(status.folders[0]!.embeddingCoverage, 1);

    for (const mode of ['lexical', 'hybrid', 'semantic'] as const) {
      const result = (await ok('search', { requestId: `q-${mode}`, query: 'parseHTTPRequest', mode })) as SearchResult;
      assert.equal(result.mode, mode);
      assert.ok(result.hits.length > 0, `${mode} found nothing`);
      if (mode !== 'semantic') assert.equal(result.hits[0]!.path, 'src/http/request-parser.ts');
    }
    // Hybrid streams its lexical answer first, as an event tagged with the request.
    const partial = await events.waitFor((e) => e.event === 'searchResult' && (e.data as { requestId: string }).requestId === 'q-hybrid');
    assert.equal((partial.data as { result: SearchResult }).result.partial, true);

    const regex = (await ok('search', { requestId: 'q-regex', query: 'parse\\w+Request', mode: 'regex' })) as SearchResult;
    assert.ok(regex.hits.some((h) => h.path === 'src/http/request-parser.ts'));
    const badRegex = await call('search', { requestId: 'q-bad', query: '/unclosed(/', mode: 'regex' });
    assert.equal(badRegex.status, 400);
    assert.equal(badRegex.body.error!.code, 'BAD_QUERY');
  });

  it('pages with the cursor without repeating a hit', async () => {
    const first = (await ok('search', { requestId: 'p1', query: 'request', mode: 'lexical', limit: 2 })) as SearchResult;
    assert.equal(first.hits.length, 2);
    assert.ok(first.cursor);
    const second = (await ok('search', { requestId: 'p2', query: 'request', mode: 'lexical', limit: 2, cursor: first.cursor })) as SearchResult;
    assert.ok(second.hits.length > 0);
    const key = (h: SearchResult['hits'][number]): string => `${h.path}:${h.startLine}`;
    assert.equal(second.hits.filter((h) => first.hits.some((f) => key(f) === key(h))).length, 0);
  });

  it('previews a file around a line, and refuses paths outside the folder', async () => {
    const preview = (await ok('preview', { folder: 'repo', path: 'src/http/request-parser.ts', line: 24 })) as { lines: string[]; firstLine: number; language: string };
    assert.equal(preview.firstLine, 1);
    assert.equal(preview.language, 'typescript');
    assert.match(preview.lines[23]!, /parseHTTPRequest/);
    const outside = await call('preview', { folder: 'repo', path: '../secret.txt' });
    assert.equal(outside.status, 400);
    assert.equal(outside.body.error!.code, 'FILE_NOT_FOUND');
    const unknownFolder = await call('preview', { folder: 'nope', path: 'a.ts' });
    assert.equal(unknownFolder.body.error!.code, 'UNKNOWN_FOLDER');
  });

  it('says clearly what browser mode cannot do', async () => {
    const capabilities = await ok('capabilities', {});
    assert.deepEqual(capabilities, { pickFolder: false, revealInFolder: false });
    const pick = await call('pickFolder', {});
    assert.equal(pick.body.error!.code, 'UNSUPPORTED');
    const relative = await call('addFolder', { path: 'relative/dir' });
    assert.equal(relative.status, 400);
    assert.match(relative.body.error!.message, /full path/);
  });

  it('saves settings, validating them', async () => {
    const saved = (await ok('updateSettings', { editorCommand: 'vim +{line} {file}', budget: 'full' })) as { editorCommand: string };
    assert.equal(saved.editorCommand, 'vim +{line} {file}');
    const reread = (await ok('settings', {})) as { budget: string };
    assert.equal(reread.budget, 'full');
    const bad = await call('updateSettings', { budget: 'turbo' });
    assert.equal(bad.status, 400);
  });

  it('pauses and resumes indexing, rebuilds a folder and removes it', async () => {
    await ok('pause', {});
    await ok('reindexFolder', { folder: 'repo', rebuild: true });
    const paused = (await ok('indexing', {})) as IndexingState;
    assert.equal(paused.paused, true);
    assert.equal(paused.jobs[0]!.state, 'queued');
    // Rebuilding forgot the folder's files; nothing is indexed again until resumed.
    const before = (await ok('status', {})) as { folders: Array<{ files: number }> };
    assert.equal(before.folders[0]!.files, 0);
    await ok('resume', {});
    await service.idle();
    const after = (await ok('status', {})) as { folders: Array<{ files: number }> };
    assert.ok(after.folders[0]!.files >= 8);

    await ok('removeFolder', { folder: 'repo' });
    const gone = (await ok('status', {})) as { folders: unknown[] };
    assert.equal(gone.folders.length, 0);
    assert.equal(((await ok('indexing', {})) as IndexingState).jobs.length, 0);
    assert.ok(await fs.stat(repo), 'removing a folder never touches its files');
  });
});

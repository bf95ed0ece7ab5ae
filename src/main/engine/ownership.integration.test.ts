import assert from 'node:assert/strict';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { quarry, quarryAsync, startQuarry, stopEngines } from '../../../test/support/cli.js';
import { copySampleRepo, tempDir } from '../../../test/support/fixtures.js';
import { parsePrometheus } from '../../../test/support/prometheus.js';
import type { SearchHit, StatusReport } from '../../shared/types.js';
import { engineClient } from './engine-client.js';
import { hostEngine } from './engine-host.js';
import { ENGINE_LOG_FILE } from './engine-launcher.js';
import { endpointFile, processAlive, publishEndpoint, readEndpoint, type Endpoint } from './endpoint.js';

/** Waits until `test` holds, polling; fails after `ms`. */
async function until(test: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  for (const started = Date.now(); !(await test()); await new Promise((r) => setTimeout(r, 25))) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
  }
}

describe('one engine per data directory', () => {
  let work: string;
  let cleanup: () => Promise<void>;
  let repo: string;
  const dataDirs: string[] = [];
  const freshDataDir = (name: string): string => {
    const dir = path.join(work, name);
    dataDirs.push(dir);
    return dir;
  };

  before(async () => {
    ({ dir: work, cleanup } = await tempDir());
    repo = await copySampleRepo(path.join(work, 'repo'));
  });
  after(async () => {
    stopEngines(...dataDirs);
    await cleanup();
  });

  it('starts exactly one engine when commands race to start it, and every command is served by it', async () => {
    const dataDir = freshDataDir('race');
    const results = await Promise.all(Array.from({ length: 4 }, () => quarryAsync(['--data-dir', dataDir, 'status', '--json'])));
    for (const result of results) assert.equal(result.status, 0, result.stderr);
    const log = await fs.readFile(path.join(dataDir, ENGINE_LOG_FILE), 'utf8');
    assert.equal(log.match(/owns/g)?.length, 1, log);
    const endpoint = (await readEndpoint(dataDir))!;
    assert.equal(endpoint.owner, 'daemon');
    assert.ok(processAlive(endpoint.pid));
    const { mode } = (await fs.stat(endpointFile(dataDir)));
    assert.equal(mode & 0o777, 0o600, 'the endpoint file (it holds the token) is private');
  });

  it('clears the endpoint of an engine killed with SIGKILL, and the next command starts a fresh one', async () => {
    const dataDir = freshDataDir('killed');
    assert.equal(quarry(['--data-dir', dataDir, 'daemon', 'start']).status, 0);
    const first = (await readEndpoint(dataDir))!;
    process.kill(first.pid, 'SIGKILL');
    await until(() => !processAlive(first.pid), 'the engine to die');
    assert.equal(quarry(['--data-dir', dataDir, 'daemon', 'status']).stdout.trim(), `no engine owns ${dataDir}`);
    const status = quarry(['--data-dir', dataDir, 'status', '--json']);
    assert.equal(status.status, 0, status.stderr);
    const second = (await readEndpoint(dataDir))!;
    assert.notEqual(second.pid, first.pid);
    assert.ok(processAlive(second.pid));
  });

  it('treats an endpoint written before this machine booted as stale, though its pid now runs', async () => {
    const dataDir = freshDataDir('before-boot');
    await fs.mkdir(dataDir);
    // This process is alive, as an unrelated process reusing the pid after a reboot would be.
    const beforeBoot = Date.now() - os.uptime() * 1000 - 60_000;
    await publishEndpoint(dataDir, { pid: process.pid, port: 9, token: 'y'.repeat(32), version: '0.0.0-old', owner: 'daemon', startedAt: beforeBoot });
    assert.equal(quarry(['--data-dir', dataDir, 'daemon', 'status']).stdout.trim(), `no engine owns ${dataDir}`);
    assert.equal(await readEndpoint(dataDir), null, 'the stale file was removed');
  });

  it('stops a background engine after its idle time, letting go of the directory', async () => {
    const dataDir = freshDataDir('idle');
    const started = quarry(['--data-dir', dataDir, 'daemon', 'start', '--idle-timeout', '1']);
    assert.equal(started.status, 0, started.stderr);
    const { pid } = (await readEndpoint(dataDir))!;
    await until(() => !processAlive(pid), 'the idle engine to exit');
    assert.equal(await readEndpoint(dataDir), null, 'it withdrew its endpoint');
  });

  it('serves the CLI while `quarry serve` owns the directory', async () => {
    const dataDir = freshDataDir('served');
    const serve = startQuarry(['--data-dir', dataDir, 'serve']);
    try {
      const [url] = (await once(createInterface({ input: serve.stdout! }), 'line')) as [string];
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      assert.equal((await readEndpoint(dataDir))?.owner, 'serve');
      const indexed = quarry(['--data-dir', dataDir, 'index', repo]);
      assert.equal(indexed.status, 0, indexed.stderr);
      const hit = JSON.parse(quarry(['--data-dir', dataDir, 'search', 'findUserName', '--json']).stdout.split('\n')[0]!) as SearchHit;
      assert.equal(hit.symbol, 'findUserName');
      assert.match(quarry(['--data-dir', dataDir, 'daemon', 'status']).stdout, /browser mode \(quarry serve\) owns/);
      // Its metrics, for Prometheus with the token and for the CLI.
      const { port, token } = (await readEndpoint(dataDir))!;
      const scraped = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(scraped.status, 200);
      assert.match(scraped.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await scraped.text();
      // An independent parser reads the whole exposition (it drops a labelled histogram's labels,
      // so the count is read from its line).
      const families = parsePrometheus(text);
      const family = (name: string) => families.find((f) => f.name === name);
      assert.equal(family('quarry_search_duration_seconds')?.type, 'HISTOGRAM');
      assert.ok(family('quarry_search_duration_seconds')!.metrics.every((m) => m.buckets?.['+Inf'] !== undefined));
      assert.match(text, /^quarry_search_duration_seconds_count\{mode="lexical",stage="total"\} 1$/m);
      assert.equal(family('quarry_cache_requests_total')?.type, 'COUNTER');
      assert.equal(family('quarry_index_queue_depth')?.type, 'GAUGE');
      assert.ok(Number(family('quarry_process_resident_memory_bytes')?.metrics[0]?.value) > 0);
      assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 401, 'not without the token');
      assert.match(quarry(['--data-dir', dataDir, 'stats']).stdout, /^quarry_index_files_total\{phase="lexical",outcome="indexed"\} [1-9]\d*$/m);
    } finally {
      serve.kill('SIGTERM');
      await once(serve, 'exit');
    }
    assert.equal(await readEndpoint(dataDir), null, 'serve withdrew its endpoint when it stopped');
  });

  it('lets an app-style owner take over from the background engine, which then serves no one', async () => {
    const dataDir = freshDataDir('taken-over');
    assert.equal(quarry(['--data-dir', dataDir, 'index', repo]).status, 0);
    const daemon = (await readEndpoint(dataDir))!;
    const app = await hostEngine({
      config: { dataDir },
      owner: 'app',
      source: { endpoint: 'http://127.0.0.1:9', repo: 'unused' },
      idleMs: null,
      takeOver: true,
      acceptsStop: false,
    });
    try {
      assert.equal(processAlive(daemon.pid), false, 'the background engine handed over and exited');
      assert.deepEqual((await readEndpoint(dataDir))!.owner, 'app');
      // Asynchronously: the app's engine is this process, and must go on answering meanwhile.
      const status = JSON.parse((await quarryAsync(['--data-dir', dataDir, 'status', '--json'])).stdout) as StatusReport;
      assert.equal(status.folders[0]?.name, 'repo', 'the CLI reads the same index through the app');
      const refused = await quarryAsync(['--data-dir', dataDir, 'daemon', 'stop']);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr.trim(), /^quarry: Quarry's desktop app owns .*, not a background engine: close it there$/);
    } finally {
      await app.stop();
    }
    assert.equal(await readEndpoint(dataDir), null);
  });

  it('tells a client of another version so in one line', async () => {
    const dataDir = freshDataDir('other-version');
    await fs.mkdir(dataDir);
    // A live process (this one) announcing another version.
    const foreign: Endpoint = { pid: process.pid, port: 9, token: 'x'.repeat(32), version: '0.0.0-other', owner: 'daemon', startedAt: Date.now() };
    await publishEndpoint(dataDir, foreign);
    const result = quarry(['--data-dir', dataDir, 'search', 'x']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^quarry: Quarry's background engine for .* runs version 0\.0\.0-other and this is \d+\.\d+\.\d+: stop it/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    const status = JSON.parse(quarry(['--data-dir', dataDir, 'daemon', 'status', '--json']).stdout) as Record<string, unknown>;
    assert.equal(status.version, '0.0.0-other', 'daemon status reports an owner of any version');
    assert.equal('token' in status, false, 'and never prints its token');
    await fs.rm(endpointFile(dataDir));
  });

  it('gives the typed client the engine’s stable error codes', async () => {
    const dataDir = freshDataDir('errors');
    assert.equal(quarry(['--data-dir', dataDir, 'daemon', 'start']).status, 0);
    const client = engineClient((await readEndpoint(dataDir))!);
    await assert.rejects(client.search({ requestId: 'r', query: '"unbalanced' }), (e: unknown) => (e as { code?: string }).code === 'BAD_QUERY');
    await assert.rejects(client.removeFolder({ folder: 'nothing-here' }), (e: unknown) => (e as { code?: string }).code === 'UNKNOWN_FOLDER');
    await assert.rejects(client.search({ requestId: 'r', query: 'x', limit: 0 }), /limit/);
    client.close();
  });
});

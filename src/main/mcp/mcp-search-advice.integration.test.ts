import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CLI, stopEngines } from '../../../test/support/cli.js';
import { tempDir } from '../../../test/support/fixtures.js';
import { writeProfiledFolders } from '../../../test/support/generated-code.js';

describe('quarry mcp search advice', () => {
  let cleanup: () => Promise<void>;
  let dataDir: string;
  let client: Client;
  const search = async (args: Record<string, unknown>) => {
    const result = (await client.callTool({ name: 'search', arguments: args })) as CallToolResult;
    const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
    return { text, advice: (result.structuredContent as { advice: Array<{ code: string; message: string }> }).advice };
  };

  before(async () => {
    let work: string;
    ({ dir: work, cleanup } = await tempDir());
    dataDir = path.join(work, 'data');
    // No model in the models folder: lexical search only, so indexing ends after the lexical passes.
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', CLI, 'mcp', '--data-dir', dataDir, '--models-dir', path.join(work, 'no-models')],
      stderr: 'pipe',
    });
    client = new Client({ name: 'quarry-test', version: '1.0.0' });
    await client.connect(transport);
    for (const folder of await writeProfiledFolders(work)) {
      // With progress asked for, the tool waits for the run to end.
      const request = { name: 'index_folder', arguments: { path: folder } };
      const indexed = (await client.callTool(request, undefined, { onprogress: () => undefined })) as CallToolResult;
      assert.equal((indexed.structuredContent as { state: string }).state, 'done', JSON.stringify(indexed.content));
    }
  });
  after(async () => {
    await client.close();
    stopEngines(dataDir);
    await cleanup();
  });

  it('gives the engine’s advice with a search, in the structured result and the text', async () => {
    const scan = await search({ query: '[a-z]+_[0-9]+\\(', mode: 'regex' });
    assert.deepEqual(scan.advice.map((a) => a.code), ['regex-without-literal']);
    assert.match(scan.text, /^advice \(regex-without-literal\): \/\[a-z\]\+_\[0-9\]\+\\\(\/ has no literal/m);
    const narrowed = await search({ query: '\\bhandlerRare\\b', mode: 'regex' });
    assert.deepEqual(narrowed.advice, []);
    assert.doesNotMatch(narrowed.text, /advice/);
  });
});

// The built CLI (`npm run build`, or a copy of its output named by --build) as the benchmarks run
// it: one process per command, and MCP sessions over stdio.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { wall } from './measure.js';

export interface BuiltCli {
  /** The bundle's entry, `<build>/main/cli.js`. */
  path: string;
  /** Runs `quarry <args>` on a data directory to its end; resolves with its wall time in ms. */
  run(dataDir: string, ...args: string[]): number;
  /** The arguments that start `quarry mcp` on a data directory. */
  mcpArgs(dataDir: string): string[];
}

/**
 * The CLI of a build folder (`out` by default). `engineFlags` configure the engine a command
 * starts (the models folder and model); without them it gets an empty models folder, so no model.
 */
export function builtCli(buildDir = 'out', engineFlags?: string[]): BuiltCli {
  const cli = path.resolve(buildDir, 'main', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const flags = (dataDir: string): string[] => ['--data-dir', dataDir, ...(engineFlags ?? ['--models-dir', path.join(dataDir, 'no-models')])];
  return {
    path: cli,
    run: (dataDir, ...args) => wall(process.execPath, [cli, ...flags(dataDir), ...args]),
    mcpArgs: (dataDir) => [cli, 'mcp', ...flags(dataDir)],
  };
}

/** An MCP session over stdio with `quarry mcp`, as an agent opens one. */
export async function mcpSession(cli: BuiltCli, dataDir: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: cli.mcpArgs(dataDir) }));
  return client;
}

/** One MCP `search` call's round trip in ms; throws on a tool error. */
export async function mcpSearchMs(client: Client, query: string, mode = 'lexical'): Promise<number> {
  const started = performance.now();
  const result = await client.callTool({ name: 'search', arguments: { query, mode } });
  if (result.isError) throw new Error(`MCP search "${query}" failed: ${JSON.stringify(result.content)}`);
  return performance.now() - started;
}

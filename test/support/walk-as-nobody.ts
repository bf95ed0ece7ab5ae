// Walks argv[2] after dropping root privileges (when running as root), printing the walk items and
// what processing each file in argv[3..] gave, as JSON. Code and grammars load before the drop.
import { Chunker } from '../../src/core/chunk/chunker.js';
import { processFile } from '../../src/core/indexing/process-file.js';
import { walkFolder } from '../../src/core/walk/walker.js';

const chunker = await Chunker.create();
if (process.getuid?.() === 0) {
  process.setgid!(65534);
  process.setuid!(65534);
}
const root = process.argv[2]!;
const items = [];
for await (const item of walkFolder(root, { maxFileBytes: 1024 * 1024 })) items.push(item);
const processed = [];
for (const relPath of process.argv.slice(3)) processed.push(await processFile({ absPath: `${root}/${relPath}`, relPath, knownHash: null, syntax: true }, chunker));
console.log(JSON.stringify({ items, processed }));

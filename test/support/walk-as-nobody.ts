// Walks argv[2] after dropping root privileges (when running as root), printing the items as JSON.
import { walkFolder } from '../../src/core/walk/walker.js';

if (process.getuid?.() === 0) {
  process.setgid!(65534);
  process.setuid!(65534);
}
const items = [];
for await (const item of walkFolder(process.argv[2]!, { maxFileBytes: 1024 * 1024 })) items.push(item);
console.log(JSON.stringify(items));

// Opens the store at argv[2] and holds it until killed, as a second Quarry process would.
import { Store } from '../../src/core/store/store.js';

const store = await Store.open(process.argv[2]!);
console.log('holding');
process.on('SIGTERM', () => {
  store.close();
  process.exit(0);
});
setInterval(() => undefined, 1000);
